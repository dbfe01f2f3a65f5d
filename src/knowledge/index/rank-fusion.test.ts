import { describe, expect, it } from 'vitest';
import { documentOfChunk, fuseByDocument } from './rank-fusion.js';

const list = (ids: string[], weight = 1, signal: 'lexical' | 'dense' = 'lexical', primary = false) => ({
  candidates: ids.map((chunkId, i) => ({ chunkId, score: 10 - i })),
  weight,
  signal,
  primary,
});

describe('fuseByDocument', () => {
  it('ranks documents by their best chunk in each list, then their chunks', () => {
    // d1 fills the top of the lexical list with three chunks, but as a document it holds rank 1 there and d2
    // rank 2: d1 = 1/61 + 1/63 (dense rank 3) < d2 = 1/62 + 1/61 (dense rank 1) > d3 = 1/62.
    const fused = fuseByDocument([list(['d1:0', 'd1:1', 'd1:2', 'd2:0'], 1, 'lexical', true), list(['d2:0', 'd3:0', 'd1:2'], 1, 'dense', true)], 60);
    // Within d1, d1:2 (1/63 + 1/63) beats d1:0 (1/61) and d1:1 (1/62).
    expect(fused.map((f) => f.chunkId)).toEqual(['d2:0', 'd1:2', 'd1:0', 'd1:1', 'd3:0']);
    expect(fused[1]!.score).toBe(1); // 61 * (1/61 + 1/63), capped
    expect(fused[3]!.score).toBeCloseTo(61 / 62, 12); // a document's further chunks carry their own chunk-level score
    expect(fused[4]!.score).toBeCloseTo(61 / 62, 12);
  });

  it('weights lists, scores relative to first place in the heaviest list, and reports the primary ranks', () => {
    const fused = fuseByDocument([list(['a:0', 'b:0'], 1, 'lexical', true), list(['b:0'], 1, 'dense', true), list(['c:0'], 4)], 5);
    expect(fused[0]).toMatchObject({ chunkId: 'c:0', documentId: 'c', score: 1 });
    expect(fused[0]!.lexicalRank).toBeUndefined(); // sub-query lists are not reported
    const b = fused.find((f) => f.chunkId === 'b:0')!;
    expect(b).toMatchObject({ lexicalRank: 2, lexicalScore: 9, denseRank: 1, denseScore: 10 });
    expect(b.score).toBeCloseTo((1 / 7 + 1 / 6) / (4 / 6), 12);
  });

  it('handles empty lists, repeated chunks and ids without a document part', () => {
    expect(fuseByDocument([list([]), list([])])).toEqual([]);
    const fused = fuseByDocument([list(['x', 'x', 'y'])]);
    expect(fused.map((f) => [f.chunkId, f.documentId])).toEqual([['x', 'x'], ['y', 'y']]);
    expect(documentOfChunk('doc:with:colons:7')).toBe('doc:with:colons');
    expect(() => fuseByDocument([list(['a:0'], 0)])).toThrow(RangeError);
    expect(() => fuseByDocument([list(['a:0'])], -1)).toThrow(RangeError);
  });
});
