/**
 * How well the knowledge base supports an answer. Retrieval fuses ranks, and a rank says nothing about whether
 * anything relevant was found (the best of ten poor matches still ranks first), so "is this relevant" reads the
 * absolute signal: the cosine similarity of query and passage (`relevance`) when embeddings exist. Without an
 * embedding model there is only the rank-based score, so the best keyword match always counts as relevant.
 */
import type { KnowledgeSearch, Source } from './types.js';

export type RetrievedPassage = Awaited<ReturnType<KnowledgeSearch['search']>>[number];

export function relevanceOf(passage: RetrievedPassage): number {
  return passage.relevance ?? passage.score;
}

/** The passages at or above the threshold, best first, as plain sources (their score is the relevance). */
export function relevantPassages(found: readonly RetrievedPassage[], threshold: number): Source[] {
  return found
    .map((passage) => ({ passage, relevance: relevanceOf(passage) }))
    .filter(({ relevance }) => relevance >= threshold)
    .sort((a, b) => b.relevance - a.relevance)
    .map(({ passage, relevance }) => ({
      documentId: passage.documentId,
      title: passage.title,
      chunkId: passage.chunkId,
      score: Math.round(relevance * 1000) / 1000,
      snippet: passage.snippet,
    }));
}

/**
 * Confidence in an answer from the relevance of what it cites: 0.5 at the threshold (barely relevant), rising to
 * 1 at `strong` (threshold + 0.3 by default). An answer that cites nothing relevant has confidence 0.
 */
export function answerConfidence(cited: readonly Source[], threshold: number, strong = Math.min(1, threshold + 0.3)): number {
  if (cited.length === 0) return 0;
  const best = Math.max(...cited.map((source) => source.score));
  const span = Math.max(1e-6, strong - threshold);
  const value = 0.5 + 0.5 * Math.min(1, Math.max(0, (best - threshold) / span));
  return Math.round(value * 1000) / 1000;
}
