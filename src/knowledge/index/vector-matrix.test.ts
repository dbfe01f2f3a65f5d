import { describe, expect, it } from 'vitest';
import { EmbeddingDimensionMismatchError, InvalidChunkError, VectorIndexFullError } from './errors.js';
import { createInt8Kernel } from './int8-kernel.js';
import { VectorMatrix } from './vector-matrix.js';
import { cosine, TopK } from './vector-math.js';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

function gaussianVector(next: () => number, dimension: number): Float32Array {
  const v = new Float32Array(dimension);
  for (let j = 0; j < dimension; j++) v[j] = Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return v;
}

function bruteForce(query: Float32Array, vectors: Map<string, Float32Array>, k: number): string[] {
  return [...vectors]
    .map(([id, v]) => ({ id, score: cosine(query, v) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map((entry) => entry.id);
}

describe('int8 kernel', () => {
  it('computes the same dot products in WebAssembly SIMD and in JavaScript', () => {
    const next = random(1);
    for (const dimension of [1, 15, 16, 17, 384]) {
      const simd = createInt8Kernel(37, dimension);
      const js = createInt8Kernel(37, dimension, { forceJs: true });
      expect(simd.simd).toBe(true); // Node 20+ always has WebAssembly SIMD
      expect(js.simd).toBe(false);
      for (let j = 0; j < dimension; j++) simd.query[j] = js.query[j] = Math.round((next() * 2 - 1) * 32_767);
      for (let i = 0; i < 37 * simd.stride; i++) {
        const inPadding = i % simd.stride >= dimension;
        simd.matrix[i] = js.matrix[i] = inPadding ? 0 : Math.round((next() * 2 - 1) * 127);
      }
      simd.scan(37);
      js.scan(37);
      expect([...simd.out]).toEqual([...js.out]);
    }
  });

  it('gives the same results when a worker thread scans half of a large matrix', async () => {
    const next = random(2);
    const rows = 50_000;
    const parallel = createInt8Kernel(rows, 32);
    const single = createInt8Kernel(rows, 32, { parallel: false });
    try {
      for (let i = 0; i < rows * parallel.stride; i++) parallel.matrix[i] = single.matrix[i] = Math.round((next() * 2 - 1) * 127);
      for (let round = 0; round < 30; round++) {
        for (let j = 0; j < 32; j++) parallel.query[j] = single.query[j] = Math.round((next() * 2 - 1) * 32_767);
        parallel.out.fill(0);
        parallel.scan(rows - round); // back to back, and with a partial last block
        single.scan(rows - round);
        let differences = 0;
        for (let i = 0; i < rows - round; i++) if (parallel.out[i] !== single.out[i]) differences++;
        expect(differences).toBe(0);
        // Let the worker start (it is created on first use) so later rounds really share the work.
        if (round === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(parallel.sharedScans).toBeGreaterThan(0);
    } finally {
      parallel.dispose();
    }
  });
});

describe('VectorMatrix', () => {
  const cases: [string, (next: () => number, i: number) => Float32Array][] = [
    ['isotropic', (next) => gaussianVector(next, 48)],
    // Everything in a narrow cone: all similarities high and close together, the hard case for the bounds.
    ['clustered', (next) => gaussianVector(next, 48).map((x, j) => x * 0.05 + (j === 0 ? 1 : 0))],
    // One dominant component: coarse int8 codes for the rest, so large residuals.
    ['spiky', (next, i) => gaussianVector(next, 48).map((x, j) => (j === i % 48 ? x + 40 : x))],
  ];
  for (const forceJsKernel of [false, true]) {
    for (const [name, make] of cases) {
      it(`returns exactly the brute-force neighbours (${name}, ${forceJsKernel ? 'JavaScript' : 'SIMD'})`, () => {
        const next = random(name.length + (forceJsKernel ? 100 : 0));
        const matrix = new VectorMatrix({ dimension: 48, initialCapacity: 4, forceJsKernel });
        const vectors = new Map<string, Float32Array>();
        for (let i = 0; i < 3000; i++) {
          const v = make(next, i);
          vectors.set(`c${i}`, v);
          matrix.set(`d${i % 50}`, `c${i}`, v);
        }
        for (let q = 0; q < 30; q++) {
          const query = q % 2 ? make(next, q) : gaussianVector(next, 48);
          for (const k of [1, 10, 100]) {
            const got = matrix.search(query, k);
            expect(got.map((c) => c.chunkId)).toEqual(bruteForce(query, vectors, k));
            expect(got[0]!.score).toBeCloseTo(cosine(query, vectors.get(got[0]!.chunkId)!), 6);
          }
        }
      });
    }
  }

  it('stays exact through replacements and deletions (rows move when one is removed)', () => {
    const next = random(9);
    const matrix = new VectorMatrix({ dimension: 16, initialCapacity: 2 });
    const vectors = new Map<string, Float32Array>();
    for (let i = 0; i < 500; i++) {
      const id = `c${Math.floor(next() * 300)}`;
      const roll = next();
      if (roll < 0.6) {
        const v = gaussianVector(next, 16);
        vectors.set(id, v);
        matrix.set(`d${id.length}`, id, v);
      } else if (roll < 0.9) {
        expect(matrix.delete(id)).toBe(vectors.delete(id));
      } else {
        const documentId = `d${Math.floor(next() * 3) + 2}`;
        const removed = matrix.deleteDocument(documentId);
        const ids = [...vectors.keys()].filter((key) => `d${key.length}` === documentId);
        for (const key of ids) vectors.delete(key);
        expect(removed).toBe(ids.length);
      }
      expect(matrix.size).toBe(vectors.size);
      if (i % 25 === 0 && vectors.size > 0) {
        const query = gaussianVector(next, 16);
        expect(matrix.search(query, 7).map((c) => c.chunkId)).toEqual(bruteForce(query, vectors, 7));
      }
    }
  });

  it('overlaps other work with a large scan and stays exact, even when that work throws', async () => {
    const next = random(11);
    const matrix = new VectorMatrix({ dimension: 24, initialCapacity: 20_000 });
    const vectors = new Map<string, Float32Array>();
    for (let i = 0; i < 20_000; i++) {
      const v = gaussianVector(next, 24);
      vectors.set(`c${i}`, v);
      matrix.set('d', `c${i}`, v);
    }
    try {
      matrix.search(gaussianVector(next, 24), 1); // starts the helper thread
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (let round = 0; round < 5; round++) {
        const query = gaussianVector(next, 24);
        let ran = 0;
        const got = matrix.search(query, 10, () => {
          ran++;
          expect(() => matrix.delete('c1')).toThrow(/while a search scans/);
        });
        expect(ran).toBe(1);
        expect(got.map((c) => c.chunkId)).toEqual(bruteForce(query, vectors, 10));
      }
      expect(() => matrix.search(gaussianVector(next, 24), 10, () => {
        throw new Error('lexical failed');
      })).toThrow('lexical failed');
      const query = gaussianVector(next, 24);
      expect(matrix.search(query, 10).map((c) => c.chunkId)).toEqual(bruteForce(query, vectors, 10));
      expect(matrix.size).toBe(20_000);
    } finally {
      matrix.dispose();
    }
  });

  it('validates vectors and bounds its size', () => {
    const matrix = new VectorMatrix({ dimension: 4, maxRows: 2 });
    expect(() => matrix.set('d', 'a', new Float32Array(3))).toThrow(EmbeddingDimensionMismatchError);
    expect(() => matrix.set('d', 'a', new Float32Array(4))).toThrow(InvalidChunkError);
    expect(() => matrix.set('d', 'a', new Float32Array([1, Number.NaN, 0, 0]))).toThrow(InvalidChunkError);
    matrix.set('d', 'a', new Float32Array([1, 0, 0, 0]));
    matrix.set('d', 'b', new Float32Array([0, 1, 0, 0]));
    matrix.set('d', 'b', new Float32Array([0, 0, 1, 0])); // replacing is not growing
    expect(() => matrix.set('d', 'c', new Float32Array([0, 0, 0, 1]))).toThrow(VectorIndexFullError);
    expect(() => matrix.search(new Float32Array(5), 1)).toThrow(EmbeddingDimensionMismatchError);
    expect(matrix.search(new Float32Array([0, 0, 2, 0]), 5)).toEqual([
      { chunkId: 'b', score: 1 },
      { chunkId: 'a', score: 0 },
    ]);
    expect(matrix.search(new Float32Array([1, 0, 0, 0]), 0)).toEqual([]);
  });
});

describe('TopK', () => {
  it('keeps the k best, ties by smaller id, whatever the order', () => {
    const next = random(3);
    const items = Array.from({ length: 1000 }, (_, id) => ({ id, score: Math.round(next() * 50) }));
    const top = new TopK(25);
    for (const item of items) top.push(item.id, item.score);
    expect(top.sorted()).toEqual([...items].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, 25));
    expect(new TopK(0).sorted()).toEqual([]);
  });
});
