/**
 * The model that is no model: it answers with the best passages the knowledge base found for the turn
 * (`context.passages`), quoted and numbered as citations, and says plainly when it has nothing, offering a
 * human instead of inventing. It is what runs offline, without a GGUF file, or when no endpoint is configured.
 */
import { z } from 'zod';
import { abortedError, NO_USAGE, parseOptions, replayAsStream, unsupportedWarnings } from './support.js';
import type { CallOptions, GenerateResult, GroundingPassage, LanguageModel } from './types.js';

const extractiveOptionsSchema = z.object({
  /** At most this many passages are quoted. */
  maxPassages: z.int().min(1).max(10).default(3),
  /** A passage scoring below this share of the best one is left out (it is likely about something else). */
  relativeCutoff: z.number().min(0).max(1).default(0.5),
  /** Longer passages are cut, at a sentence end when one is near. */
  maxWordsPerPassage: z.int().min(10).default(80),
});
export type ExtractiveOptions = z.input<typeof extractiveOptionsSchema>;

export const EXTRACTIVE_INTRO = 'Here is what our help centre says:';
export const EXTRACTIVE_FOLLOW_UP =
  'If this does not answer your question, tell me and I can connect you with a member of our support team.';
export const EXTRACTIVE_NO_ANSWER =
  "I'm sorry, I don't know the answer to that: I couldn't find anything about it in our help centre. " +
  'Would you like me to connect you with a member of our support team?';

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Best first, duplicates and weak runners-up dropped. */
export function choosePassages(
  passages: readonly GroundingPassage[],
  options: { maxPassages: number; relativeCutoff: number },
): GroundingPassage[] {
  const ranked = passages.filter((p) => normalise(p.snippet) !== '').sort((a, b) => b.score - a.score);
  const top = ranked[0]?.score ?? 0;
  const seen = new Set<string>();
  const chosen: GroundingPassage[] = [];
  for (const passage of ranked) {
    if (chosen.length >= options.maxPassages) break;
    if (chosen.length > 0 && passage.score < top * options.relativeCutoff) break;
    const key = normalise(passage.snippet).toLowerCase();
    if (seen.has(passage.chunkId) || seen.has(key)) continue;
    seen.add(passage.chunkId).add(key);
    chosen.push(passage);
  }
  return chosen;
}

/** The passage cut to `maxWords`, at the last sentence end past half of it if there is one, else with "…". */
export function excerpt(snippet: string, maxWords: number): string {
  const words = normalise(snippet).split(' ');
  if (words.length <= maxWords) return words.join(' ');
  const cut = words.slice(0, maxWords).join(' ');
  const sentenceEnd = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('! '), cut.lastIndexOf('? '));
  if (sentenceEnd > cut.length / 2) return cut.slice(0, sentenceEnd + 1);
  return `${cut.replace(/[\s,;:.…-]+$/, '')}…`;
}

export function extractiveReply(
  passages: readonly GroundingPassage[],
  options: { maxPassages: number; relativeCutoff: number; maxWordsPerPassage: number },
): { text: string; sources: GroundingPassage[] } {
  const sources = choosePassages(passages, options);
  if (sources.length === 0) return { text: EXTRACTIVE_NO_ANSWER, sources };
  const quotes = sources.map((p, i) => `${excerpt(p.snippet, options.maxWordsPerPassage)} [${i + 1}]`);
  const list = sources.map((p, i) => `[${i + 1}] ${normalise(p.title) || 'Untitled document'}`).join('; ');
  return { text: [EXTRACTIVE_INTRO, ...quotes, `Sources: ${list}`, EXTRACTIVE_FOLLOW_UP].join('\n\n'), sources };
}

export function createExtractiveModel(options: ExtractiveOptions = {}): LanguageModel {
  const o = parseOptions(extractiveOptionsSchema, options, 'extractive model');
  const why = 'the extractive provider quotes passages; it does not sample text or call tools';

  async function generate(call: CallOptions): Promise<GenerateResult> {
    const aborted = abortedError(call.abortSignal);
    if (aborted) throw aborted;
    const { text, sources } = extractiveReply(call.context?.passages ?? [], o);
    const warnings = unsupportedWarnings(call, { settings: [], tools: false }, why);
    return { text, toolCalls: [], finishReason: 'stop', usage: { ...NO_USAGE }, warnings, sources };
  }

  return {
    provider: 'extractive',
    modelId: 'extractive',
    capabilities: { toolCalls: false, streaming: true },
    generate,
    stream: (call) => replayAsStream(() => generate(call), call.abortSignal),
    close: async () => {},
  };
}
