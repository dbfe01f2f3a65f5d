/**
 * Small, allocation-free vector helpers shared by every in-process vector search (the PostgreSQL index, the
 * SQLite index's in-memory mode, the tests' and benchmark's brute-force baselines). Sums accumulate in float64
 * so a "brute force" computed here and the index's exact rescoring agree to the last bit.
 */

/** Dot product of `a` and the `dimension` values of `b` starting at `bOffset` (a row of a packed matrix). */
export function dot(a: Float32Array, b: Float32Array, bOffset = 0, dimension = a.length): number {
  // Four accumulators let V8 pipeline the multiply-adds; the result is the same sum in a fixed order.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dimension; j += 4) {
    s0 += a[j]! * b[bOffset + j]!;
    s1 += a[j + 1]! * b[bOffset + j + 1]!;
    s2 += a[j + 2]! * b[bOffset + j + 2]!;
    s3 += a[j + 3]! * b[bOffset + j + 3]!;
  }
  for (; j < dimension; j++) s0 += a[j]! * b[bOffset + j]!;
  return s0 + s1 + s2 + s3;
}

export function norm(v: Float32Array): number {
  return Math.sqrt(dot(v, v));
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros (it has no direction). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`cosine of vectors of different lengths (${a.length} and ${b.length})`);
  const denominator = norm(a) * norm(b);
  return denominator === 0 ? 0 : dot(a, b) / denominator;
}

/** A unit-length copy of `v`; undefined when `v` is zero or not finite (no direction to keep). */
export function normalized(v: Float32Array): Float32Array | undefined {
  const length = norm(v);
  if (!(length > 0) || !Number.isFinite(length)) return undefined;
  const out = new Float32Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = v[j]! / length;
  return out;
}

/** Float32 little-endian bytes, the layout sqlite-vec and the PostgreSQL bytea column both store. */
export function vectorToBytes(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** The inverse of vectorToBytes; copies, because a driver's Buffer may not be 4-byte aligned. */
export function bytesToVector(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`a float32 vector needs a multiple of 4 bytes, got ${bytes.byteLength}`);
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * Keeps the `k` best (highest score) of a stream of (id, score) pairs in a binary min-heap: O(n log k) with a
 * constant-time rejection for the usual case of a score below the current k-th best. Ties keep the smaller id,
 * so results are deterministic whatever the input order.
 */
export class TopK {
  private readonly ids: Int32Array;
  private readonly scores: Float64Array;
  private count = 0;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
    this.ids = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  get size(): number {
    return this.count;
  }

  /** The k-th best score so far, or -Infinity until k items have been seen. */
  get threshold(): number {
    return this.count < this.k ? -Infinity : this.scores[0]!;
  }

  push(id: number, score: number): void {
    if (this.k === 0) return;
    if (this.count < this.k) {
      this.ids[this.count] = id;
      this.scores[this.count] = score;
      this.up(this.count++);
    } else if (this.worse(this.ids[0]!, this.scores[0]!, id, score)) {
      this.ids[0] = id;
      this.scores[0] = score;
      this.down(0);
    }
  }

  /** Best first. */
  sorted(): { id: number; score: number }[] {
    const out: { id: number; score: number }[] = [];
    for (let i = 0; i < this.count; i++) out.push({ id: this.ids[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.id - b.id);
  }

  /** Whether (idA, a) ranks below (idB, b). */
  private worse(idA: number, a: number, idB: number, b: number): boolean {
    return a < b || (a === b && idA > idB);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(this.ids[i]!, this.scores[i]!, this.ids[parent]!, this.scores[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.count && this.worse(this.ids[left]!, this.scores[left]!, this.ids[smallest]!, this.scores[smallest]!)) smallest = left;
      if (right < this.count && this.worse(this.ids[right]!, this.scores[right]!, this.ids[smallest]!, this.scores[smallest]!)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const id = this.ids[a]!;
    const score = this.scores[a]!;
    this.ids[a] = this.ids[b]!;
    this.scores[a] = this.scores[b]!;
    this.ids[b] = id;
    this.scores[b] = score;
  }
}

/** The k best rows of a brute-force scan of `rows` packed vectors against `query` (baselines and tests). */
export function bruteForceTopK(query: Float32Array, matrix: Float32Array, rows: number, k: number): { id: number; score: number }[] {
  const top = new TopK(k);
  const dimension = query.length;
  for (let row = 0; row < rows; row++) top.push(row, dot(query, matrix, row * dimension, dimension));
  return top.sorted();
}
