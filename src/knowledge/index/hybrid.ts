/**
 * Hybrid search over any KnowledgeIndex: the lexical and dense signals each give their top N candidates
 * (N = max(50, 5k)), which are fused, de-duplicated, filtered by minScore, cut to k and turned into cited results.
 *
 * What `score` means (always 0..1, higher is better; `signals` keeps each signal's raw rank and score):
 * - 'rrf' (default): reciprocal rank fusion, raw = sum over signals of 1 / (rrfK + rank), reported relative to
 *   ranking first in one signal: score = min(1, raw / (heaviest signal weight / (rrfK + 1))), with the default
 *   weights min(1, raw * (rrfK + 1)). So 1 = as good as first place in either signal
 *   (or better: well placed in both); a chunk ranked r-th by one signal alone scores (rrfK + 1) / (rrfK + r), with
 *   rrfK = 60 0.87 at r = 10 and 0.70 at r = 27; ranked 30th by both, 1. Results are ordered by the raw sum, so
 *   chunks at 1 keep their order. It is rank-based: a threshold on it keeps "near the top of at least one list",
 *   never "similar enough" - the top results of a query nothing answers still score high. For an absolute
 *   cut use 'convex', or the dense signal's cosine in `signals.denseScore`.
 * - 'convex': alpha * max(0, cosine similarity) + (1 - alpha) * (lexical score / best lexical score of the query).
 *   The dense part is absolute (cosine of the query and chunk embeddings), the lexical part relative to the best
 *   lexical match; a chunk missing from a signal's candidates gets 0 for that part.
 * - lexical-only (no query vector, or no vectors stored): the same formulas with the one signal that answered,
 *   so 'rrf' gives 1 to the best lexical match and 'convex' gives lexical score / best lexical score.
 */
import type { Candidate, Chunk, KnowledgeIndex, SearchQuery, SearchResult } from '../types.js';
import { queryTerms } from './query-text.js';
import { DEFAULT_SNIPPET_LENGTH, makeSnippet } from './snippet.js';

export type FusionMethod = 'rrf' | 'convex';

export interface FusionOptions {
  /** Default 'rrf' (see the file comment). */
  fusion?: FusionMethod;
  /** RRF's rank constant (default 60, as in Cormack et al. 2009). */
  rrfK?: number;
  /** Per-signal RRF weights (default 1 and 1). */
  rrfWeights?: { lexical: number; dense: number };
  /** Convex fusion's weight of the dense signal, 0..1 (default 0.5). */
  alpha?: number;
}

export interface HybridSearchOptions extends FusionOptions {
  /** Candidates asked of each signal (default max(50, 5k)). */
  candidates?: number;
  snippetLength?: number;
}

export type HybridQuery = SearchQuery & {
  /** The text for the lexical signal when it should differ from `text` (e.g. keywords extracted from a long brief). */
  lexicalText?: string;
};

/**
 * Optional: an index that can produce both candidate lists in one call more cheaply than two calls (the SQLite
 * index overlaps its full-text query with the vector scan). Fusion is the same either way.
 */
export interface CombinedCandidateSearch {
  searchBoth(text: string, vector: Float32Array, limit: number): Promise<{ lexical: Candidate[]; dense: Candidate[] }>;
}

function searchesBoth(index: KnowledgeIndex): index is KnowledgeIndex & CombinedCandidateSearch {
  return typeof (index as Partial<CombinedCandidateSearch>).searchBoth === 'function';
}

export interface FusedCandidate {
  chunkId: string;
  score: number;
  lexicalRank?: number;
  lexicalScore?: number;
  denseRank?: number;
  denseScore?: number;
}

/** Fuses two ranked candidate lists (best first) into one, best first; ties break on chunk id. */
export function fuse(lexical: Candidate[], dense: Candidate[], options: FusionOptions = {}): FusedCandidate[] {
  const method = options.fusion ?? 'rrf';
  const rrfK = options.rrfK ?? 60;
  const weights = options.rrfWeights ?? { lexical: 1, dense: 1 };
  const alpha = options.alpha ?? 0.5;
  if (!(rrfK >= 0)) throw new RangeError(`rrfK must be >= 0, got ${rrfK}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be within 0..1, got ${alpha}`);

  const byId = new Map<string, FusedCandidate & { raw: number }>();
  const entry = (chunkId: string) => {
    let found = byId.get(chunkId);
    if (!found) byId.set(chunkId, (found = { chunkId, score: 0, raw: 0 }));
    return found;
  };
  // A signal may list a chunk once; if it repeats one, its best rank counts.
  lexical.forEach((candidate, i) => {
    const fused = entry(candidate.chunkId);
    if (fused.lexicalRank === undefined) Object.assign(fused, { lexicalRank: i + 1, lexicalScore: candidate.score });
  });
  dense.forEach((candidate, i) => {
    const fused = entry(candidate.chunkId);
    if (fused.denseRank === undefined) Object.assign(fused, { denseRank: i + 1, denseScore: candidate.score });
  });

  const hasLexical = lexical.length > 0;
  const hasDense = dense.length > 0;
  if (method === 'rrf') {
    // First place in the strongest signal that answered; see the file comment for why not "first in both".
    const firstPlace = Math.max(hasLexical ? weights.lexical : 0, hasDense ? weights.dense : 0) / (rrfK + 1);
    for (const fused of byId.values()) {
      fused.raw =
        (fused.lexicalRank ? weights.lexical / (rrfK + fused.lexicalRank) : 0) +
        (fused.denseRank ? weights.dense / (rrfK + fused.denseRank) : 0);
      fused.score = firstPlace > 0 ? fused.raw / firstPlace : 0;
    }
  } else {
    const bestLexical = Math.max(0, ...lexical.map((candidate) => candidate.score));
    const denseWeight = hasLexical ? (hasDense ? alpha : 0) : 1;
    for (const fused of byId.values()) {
      const lexicalPart = fused.lexicalScore !== undefined && bestLexical > 0 ? fused.lexicalScore / bestLexical : 0;
      const densePart = fused.denseScore !== undefined ? Math.max(0, fused.denseScore) : 0;
      fused.score = denseWeight * densePart + (1 - denseWeight) * lexicalPart;
      fused.raw = fused.score;
    }
  }
  return [...byId.values()]
    .sort((a, b) => b.raw - a.raw || (a.chunkId < b.chunkId ? -1 : a.chunkId > b.chunkId ? 1 : 0))
    .map(({ raw: _raw, ...fused }) => ({ ...fused, score: Math.min(1, Math.max(0, fused.score)) }));
}

export async function hybridSearch(
  index: KnowledgeIndex,
  query: HybridQuery,
  options: HybridSearchOptions = {},
): Promise<SearchResult[]> {
  const { k } = query;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const minScore = query.minScore ?? 0;
  if (!(minScore >= 0 && minScore <= 1)) throw new RangeError(`minScore must be within 0..1, got ${minScore}`);
  const candidates = options.candidates ?? Math.max(50, 5 * k);
  const lexicalText = query.lexicalText ?? query.text;

  const { vector } = query;
  const { lexical, dense } =
    vector && searchesBoth(index)
      ? await index.searchBoth(lexicalText, vector, candidates)
      : await Promise.all([
          // Lexical first: on PostgreSQL its query is then in flight while the vector scan runs in process.
          index.lexicalSearch(lexicalText, candidates),
          vector ? index.vectorSearch(vector, candidates) : Promise.resolve([]),
        ]).then(([lexical, dense]) => ({ lexical, dense }));
  const fused = fuse(lexical, dense, options).filter((candidate) => candidate.score >= minScore);

  const terms = queryTerms(lexicalText);
  const results: SearchResult[] = [];
  const seenTexts = new Set<string>();
  // Fetch a little more than k at a time: chunks with the same text (a footer repeated in many files) are shown
  // once, and a chunk removed since the candidates were ranked is skipped.
  for (let from = 0; from < fused.length && results.length < k; ) {
    const page = fused.slice(from, from + Math.max(k * 2, 10));
    from += page.length;
    const chunks = new Map((await index.getChunks(page.map((candidate) => candidate.chunkId))).map((chunk) => [chunk.id, chunk]));
    for (const candidate of page) {
      const chunk = chunks.get(candidate.chunkId);
      if (!chunk) continue;
      const key = chunk.text.replace(/\s+/gu, ' ').trim().toLowerCase();
      if (seenTexts.has(key)) continue;
      seenTexts.add(key);
      results.push(toResult(candidate, chunk, terms, options.snippetLength ?? DEFAULT_SNIPPET_LENGTH));
      if (results.length === k) break;
    }
  }
  return results;
}

function toResult(candidate: FusedCandidate, chunk: Chunk, terms: string[], snippetLength: number): SearchResult {
  const signals: NonNullable<SearchResult['signals']> = {};
  if (candidate.lexicalRank !== undefined) Object.assign(signals, { lexicalRank: candidate.lexicalRank, lexicalScore: candidate.lexicalScore });
  if (candidate.denseRank !== undefined) Object.assign(signals, { denseRank: candidate.denseRank, denseScore: candidate.denseScore });
  return {
    documentId: chunk.documentId,
    title: chunk.title,
    chunkId: chunk.id,
    score: candidate.score,
    snippet: makeSnippet(chunk.text, terms, snippetLength),
    location: chunk.location,
    signals,
  };
}
