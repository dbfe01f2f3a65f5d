import { describe, expect, it } from 'vitest';
import { fuse } from './hybrid.js';

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
