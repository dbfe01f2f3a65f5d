/**
 * An exact in-process nearest-neighbour index: every vector of the knowledge base, unit-normalised, in one
 * contiguous Float32Array (row-major, grown by doubling) with a row -> chunk id map, plus an int8 copy that makes
 * the scan fast (see int8-kernel.ts).
 *
 * Search is exact, not approximate. Each row x is stored as s * x8 + e (per-row scale s, int8 codes x8, residual
 * e, whose norm is kept), and the query q as t * q16 + f. The integer scan gives t * s * (q16 . x8), and
 *   |q . x - t s (q16 . x8)| <= |t q16| |e| + |f| |s x8| + |f| |e|       (Cauchy-Schwarz, term by term)
 * so every row has a lower and an upper bound on its true cosine. Let tau be the limit-th best lower bound: a row
 * whose upper bound is below tau cannot be in the top `limit` (at least `limit` rows score >= tau). The rows left
 * (a few hundred of 100k for 384-d embeddings) are rescored in float32/float64 and the best `limit` returned -
 * the same set a brute-force scan returns.
 *
 * Memory, for N rows of dimension d: 4 N d bytes (float32) + N ceil16(d) bytes (int8) + ~150 bytes of ids and
 * bounds per row, and up to twice that right after a doubling. 100k x 384: 154 MB + 38 MB used (capacity 131,072:
 * 201 MB + 50 MB reserved). `maxRows` caps it: adding beyond throws VectorIndexFullError.
 */
import type { Candidate } from '../types.js';
import { EmbeddingDimensionMismatchError, InvalidChunkError, VectorIndexFullError } from './errors.js';
import { createInt8Kernel, type Int8Kernel } from './int8-kernel.js';
import { dot, normalized, TopK } from './vector-math.js';

/** One stored vector as the databases hand it back. */
export interface StoredVector {
  documentId: string;
  chunkId: string;
  vector: Float32Array;
}

export interface VectorMatrixOptions {
  dimension: number;
  /** Hard cap on rows (memory bound); default 1,000,000. */
  maxRows?: number;
  initialCapacity?: number;
  /** Use the JavaScript scan even where WebAssembly SIMD is available (tests of the fallback). */
  forceJsKernel?: boolean;
  /** Let a worker thread scan half of large matrices (default true; see scan-worker.ts). */
  parallel?: boolean;
}

/** Slack added to every bound so float64 rounding can never exclude a true neighbour. */
const EPSILON = 1e-7;

export class VectorMatrix {
  readonly dimension: number;
  readonly maxRows: number;
  private readonly kernelOptions: { forceJs: boolean; parallel: boolean };
  private capacity = 0;
  private rows = 0;
  private vectors = new Float32Array(0);
  private kernel!: Int8Kernel;
  private scales = new Float64Array(0);
  private residualNorms = new Float64Array(0);
  private codeNorms = new Float64Array(0);
  private upper = new Float64Array(0);
  private readonly chunkIds: string[] = [];
  private readonly documentIds: string[] = [];
  private readonly rowOf = new Map<string, number>();
  private readonly chunksOf = new Map<string, Set<string>>();
  /** Largest query code that keeps every integer dot product inside int32. */
  private readonly queryMax: number;
  /** Set while a scan runs, so that a `during` callback that changes the matrix fails loudly. */
  private scanning = false;
  /** Rows rescored exactly by the last search (how tight the bounds were). */
  lastRescored = 0;

  constructor(options: VectorMatrixOptions) {
    const { dimension } = options;
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16_384) {
      throw new RangeError(`dimension must be an integer in 1..16384, got ${dimension}`);
    }
    this.dimension = dimension;
    this.maxRows = options.maxRows ?? 1_000_000;
    if (!Number.isInteger(this.maxRows) || this.maxRows < 1) throw new RangeError(`maxRows must be a positive integer, got ${this.maxRows}`);
    this.kernelOptions = { forceJs: options.forceJsKernel ?? false, parallel: options.parallel ?? true };
    this.queryMax = Math.min(32_767, Math.floor(2_147_483_647 / (Math.ceil(dimension / 16) * 16 * 127)));
    this.grow(Math.min(this.maxRows, options.initialCapacity ?? 1024));
  }

  get size(): number {
    return this.rows;
  }

  /** Whether the int8 scan runs as WebAssembly SIMD (false: the JavaScript fallback). */
  get simd(): boolean {
    return this.kernel.simd;
  }

  /** Bytes held by the typed arrays (capacity, not rows), for logs and metrics. */
  get reservedBytes(): number {
    return this.vectors.byteLength + this.kernel.matrix.byteLength + this.kernel.out.byteLength + this.capacity * 8 * 4;
  }

  has(chunkId: string): boolean {
    return this.rowOf.has(chunkId);
  }

  /** Checks a vector without storing it: right length, finite, not all zeros. */
  validate(vector: Float32Array, chunkId = 'vector'): Float32Array {
    if (vector.length !== this.dimension) {
      throw new EmbeddingDimensionMismatchError(
        `${chunkId} has ${vector.length} dimensions but the knowledge index stores ${this.dimension}-dimension vectors`,
        { details: { expected: this.dimension, received: vector.length } },
      );
    }
    const unit = normalized(vector);
    if (!unit) throw new InvalidChunkError(`${chunkId}'s vector is all zeros or not finite, so it has no direction to compare`);
    return unit;
  }

  /** Inserts or replaces the vector of `chunkId`. */
  set(documentId: string, chunkId: string, vector: Float32Array): void {
    this.assertNotScanning();
    const unit = this.validate(vector, chunkId);
    let row = this.rowOf.get(chunkId);
    if (row === undefined) {
      if (this.rows >= this.maxRows) {
        throw new VectorIndexFullError(`the in-process vector index holds its maximum of ${this.maxRows} vectors`, {
          details: { maxRows: this.maxRows },
        });
      }
      if (this.rows === this.capacity) this.grow(Math.min(this.maxRows, this.capacity * 2));
      row = this.rows++;
      this.rowOf.set(chunkId, row);
    } else {
      this.unlinkDocument(this.documentIds[row]!, chunkId);
    }
    this.chunkIds[row] = chunkId;
    this.documentIds[row] = documentId;
    let chunks = this.chunksOf.get(documentId);
    if (!chunks) this.chunksOf.set(documentId, (chunks = new Set()));
    chunks.add(chunkId);
    this.vectors.set(unit, row * this.dimension);
    this.quantize(row, unit);
  }

  delete(chunkId: string): boolean {
    this.assertNotScanning();
    const row = this.rowOf.get(chunkId);
    if (row === undefined) return false;
    this.unlinkDocument(this.documentIds[row]!, chunkId);
    this.rowOf.delete(chunkId);
    const last = --this.rows;
    if (row !== last) this.moveRow(last, row);
    this.chunkIds.length = this.rows;
    this.documentIds.length = this.rows;
    return true;
  }

  /** Removes every vector of a document; returns how many went. */
  deleteDocument(documentId: string): number {
    const chunks = [...(this.chunksOf.get(documentId) ?? [])];
    for (const chunkId of chunks) this.delete(chunkId);
    return chunks.length;
  }

  /**
   * Makes the matrix hold exactly `rows` for each of `documentIds` (a document changed elsewhere: drop what it
   * had, load what it has now; an empty `rows` for a document means it was removed).
   */
  replaceDocuments(documentIds: Iterable<string>, rows: Iterable<StoredVector>): void {
    for (const documentId of documentIds) this.deleteDocument(documentId);
    for (const row of rows) this.set(row.documentId, row.chunkId, row.vector);
  }

  /** Releases the scan's helper thread; the matrix must not be used afterwards. */
  dispose(): void {
    this.kernel.dispose();
    this.clear();
  }

  clear(): void {
    this.rows = 0;
    this.chunkIds.length = 0;
    this.documentIds.length = 0;
    this.rowOf.clear();
    this.chunksOf.clear();
  }

  /**
   * The `limit` rows of highest cosine similarity to `query`, best first (exact; see the file comment).
   * `during` is other synchronous work to overlap with the scan (it runs while a helper thread scans, see
   * scan-worker.ts); it must not change the matrix.
   */
  search(query: Float32Array, limit: number, during?: () => void): Candidate[] {
    const q = this.validate(query, 'the query vector');
    const rows = this.rows;
    if (limit <= 0 || rows === 0) {
      during?.();
      return [];
    }
    const exact = new TopK(Math.min(limit, rows));
    if (rows <= limit) {
      during?.();
      for (let row = 0; row < rows; row++) exact.push(row, dot(q, this.vectors, row * this.dimension, this.dimension));
      this.lastRescored = rows;
      return this.toCandidates(exact);
    }

    const { queryScale, codeNorm, residualNorm } = this.quantizeQuery(q);
    this.scanning = true;
    try {
      this.kernel.scan(rows, during);
    } finally {
      this.scanning = false;
    }
    // Locals rather than fields: this loop runs once per row and V8 keeps them in registers.
    const { out } = this.kernel;
    const { scales, residualNorms, codeNorms, upper, vectors, dimension } = this;
    const lower = new TopK(limit);
    let threshold = -Infinity;
    for (let row = 0; row < rows; row++) {
      const approximate = queryScale * scales[row]! * out[row]!;
      const residual = residualNorms[row]!;
      const bound = codeNorm * residual + residualNorm * (codeNorms[row]! + residual) + EPSILON;
      upper[row] = approximate + bound;
      if (approximate - bound > threshold) {
        lower.push(row, approximate - bound);
        threshold = lower.threshold;
      }
    }
    let rescored = 0;
    for (let row = 0; row < rows; row++) {
      if (upper[row]! < threshold) continue;
      rescored++;
      exact.push(row, dot(q, vectors, row * dimension, dimension));
    }
    this.lastRescored = rescored;
    return this.toCandidates(exact);
  }

  /** Cosine similarity of `query` with each chunk's vector, in order; undefined for a chunk not held here. */
  similarities(query: Float32Array, chunkIds: string[]): (number | undefined)[] {
    const q = this.validate(query, 'the query vector');
    return chunkIds.map((chunkId) => {
      const row = this.rowOf.get(chunkId);
      return row === undefined ? undefined : dot(q, this.vectors, row * this.dimension, this.dimension);
    });
  }

  private assertNotScanning(): void {
    if (this.scanning) throw new Error('The vector matrix cannot change while a search scans it');
  }

  private toCandidates(top: TopK): Candidate[] {
    return top.sorted().map(({ id, score }) => ({ chunkId: this.chunkIds[id]!, score }));
  }

  /** Per-row int8 codes: scale so the largest component maps to 127; keep |s x8| and |x - s x8| for the bounds. */
  private quantize(row: number, unit: Float32Array): void {
    let max = 0;
    for (let j = 0; j < this.dimension; j++) max = Math.max(max, Math.abs(unit[j]!));
    const scale = max / 127;
    const codes = this.kernel.matrix;
    const offset = row * this.kernel.stride;
    let codeSquares = 0;
    let residualSquares = 0;
    for (let j = 0; j < this.dimension; j++) {
      const code = Math.round(unit[j]! / scale);
      codes[offset + j] = code;
      const reconstructed = code * scale;
      codeSquares += reconstructed * reconstructed;
      residualSquares += (unit[j]! - reconstructed) ** 2;
    }
    this.scales[row] = scale;
    this.codeNorms[row] = Math.sqrt(codeSquares);
    this.residualNorms[row] = Math.sqrt(residualSquares);
  }

  private quantizeQuery(q: Float32Array): { queryScale: number; codeNorm: number; residualNorm: number } {
    let max = 0;
    for (let j = 0; j < this.dimension; j++) max = Math.max(max, Math.abs(q[j]!));
    const queryScale = max / this.queryMax;
    let codeSquares = 0;
    let residualSquares = 0;
    for (let j = 0; j < this.dimension; j++) {
      const code = Math.round(q[j]! / queryScale);
      this.kernel.query[j] = code;
      codeSquares += (code * queryScale) ** 2;
      residualSquares += (q[j]! - code * queryScale) ** 2;
    }
    return { queryScale, codeNorm: Math.sqrt(codeSquares), residualNorm: Math.sqrt(residualSquares) };
  }

  private moveRow(from: number, to: number): void {
    const d = this.dimension;
    this.vectors.copyWithin(to * d, from * d, from * d + d);
    const stride = this.kernel.stride;
    this.kernel.matrix.copyWithin(to * stride, from * stride, from * stride + stride);
    this.scales[to] = this.scales[from]!;
    this.codeNorms[to] = this.codeNorms[from]!;
    this.residualNorms[to] = this.residualNorms[from]!;
    const chunkId = this.chunkIds[from]!;
    this.chunkIds[to] = chunkId;
    this.documentIds[to] = this.documentIds[from]!;
    this.rowOf.set(chunkId, to);
  }

  private unlinkDocument(documentId: string, chunkId: string): void {
    const chunks = this.chunksOf.get(documentId);
    chunks?.delete(chunkId);
    if (chunks?.size === 0) this.chunksOf.delete(documentId);
  }

  private grow(capacity: number): void {
    const vectors = new Float32Array(capacity * this.dimension);
    vectors.set(this.vectors.subarray(0, this.rows * this.dimension));
    const kernel = createInt8Kernel(capacity, this.dimension, this.kernelOptions);
    if (this.kernel) {
      kernel.matrix.set(this.kernel.matrix.subarray(0, this.rows * kernel.stride));
      this.kernel.dispose();
    }
    const copy = (from: Float64Array) => {
      const to = new Float64Array(capacity);
      to.set(from.subarray(0, this.rows));
      return to;
    };
    this.scales = copy(this.scales);
    this.codeNorms = copy(this.codeNorms);
    this.residualNorms = copy(this.residualNorms);
    this.upper = new Float64Array(capacity);
    this.vectors = vectors;
    this.kernel = kernel;
    this.capacity = capacity;
  }
}
