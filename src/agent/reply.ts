/**
 * Turning what the model wrote into what the customer gets: citations checked against the passages given, a
 * sources line when an answer from the knowledge base cites nothing, the guardrails applied, and the turn's
 * confidence worked out from what the reply really cites.
 */
import { answerConfidence } from './grounding.js';
import {
  admitsNotKnowing,
  citedSources,
  type ContactScreen,
  dropInventedCitations,
  repeatsRules,
  RULES_REFUSAL,
  sourcesLine,
} from './guardrails.js';
import type { Source } from './types.js';

export const NO_ANSWER_REPLY =
  "I'm sorry, I don't know the answer to that: I couldn't find anything about it in our help centre. " +
  'Would you like me to connect you with a member of our support team?';

export const MODEL_FAILED_REPLY =
  "I'm sorry, I can't answer right now because our assistant is not responding. " +
  'Would you like me to connect you with a member of our support team?';

export interface FinishedReply {
  text: string;
  sources: Source[];
  confidence: number;
  /** The reply says it does not know (or says nothing). */
  unknown: boolean;
  /** The model's reply broke a rule and was replaced by a refusal. */
  refused: boolean;
  /** Guardrail findings, for the log. */
  flags: string[];
}

export interface FinishInput {
  text: string;
  passages: readonly Source[];
  /** Sources the provider says it cites, [1] first (extractive); otherwise the text's [n] markers are read. */
  providerSources?: readonly Source[];
  /** Contact details this conversation has legitimately seen may be repeated; others are removed. */
  screen: ContactScreen;
  rules: string;
  threshold: number;
}

export function finishReply(input: FinishInput): FinishedReply {
  const flags: string[] = [];
  let text = dropInventedCitations(input.text.trim(), input.passages.length);
  if (repeatsRules(text, input.rules)) {
    flags.push('repeated_rules');
    return { text: RULES_REFUSAL, sources: [], confidence: 0, unknown: false, refused: true, flags };
  }
  const redacted = input.screen.redact(text);
  if (redacted.removed > 0) flags.push(`removed_${redacted.removed}_unseen_contacts`);
  text = redacted.text;

  if (text === '' || admitsNotKnowing(text)) {
    return { text: text || NO_ANSWER_REPLY, sources: [], confidence: 0, unknown: true, refused: false, flags };
  }
  // A provider that reports its sources (extractive) numbered its citations in that list's order.
  let sources = input.providerSources?.length ? [...input.providerSources] : citedSources(text, input.passages);
  if (sources.length === 0 && input.passages.length > 0) {
    // The model used the passages without citing them: cite what it was given, so the customer can check.
    sources = input.passages.slice(0, 3);
    flags.push('added_sources_line');
    text = `${text}\n\n${sourcesLine(sources, (source) => input.passages.indexOf(source) + 1)}`;
  }
  return { text, sources, confidence: answerConfidence(sources, input.threshold), unknown: false, refused: false, flags };
}
