/**
 * The ticket's summary without a model: extractive and deterministic, written for the human who picks the
 * ticket up. It says what the customer came for (their first substantive message), the other things they said
 * that a human needs (sentences with references, amounts, dates, problems, questions), the order and tracking
 * numbers mentioned, and the gist of the assistant's last reply. Secrets (card numbers, passwords, ...) are
 * redacted, every line is single-line, and the whole is bounded in sentences and characters.
 *
 *   Customer request: My order A-1234 has not arrived and I need it by Friday.
 *   Also mentioned:
 *   - I was charged $49.99 twice on 3 March.
 *   References: order A-1234
 *   Last assistant reply: Orders usually arrive within 5 working days.
 */
import { cleanValue, extractFacts, MAX_TEXT_LENGTH } from './memory/extract.js';
import { redactSensitive } from './memory/sensitive.js';

export interface SummaryOptions {
  /** Sentences at most, request and last reply included (default 6). */
  maxSentences?: number;
  /** Characters at most (default 1200). */
  maxChars?: number;
}

export const DEFAULT_SUMMARY_SENTENCES = 6;
export const DEFAULT_SUMMARY_CHARS = 1200;
const MAX_REQUEST_CHARS = 300;
const MAX_SENTENCE_CHARS = 240;
const MAX_REFERENCES = 8;
/** A sentence scoring this much (e.g. a problem and a date, or an order number) is worth a human's time. */
const KEY_POINT_SCORE = 2;

/** Openers a request starts with; "hi"/"hello" alone or any of them before punctuation ("Thanks! My order..."). */
const GREETING =
  /^(?:(?:(?:hi|hello|hey|hiya|greetings|good\s+(?:morning|afternoon|evening|day))(?:\s+(?:there|team|all|everyone|folks))?|dear\s+[\p{L}-]+)(?:\s*[,.!:;-]+\s*|\s+)|(?:thanks?(?:\s+you)?|thx|ok(?:ay)?|yes|yeah)\s*[,.!:;-]+\s*)+/iu;
const ABBREVIATION = String.raw`(?<!\b(?:e\.g|i\.e|etc|mr|mrs|ms|dr|st|no|nr|vs|approx|incl|ref))`;
const SENTENCE_BREAK = new RegExp(String.raw`${ABBREVIATION}(?<=[.!?])\s+|\n+`, 'i');

const REFERENCE = /\b(?=(?:[A-Za-z-]*\d){3})[A-Za-z0-9-]{4,}\b/;
const AMOUNT = /[$€£¥]\s?\d|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?|bucks)\b/i;
const DATE =
  /\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|tonight|ago|since|last\s+(?:week|month|night|year)|\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|\d{1,2}(?:st|nd|rd|th))\b/i;
/** Words of things gone wrong; a contrast ("paid but ...", "says delivered but ...") is how many problems are told. */
const PROBLEM =
  /\b(?:but|instead|nothing|not|never|no|wrong|broken|damaged|missing|lost|stolen|late|delayed|charged|double|twice|refund(?:ed)?|cancel(?:led|ed)?|error|fail(?:ed|s)?|declined|blocked|locked|stuck|problem|issue|complain(?:t)?|fraud|unauthori[sz]ed|still|again|\w+n't)\b/gi;

interface Sentence {
  text: string;
  /** Position in the conversation: key points are listed in the order they were said. */
  order: number;
  score: number;
}

/** One line, secrets redacted, citation markers and markdown emphasis dropped. */
function tidy(text: string): string {
  return cleanValue(redactSensitive(text).replace(/\[\^?\d+\]|\*\*|__|`/g, ''), Number.MAX_SAFE_INTEGER);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

function splitSentences(text: string): string[] {
  return text
    .split(SENTENCE_BREAK)
    .map(tidy)
    .filter((s) => s.length > 0);
}

function words(text: string): number {
  return text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
}

/** The sentences without the greeting they open with ("Hi there! My order..." -> "My order..."). */
function withoutGreeting(sentences: readonly string[]): string[] {
  const out = [...sentences];
  while (out.length > 0) {
    const rest = out[0]!.replace(GREETING, '').trim();
    if (rest) {
      out[0] = rest[0]!.toUpperCase() + rest.slice(1);
      break;
    }
    out.shift();
  }
  return out;
}

/** Is anything left worth a ticket once the greeting is gone? A question, a number, or three words. */
function hasSubstance(sentences: readonly string[]): boolean {
  const text = sentences.join(' ');
  const n = words(text);
  return n >= 3 || (n >= 1 && /[?\d]/.test(text));
}

function score(sentence: string): number {
  let total = 0;
  if (REFERENCE.test(sentence)) total += 2;
  if (AMOUNT.test(sentence)) total += 2;
  if (DATE.test(sentence)) total += 1;
  if (sentence.endsWith('?')) total += 1;
  const problems = new Set((sentence.match(PROBLEM) ?? []).map((w) => w.toLowerCase()));
  return total + Math.min(2, problems.size);
}

/** The sentences of `text` up to `max` characters; the first one alone (clipped) when it is already longer. */
function leadingSentences(sentences: readonly string[], max: number, minChars = Infinity): string {
  let out = '';
  for (const sentence of sentences) {
    const next = out ? `${out} ${sentence}` : sentence;
    if (out && (next.length > max || out.length >= minChars)) break;
    out = next;
  }
  return clip(out, max);
}

function normalised(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export function summarizeConversation(
  messages: readonly { role: string; content: string }[],
  options: SummaryOptions = {},
): string {
  const maxSentences = Math.max(1, Math.floor(options.maxSentences ?? DEFAULT_SUMMARY_SENTENCES));
  const maxChars = Math.max(40, Math.floor(options.maxChars ?? DEFAULT_SUMMARY_CHARS));
  // Each message is read up to the extractor's bound: a pasted log must not make a summary slow.
  const contentsOf = (role: string) =>
    messages.filter((m) => m.role === role && m.content.trim().length > 0).map((m) => m.content.slice(0, MAX_TEXT_LENGTH));
  const customer = contentsOf('customer');
  if (customer.length === 0) return '';

  // The request: the first message with substance ("hello?" and "thanks!" do not count), else the first one.
  const split = customer.map((m) => withoutGreeting(splitSentences(m)));
  const found = split.findIndex(hasSubstance);
  const requestIndex = found >= 0 ? found : split.findIndex((sentences) => sentences.length > 0);
  const request = requestIndex >= 0 ? leadingSentences(split[requestIndex]!, MAX_REQUEST_CHARS) : clip(tidy(customer[0]!), MAX_REQUEST_CHARS);
  const inRequest = normalised(request);
  const seen = new Set([inRequest]);

  const candidates: Sentence[] = [];
  split.forEach((sentences) => {
    for (const text of sentences) {
      const key = normalised(text);
      if (words(text) < 3 || seen.has(key) || inRequest.includes(key)) continue;
      seen.add(key);
      const value = score(text);
      if (value >= KEY_POINT_SCORE) candidates.push({ text: clip(text, MAX_SENTENCE_CHARS), order: candidates.length, score: value });
    }
  });

  const lastReply = contentsOf('assistant').at(-1);
  const reply = lastReply ? leadingSentences(splitSentences(lastReply), MAX_SENTENCE_CHARS, 80) : '';
  const references = collectReferences(customer);

  const budget = Math.max(0, maxSentences - 1 - (reply ? 1 : 0));
  let points = [...candidates].sort((a, b) => b.score - a.score || a.order - b.order).slice(0, budget);
  const render = () => {
    const chronological = [...points].sort((a, b) => a.order - b.order);
    return [
      `Customer request: ${request}`,
      ...(chronological.length > 0 ? ['Also mentioned:', ...chronological.map((p) => `- ${p.text}`)] : []),
      ...(references ? [`References: ${references}`] : []),
      ...(reply && maxSentences > 1 ? [`Last assistant reply: ${reply}`] : []),
    ].join('\n');
  };
  // Over the character budget: drop the least telling key points first, then clip what is left.
  let text = render();
  while (text.length > maxChars && points.length > 0) {
    points = points.slice(0, -1);
    text = render();
  }
  return clip(text, maxChars);
}

/** Order and tracking numbers the customer gave, in the order first given. */
function collectReferences(texts: readonly string[]): string {
  const seen = new Map<string, string>();
  for (const text of texts) {
    for (const fact of extractFacts(text)) {
      if (fact.key.startsWith('order:')) seen.set(fact.key, `order ${fact.value}`);
      else if (fact.key === 'tracking_number') seen.set(`tracking:${fact.value}`, `tracking ${fact.value}`);
    }
  }
  return [...seen.values()].slice(0, MAX_REFERENCES).join(', ');
}
