/**
 * When to hand a conversation to a human. Five signals, each a weighted reason: an explicit request for a human,
 * low answer confidence, configured keywords (ESCALATION_KEYWORDS, weights summed), repeated failure, and
 * negative sentiment. The weights add up to the decision's score; the conversation escalates at 1.0, so any
 * strong signal alone hands over while weaker ones (a 0.5 keyword, mild annoyance) need company. Every decision
 * lists its reasons, for the ticket and the logs.
 */
import type { Settings } from '../../config/index.js';
import { findExplicitRequest } from './explicit.js';
import { scoreSentiment } from './sentiment.js';
import { escapeRegExp, normalise, tokens } from './text.js';

export type EscalationReasonKind = 'explicit_request' | 'low_confidence' | 'keyword' | 'repeated_failure' | 'negative_sentiment';

export interface EscalationReason {
  kind: EscalationReasonKind;
  detail: string;
  weight: number;
}

export interface EscalationDecision {
  escalate: boolean;
  reasons: EscalationReason[];
  /** Sum of the reasons' weights; escalation happens at ESCALATION_SCORE (when escalation is enabled). */
  score: number;
}

export interface EscalationInput {
  /** The customer's current message. */
  message: string;
  /** Earlier messages of the conversation, oldest first. */
  history?: readonly { role: 'user' | 'assistant' | 'system' | 'tool'; content: string }[];
  /** The agent's confidence in its answer to this message (0..1), when it has one. */
  confidence?: number;
  /** The best retrieval score for this message (0..1), recorded beside low confidence. */
  retrievalTopScore?: number;
  /** Turns in a row the agent could not answer (said it did not know, a model error). */
  failureCount?: number;
  /** A sentiment score (-1..1) computed elsewhere; the built-in lexicon scorer runs when absent. */
  sentiment?: number;
}

export type EscalationSettings = Pick<Settings['escalation'], 'enabled' | 'confidenceThreshold' | 'keywords'>;

export const ESCALATION_SCORE = 1.0;
/** Sentiment at or below this is strong enough to hand over alone; at or below MILD it adds half a point. */
export const STRONG_NEGATIVE_SENTIMENT = -0.75;
export const MILD_NEGATIVE_SENTIMENT = -0.35;
export const FAILURES_TO_ESCALATE = 2;

/** "That didn't help", "not what I asked", "you're not listening", "I already told you". */
const FAILURE_COMPLAINTS =
  /\b(?:that|this|it|you)(?:'s|\s+is|\s+was)?\s+(?:didn't|doesn't|did\s+not|does\s+not|isn't|is\s+not|wasn't|not)\s+(?:help|helping|helpful|answer|work|make\s+sense|what\s+i\s+(?:asked|meant|need|wanted))|\bnot\s+what\s+i\s+(?:asked|meant|wanted|need)|\byou(?:'re|\s+are)\s+not\s+(?:helping|listening|understanding|getting\s+it)|\balready\s+(?:told|said|asked|explained)|\byou\s+(?:don't|do\s+not|didn't)\s+(?:understand|get\s+it)|\bstill\s+(?:doesn't|don't|isn't|not)\s+(?:work|help|answer)|\bgoing\s+(?:round|around)\s+in\s+circles\b/;

const keywordCache = new WeakMap<object, { keyword: string; weight: number; pattern: RegExp }[]>();

/** Word-boundary, case-insensitive matchers for ESCALATION_KEYWORDS (compiled once per settings object). */
function keywordMatchers(keywords: Readonly<Record<string, number>>) {
  let matchers = keywordCache.get(keywords);
  if (!matchers) {
    matchers = Object.entries(keywords)
      .filter(([keyword, weight]) => keyword.trim() !== '' && weight > 0)
      .map(([keyword, weight]) => ({
        keyword,
        weight,
        pattern: new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(normalise(keyword)).replace(/ /g, '\\s+')}(?![\\p{L}\\p{N}_])`, 'u'),
      }));
    keywordCache.set(keywords, matchers);
  }
  return matchers;
}

/** One question asked again: most words of the shorter message (4 words or more) are in the other. */
function askedAgain(a: string, b: string): boolean {
  const x = new Set(tokens(normalise(a)));
  const y = new Set(tokens(normalise(b)));
  const smaller = Math.min(x.size, y.size);
  if (smaller < 4) return false;
  let shared = 0;
  for (const word of x) if (y.has(word)) shared++;
  return shared / smaller >= 0.8;
}

/** Failures the conversation shows by itself: complaints that answers did not help, a question asked again. */
function implicitFailures(message: string, history: EscalationInput['history'] = []): string[] {
  const earlier = history.filter((m) => m.role === 'user').map((m) => m.content);
  const found: string[] = [];
  const complaints = [...earlier, message].filter((text) => FAILURE_COMPLAINTS.test(normalise(text))).length;
  if (complaints > 0) found.push(`${complaints} complaint${complaints === 1 ? '' : 's'} that answers did not help`);
  if (earlier.some((text) => askedAgain(text, message))) found.push('the customer asked the same question again');
  return found;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** What the customer's words say, read once per message (the turn decides twice: before and after answering). */
export interface MessageSignals {
  request: ReturnType<typeof findExplicitRequest>;
  keywords: { keyword: string; weight: number }[];
  implicitFailures: string[];
  sentiment: { score: number; cues: string[] };
}

export function readMessage(
  input: Pick<EscalationInput, 'message' | 'history' | 'sentiment'>,
  settings: Pick<EscalationSettings, 'keywords'>,
): MessageSignals {
  const text = normalise(input.message);
  return {
    request: findExplicitRequest(input.message),
    keywords: keywordMatchers(settings.keywords).filter(({ pattern }) => pattern.test(text)),
    implicitFailures: implicitFailures(input.message, input.history),
    sentiment: input.sentiment === undefined ? scoreSentiment(input.message) : { score: input.sentiment, cues: [] },
  };
}

export function decideEscalation(
  input: EscalationInput,
  settings: EscalationSettings,
  signals: MessageSignals = readMessage(input, settings),
): EscalationDecision {
  const reasons: EscalationReason[] = [];

  const { request } = signals;
  if (request) {
    reasons.push({ kind: 'explicit_request', detail: `asked for a human ("${request.text}": ${request.shape})`, weight: 1 });
  }

  for (const { keyword, weight } of signals.keywords) reasons.push({ kind: 'keyword', detail: `keyword "${keyword}"`, weight });

  if (input.confidence !== undefined && input.confidence < settings.confidenceThreshold) {
    const retrieval = input.retrievalTopScore === undefined ? '' : `; best passage scored ${round(input.retrievalTopScore)}`;
    reasons.push({
      kind: 'low_confidence',
      detail: `confidence ${round(input.confidence)} below ${settings.confidenceThreshold}${retrieval}`,
      weight: 1,
    });
  }

  const implicit = signals.implicitFailures;
  const failures = (input.failureCount ?? 0) + implicit.length;
  if (failures >= FAILURES_TO_ESCALATE) {
    const counted = [...(input.failureCount ? [`${input.failureCount} unanswered turn(s)`] : []), ...implicit];
    reasons.push({ kind: 'repeated_failure', detail: `repeated failure: ${counted.join(', ')}`, weight: 1 });
  }

  const { sentiment } = signals;
  if (sentiment.score <= MILD_NEGATIVE_SENTIMENT) {
    const strong = sentiment.score <= STRONG_NEGATIVE_SENTIMENT;
    const cues = sentiment.cues.length > 0 ? ` (${sentiment.cues.slice(0, 5).join(', ')})` : '';
    reasons.push({
      kind: 'negative_sentiment',
      detail: `${strong ? 'strongly' : 'mildly'} negative sentiment ${round(sentiment.score)}${cues}`,
      weight: strong ? 1 : 0.5,
    });
  }

  const score = round(reasons.reduce((sum, reason) => sum + reason.weight, 0));
  return { escalate: settings.enabled && score >= ESCALATION_SCORE, reasons, score };
}
