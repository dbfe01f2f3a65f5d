/**
 * planSearch: what to search for, given what a customer wrote.
 *
 * - A short message (up to `passThroughWords`) is one query: the customer's own words, minus identifiers.
 * - A long one (an email, a role-play brief) states several needs at once. It becomes the extracted query
 *   (extract.ts: its need sentences, strongest first) plus each need sentence as a sub-query of its own, fused by
 *   document (index/rank-fusion.ts) so that each need can place its best documents near the top. The fused
 *   ranking is then re-ranked by reference expansion (references.ts): a need that takes several procedures
 *   names only the first of them, and the others share its tool and field names.
 *
 * The numbers below were chosen on the development half of ../shared/eval/banking_knowledge only (tasks whose
 * sha256(id) starts with an even byte; `frontline eval retrieval` reports both halves) among: 6-40 sub-queries,
 * flat or need-score weights, main-query weight 1-6, rrfK 5-60; reference expansion: 3-10 seed documents,
 * bonus 0.03-0.08. The other half was held out.
 */
import { extractNeedSentences, extractSearchQuery, scrubIdentifiers } from './extract.js';
import type { ReferenceBoostOptions } from './references.js';

export interface SearchPlan {
  /** The main query. */
  text: string;
  /** Its RRF weight relative to a sub-query's (1 when there are no sub-queries). */
  weight: number;
  subQueries: { text: string; weight: number }[];
  /** RRF's rank constant for this plan (undefined: the fusion default). */
  rrfK?: number;
  /** Reference expansion of the fused ranking (long messages only; undefined: none). */
  referenceBoost?: ReferenceBoostOptions;
}

export interface PlanOptions {
  /** Texts up to this many words are searched as written (default 40, as extractSearchQuery). */
  passThroughWords?: number;
  /** At most this many sub-queries (default 24). 0 searches the extracted query alone. */
  maxSubQueries?: number;
}

/** The whole extracted query counts as much as three middling need sentences. */
const MAIN_WEIGHT = 3;
/**
 * A small rank constant: with many lists, a document should win by being at the very top of some need's list,
 * not by appearing somewhere in many of them (rrfK 60 rewards the latter).
 */
const MULTI_QUERY_RRF_K = 5;
/**
 * Reference expansion: documents sharing a tool or field name with any of the top 8 gain 0.05 per such seed (on
 * the 1 / (5 + rank) scale: one link lifts a document from rank 20 to about rank 6, two to about rank 2).
 */
const REFERENCE_BOOST: ReferenceBoostOptions = { seeds: 8, bonus: 0.05, rrfK: MULTI_QUERY_RRF_K };
/** Sentences shorter than this say too little to search on their own ("Is that right?"). */
const MIN_SUB_QUERY_WORDS = 3;

const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;

export function planSearch(message: string, options: PlanOptions = {}): SearchPlan {
  const passThrough = options.passThroughWords ?? 40;
  const maxSubQueries = options.maxSubQueries ?? 24;
  const text = message.normalize('NFC').trim();
  if (wordCount(text) <= passThrough) return { text: scrubIdentifiers(text) || text, weight: 1, subQueries: [] };
  const main = extractSearchQuery(text, { passThroughWords: passThrough }) || text;
  const subQueries = extractNeedSentences(text)
    .filter((sentence) => wordCount(sentence.text) >= MIN_SUB_QUERY_WORDS)
    .slice(0, maxSubQueries)
    // Stronger need sentences (more need cues, in a need section, quoted speech) count more.
    .map((sentence) => ({ text: sentence.text, weight: 1 + sentence.score }));
  if (subQueries.length === 0) return { text: main, weight: 1, subQueries };
  return { text: main, weight: MAIN_WEIGHT, subQueries, rrfK: MULTI_QUERY_RRF_K, referenceBoost: REFERENCE_BOOST };
}
