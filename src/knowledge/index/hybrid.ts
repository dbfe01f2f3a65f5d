/**
 * Hybrid search over any KnowledgeIndex: the lexical and dense signals each give their top N candidates
 * (N = max(50, 5k)) for the main query and, when a long message was split into sub-queries, for each of those
 * (max(100, 2k)); the lists are fused, filtered by minScore, cut to k and turned into cited results.
 *
 * Ranking: by default documents, not chunks (rank-fusion.ts): weighted RRF over every list, each document shown
 * by its best chunk (maxChunksPerDocument more if asked). With `groupByDocument: false` or 'convex' fusion and no
 * sub-queries, fuse() below ranks chunks as they come. With `referenceBoost` (long messages), the top documents
 * are then re-ranked by the references they share with the best ones (query/references.ts).
 *
 * What `score` means (always 0..1, higher is better; `signals` keeps the main query's raw ranks and scores):
 * - 'rrf' (default): reciprocal rank fusion, raw = sum over lists of weight / (rrfK + rank), reported relative to
 *   ranking first in the heaviest list: score = min(1, raw / (heaviest weight / (rrfK + 1))); with one query and
 *   the default weights min(1, raw * (rrfK + 1)). So 1 = as good as first place in either signal (or better:
 *   well placed in both); one ranked r-th by one signal alone scores (rrfK + 1) / (rrfK + r), with rrfK = 60 0.87
 *   at r = 10. It is rank-based: the top results of a query nothing answers still score high.
 * - 'convex': alpha * max(0, cosine similarity) + (1 - alpha) * (lexical score / best lexical score of the query).
 * - lexical-only (no query vector, or no vectors stored): the same formulas with the one signal that answered.
 *
 * What `relevance` means: the absolute signal, the cosine similarity of the query's embedding and the chunk's
 * (the best over the main query and the sub-queries), read from the index for every fused candidate whether or
 * not it was among the dense candidates. minScore is compared with it when present (a threshold then means
 * "nothing relevant"), else with `score`.
 */
import type { Candidate, Chunk, KnowledgeIndex, SearchQuery, SearchResult } from '../types.js';
import { boostReferenced, referencesOf, type ReferenceBoostOptions } from '../query/references.js';
import { queryTerms } from './query-text.js';
import { documentOfChunk, fuseByDocument, type RankedList } from './rank-fusion.js';
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
  /** Candidates asked of each signal for the main query (default max(50, 5k)). */
  candidates?: number;
  /** Candidates asked of each signal for each sub-query (default max(100, 2k)). */
  subQueryCandidates?: number;
  snippetLength?: number;
  /**
   * Rank documents, not chunks (default true; see rank-fusion.ts): each signal's list counts a document once, at
   * its best chunk. Always on with sub-queries; off (or 'convex' fusion) gives the chunk-level fuse() below.
   */
  groupByDocument?: boolean;
  /** Chunks shown per document (default 1, its best passage, when ranking documents; no limit otherwise). */
  maxChunksPerDocument?: number;
}

/** A further query fused with the main one (e.g. one need sentence of a long message). */
export interface SubQuery {
  text: string;
  vector?: Float32Array;
  /** RRF weight of its lists (default 1). */
  weight?: number;
}

export type HybridQuery = SearchQuery & {
  /** The text for the lexical signal when it should differ from `text` (e.g. keywords extracted from a long brief). */
  lexicalText?: string;
  /** RRF weight of the main query's lists when there are sub-queries (default 1). */
  weight?: number;
  subQueries?: SubQuery[];
  /** Re-rank the top documents by the references they share with the best ones (query/references.ts). */
  referenceBoost?: ReferenceBoostOptions;
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

async function candidateLists(index: KnowledgeIndex, text: string, vector: Float32Array | undefined, limit: number) {
  if (vector && searchesBoth(index)) return index.searchBoth(text, vector, limit);
  const [lexical, dense] = await Promise.all([
    // Lexical first: on PostgreSQL its query is then in flight while the vector scan runs in process.
    index.lexicalSearch(text, limit),
    vector ? index.vectorSearch(vector, limit) : Promise.resolve([]),
  ]);
  return { lexical, dense };
}

/** Each candidate's relevance: its best cosine similarity with any of the query vectors, clamped to 0..1. */
async function relevances(index: KnowledgeIndex, vectors: Float32Array[], chunkIds: string[]): Promise<(number | undefined)[]> {
  const best: (number | undefined)[] = chunkIds.map(() => undefined);
  for (const vector of vectors) {
    (await index.similarities(vector, chunkIds)).forEach((similarity, i) => {
      if (similarity !== undefined) best[i] = Math.max(best[i] ?? 0, Math.min(1, similarity));
    });
  }
  return best;
}

export async function hybridSearch(
  index: KnowledgeIndex,
  query: HybridQuery,
  options: HybridSearchOptions = {},
): Promise<SearchResult[]> {
  const { k, vector } = query;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const minScore = query.minScore ?? 0;
  if (!(minScore >= 0 && minScore <= 1)) throw new RangeError(`minScore must be within 0..1, got ${minScore}`);
  const chunkLevel = (query.subQueries ?? []).length === 0 && (options.fusion === 'convex' || options.groupByDocument === false);
  const perDocument = options.maxChunksPerDocument ?? (chunkLevel ? Number.MAX_SAFE_INTEGER : 1);
  if (!Number.isInteger(perDocument) || perDocument < 1) throw new RangeError(`maxChunksPerDocument must be a positive integer, got ${perDocument}`);
  const lexicalText = query.lexicalText ?? query.text;
  const subQueries = query.subQueries ?? [];

  const main = await candidateLists(index, lexicalText, vector, options.candidates ?? Math.max(50, 5 * k));
  let fused: FusedCandidate[];
  if (chunkLevel) {
    fused = fuse(main.lexical, main.dense, options);
  } else {
    const weights = options.rrfWeights ?? { lexical: 1, dense: 1 };
    const lists: RankedList[] = [];
    const add = (found: { lexical: Candidate[]; dense: Candidate[] }, weight: number, primary: boolean) => {
      lists.push({ candidates: found.lexical, weight: weight * weights.lexical, signal: 'lexical', primary });
      lists.push({ candidates: found.dense, weight: weight * weights.dense, signal: 'dense', primary });
    };
    add(main, query.weight ?? 1, true);
    const subLimit = options.subQueryCandidates ?? Math.max(100, 2 * k);
    // One after another: on SQLite each is synchronous work on this thread anyway, and a burst of parallel
    // queries would only hold more PostgreSQL connections.
    for (const sub of subQueries) add(await candidateLists(index, sub.text, sub.vector, subLimit), sub.weight ?? 1, false);
    fused = fuseByDocument(lists.filter((list) => list.weight > 0), options.rrfK);
    if (query.referenceBoost) fused = await withReferencesBoosted(index, fused, query.referenceBoost);
  }

  const vectors = [vector, ...subQueries.map((sub) => sub.vector)].filter((v): v is Float32Array => v !== undefined);
  const relevance = await relevances(index, vectors, fused.map((candidate) => candidate.chunkId));
  const kept = fused
    .map((candidate, i) => ({ ...candidate, relevance: relevance[i] }))
    .filter((candidate) => (candidate.relevance ?? candidate.score) >= minScore);

  const terms = queryTerms(lexicalText);
  const results: SearchResult[] = [];
  const seenTexts = new Set<string>();
  const perDocumentCount = new Map<string, number>();
  // Fetch a little more than k at a time: chunks with the same text (a footer repeated in many files) are shown
  // once, and a chunk removed since the candidates were ranked is skipped.
  for (let from = 0; from < kept.length && results.length < k; ) {
    const page = kept.slice(from, from + Math.max(k * 2, 10));
    from += page.length;
    const chunks = new Map((await index.getChunks(page.map((candidate) => candidate.chunkId))).map((chunk) => [chunk.id, chunk]));
    for (const candidate of page) {
      const chunk = chunks.get(candidate.chunkId);
      if (!chunk) continue;
      const shown = perDocumentCount.get(chunk.documentId) ?? 0;
      if (shown >= perDocument) continue;
      const key = chunk.text.replace(/\s+/gu, ' ').trim().toLowerCase();
      if (seenTexts.has(key)) continue;
      seenTexts.add(key);
      perDocumentCount.set(chunk.documentId, shown + 1);
      results.push(toResult(candidate, chunk, terms, options.snippetLength ?? DEFAULT_SNIPPET_LENGTH));
      if (results.length === k) break;
    }
  }
  return results;
}

/**
 * Documents re-ranked by reference expansion; the rest keep their order below them. 50, chosen on the dev half
 * among 30-200: from further down, a document sharing a name with two seeds would jump past better ones into the
 * top 5.
 */
const REFERENCE_POOL = 50;

/**
 * Re-orders the fused documents with boostReferenced(). A document's references are read from its chunks among
 * the candidates (with a few dozen lists, most chunks of a well-placed document are): one read, no per-document
 * query. planSearch asks for it for long messages only, so a short query's results never change.
 */
async function withReferencesBoosted(index: KnowledgeIndex, fused: FusedCandidate[], options: ReferenceBoostOptions): Promise<FusedCandidate[]> {
  const byDocument = new Map<string, FusedCandidate[]>();
  for (const candidate of fused) {
    const documentId = documentOfChunk(candidate.chunkId);
    const chunks = byDocument.get(documentId);
    if (chunks) chunks.push(candidate);
    else byDocument.set(documentId, [candidate]);
  }
  const documents = [...byDocument.keys()];
  const pool = documents.slice(0, REFERENCE_POOL);
  const texts = new Map<string, string[]>(pool.map((documentId) => [documentId, []]));
  const chunkIds = pool.flatMap((documentId) => byDocument.get(documentId)!.map((candidate) => candidate.chunkId));
  for (const chunk of await index.getChunks(chunkIds)) texts.get(chunk.documentId)?.push(chunk.text);
  const order = boostReferenced(pool.map((id) => ({ id, references: referencesOf(texts.get(id)!.join('\n')) })), options);
  // Scores are rank-based: the i-th document takes the i-th score, so scores still fall down the list and the
  // first result keeps the top score the agent reads.
  const scores = pool.map((documentId) => byDocument.get(documentId)![0]!.score);
  const reordered = order.flatMap((documentId, i) =>
    byDocument.get(documentId)!.map((candidate, j) => ({ ...candidate, score: j === 0 ? scores[i]! : Math.min(candidate.score, scores[i]!) })),
  );
  return [...reordered, ...documents.slice(REFERENCE_POOL).flatMap((documentId) => byDocument.get(documentId)!)];
}

function toResult(candidate: FusedCandidate & { relevance?: number }, chunk: Chunk, terms: string[], snippetLength: number): SearchResult {
  const signals: NonNullable<SearchResult['signals']> = {};
  if (candidate.lexicalRank !== undefined) Object.assign(signals, { lexicalRank: candidate.lexicalRank, lexicalScore: candidate.lexicalScore });
  if (candidate.denseRank !== undefined) Object.assign(signals, { denseRank: candidate.denseRank, denseScore: candidate.denseScore });
  return {
    documentId: chunk.documentId,
    title: chunk.title,
    chunkId: chunk.id,
    score: candidate.score,
    ...(candidate.relevance !== undefined ? { relevance: Math.max(0, candidate.relevance) } : {}),
    snippet: makeSnippet(chunk.text, terms, snippetLength),
    location: chunk.location,
    signals,
  };
}
