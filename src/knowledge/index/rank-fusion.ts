/**
 * Weighted reciprocal rank fusion of any number of candidate lists, ranking documents rather than chunks.
 *
 * Why documents: what a support answer cites is an article, and an article cut into several chunks would
 * otherwise fill the top of the list with its own sections and push every other article out. Each list is first
 * reduced to documents in the order of their best chunk; a document's raw score is the sum over lists of
 * weight / (rrfK + its rank there). Within a document, chunks are ordered by the same sum over chunk ranks, so a
 * result shows the document's best-matching passage first.
 *
 * Why many lists: a long message (a role-play brief, an email) states several needs; searching each need
 * sentence as its own sub-query and fusing the lists lets every need put its best documents near the top, where a
 * single query would let the dominant theme take every slot. Weights let the whole message count more than any
 * one sentence, and stronger need sentences more than weaker ones.
 *
 * Chunk ids follow the `${documentId}:${ordinal}` convention of Chunk.id (an id without ':' is its own document).
 */
import type { Candidate } from '../types.js';
import type { FusedCandidate } from './hybrid.js';

export interface RankedList {
  candidates: Candidate[];
  /** > 0; RRF contributions are multiplied by it. */
  weight: number;
  signal: 'lexical' | 'dense';
  /** Lists of the main query: their ranks and scores are reported in a result's `signals`. */
  primary?: boolean;
}

export interface FusedChunk extends FusedCandidate {
  documentId: string;
}

export function documentOfChunk(chunkId: string): string {
  const colon = chunkId.lastIndexOf(':');
  return colon < 0 ? chunkId : chunkId.slice(0, colon);
}

const byRawThenId = <T extends { raw: number; id: string }>(a: T, b: T) => b.raw - a.raw || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Documents best first, each followed by its chunks best first. `score` is 0..1 relative to first place in the
 * heaviest list (as in fuse()): the document's score on its best chunk, the chunk's own on the others.
 */
export function fuseByDocument(lists: RankedList[], rrfK = 60): FusedChunk[] {
  if (!(rrfK >= 0)) throw new RangeError(`rrfK must be >= 0, got ${rrfK}`);
  const answered = lists.filter((list) => list.candidates.length > 0);
  if (answered.length === 0) return [];
  for (const list of answered) if (!(list.weight > 0)) throw new RangeError(`list weights must be > 0, got ${list.weight}`);
  const firstPlace = Math.max(...answered.map((list) => list.weight)) / (rrfK + 1);

  const documents = new Map<string, { id: string; raw: number; chunks: Map<string, FusedChunk & { raw: number; id: string }> }>();
  for (const list of answered) {
    const seenDocuments = new Set<string>();
    const seenChunks = new Set<string>();
    list.candidates.forEach((candidate, i) => {
      // A list may repeat a chunk; its best rank counts.
      if (seenChunks.has(candidate.chunkId)) return;
      seenChunks.add(candidate.chunkId);
      const documentId = documentOfChunk(candidate.chunkId);
      let document = documents.get(documentId);
      if (!document) documents.set(documentId, (document = { id: documentId, raw: 0, chunks: new Map() }));
      if (!seenDocuments.has(documentId)) {
        seenDocuments.add(documentId);
        document.raw += list.weight / (rrfK + seenDocuments.size);
      }
      let chunk = document.chunks.get(candidate.chunkId);
      if (!chunk) document.chunks.set(candidate.chunkId, (chunk = { id: candidate.chunkId, chunkId: candidate.chunkId, documentId, score: 0, raw: 0 }));
      chunk.raw += list.weight / (rrfK + i + 1);
      if (list.primary) {
        const rank = i + 1;
        if (list.signal === 'lexical' && chunk.lexicalRank === undefined) Object.assign(chunk, { lexicalRank: rank, lexicalScore: candidate.score });
        if (list.signal === 'dense' && chunk.denseRank === undefined) Object.assign(chunk, { denseRank: rank, denseScore: candidate.score });
      }
    });
  }

  const clamp = (raw: number) => Math.min(1, Math.max(0, raw / firstPlace));
  return [...documents.values()].sort(byRawThenId).flatMap((document) =>
    [...document.chunks.values()].sort(byRawThenId).map(({ raw, id: _id, ...chunk }, i) => ({ ...chunk, score: clamp(i === 0 ? document.raw : raw) })),
  );
}
