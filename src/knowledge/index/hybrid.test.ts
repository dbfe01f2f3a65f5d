import { describe, expect, it } from 'vitest';
import type { Chunk, KnowledgeIndex } from '../types.js';
import { fuse, hybridSearch } from './hybrid.js';

const lexical = [
  { chunkId: 'a', score: 12 },
  { chunkId: 'b', score: 6 },
  { chunkId: 'c', score: 3 },
];
const dense = [
  { chunkId: 'b', score: 0.8 },
  { chunkId: 'd', score: 0.7 },
  { chunkId: 'a', score: -0.1 },
];

describe('fuse', () => {
  it('reciprocal rank fusion, relative to first place in one signal, ordered by the raw sum', () => {
    const fused = fuse(lexical, dense);
    expect(fused.map((f) => f.chunkId)).toEqual(['b', 'a', 'd', 'c']);
    expect(fused[0]).toEqual({ chunkId: 'b', score: 1, lexicalRank: 2, lexicalScore: 6, denseRank: 1, denseScore: 0.8 });
    expect(fused[1]).toMatchObject({ chunkId: 'a', score: 1 }); // capped, but ranked below b (1/61 + 1/63 < 1/61 + 1/62)
    expect(fused.find((f) => f.chunkId === 'd')?.score).toBeCloseTo(61 / 62, 12);
    expect(fused.find((f) => f.chunkId === 'c')?.score).toBeCloseTo(61 / 63, 12);
    const deep = fuse(Array.from({ length: 30 }, (_, i) => ({ chunkId: `x${i}`, score: 30 - i })), []);
    expect(deep[26]!.score).toBeCloseTo(61 / 87, 12); // 27th: 0.70
    expect(fuse(lexical, [])[0]).toMatchObject({ chunkId: 'a', score: 1 });
    expect(fuse([], dense)[0]).toMatchObject({ chunkId: 'b', score: 1 });
    expect(fuse([], [])).toEqual([]);
  });

  it('convex combination of cosine and relative lexical score', () => {
    const fused = fuse(lexical, dense, { fusion: 'convex', alpha: 0.25 });
    const score = (id: string) => fused.find((f) => f.chunkId === id)!.score;
    expect(score('a')).toBeCloseTo(0.25 * 0 + 0.75 * 1, 12); // negative cosine counts as 0
    expect(score('b')).toBeCloseTo(0.25 * 0.8 + 0.75 * 0.5, 12);
    expect(score('d')).toBeCloseTo(0.25 * 0.7, 12);
    expect(fuse([], dense, { fusion: 'convex' })[0]).toMatchObject({ chunkId: 'b', score: 0.8 });
    expect(() => fuse(lexical, dense, { fusion: 'convex', alpha: 2 })).toThrow(RangeError);
  });
});

describe('hybridSearch with reference expansion', () => {
  // Twelve one-chunk documents, ranked d0..d11 by every query; d0 (the best) and d11 (the last) name the same tool.
  const chunks: Chunk[] = Array.from({ length: 12 }, (_, i) => ({
    id: `d${i}:0`,
    documentId: `d${i}`,
    ordinal: 0,
    title: `Doc ${i}`,
    text: i === 0 ? 'Close the account with close_account_tool_12.' : i === 11 ? 'Before closing, close_account_tool_12 needs the balance checked.' : `Filler ${i}.`,
    tokenCount: 5,
    location: {},
  }));
  const index = {
    kind: 'sqlite',
    lexicalSearch: async () => chunks.map((chunk, i) => ({ chunkId: chunk.id, score: 12 - i })),
    vectorSearch: async () => [],
    similarities: async (_vector: Float32Array, ids: string[]) => ids.map(() => undefined),
    getChunks: async (ids: string[]) => chunks.filter((chunk) => ids.includes(chunk.id)),
  } as unknown as KnowledgeIndex;
  const query = { text: 'close my account', k: 5, subQueries: [{ text: 'I want to close it' }] };

  it('lifts a low-ranked document that shares a tool name with the best ones', async () => {
    const plain = await hybridSearch(index, query, { rrfK: 5 });
    expect(plain.map((r) => r.documentId)).not.toContain('d11');
    const expanded = await hybridSearch(index, { ...query, referenceBoost: { seeds: 3, bonus: 0.05, rrfK: 5 } }, { rrfK: 5 });
    expect(expanded[0]!.documentId).toBe('d0');
    expect(expanded.map((r) => r.documentId)).toContain('d11');
    // Scores stay rank-based: they still fall down the list, the first one unchanged.
    expect(expanded.map((r) => r.score)).toEqual(plain.map((r) => r.score));
  });
});
