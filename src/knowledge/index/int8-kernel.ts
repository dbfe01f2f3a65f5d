/**
 * The one hot loop of in-process vector search: integer dot products of an int16 query against every int8 row
 * of a quantized matrix. Plain JavaScript manages ~3 ns per multiply-add here (100k x 384 in ~100 ms), and even
 * AVX2 C needs 12-25 ms to stream the float32 matrix (150 MB) on this class of machine, so the scan runs on an
 * int8 copy (a quarter of the bytes) with WebAssembly SIMD: 4-6 ms for 100k x 384 on one core of this machine.
 *
 * The module is assembled below from its instructions rather than shipped as an opaque blob; its function is
 *   scan(query: i16*, matrix: i8*, out: i32*, rows: i32, stride: i32)
 *   for each row: out[row] = sum_j query[j] * matrix[row * stride + j]      (stride: a multiple of 16)
 * using v128.load8x8_s (8 int8 -> 8 int16) and i32x4.dot_i16x8_s, two accumulators per row.
 * The memory is shared so that a second thread can scan half the rows (scan-worker.ts). When WebAssembly SIMD is
 * unavailable the same contract is met by a JavaScript loop on the main thread (slower, same results).
 */
import { CONTROL_BYTES, ScanHelper, type ScanFunction } from './scan-worker.js';

const uleb = (value: number): number[] => {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
};
const name = (text: string) => [...uleb(text.length), ...Buffer.from(text, 'utf8')];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const V128 = 0x7b;
const get = (local: number) => [0x20, local];
const set = (local: number) => [0x21, local];
const tee = (local: number) => [0x22, local];
const i32const = (value: number) => [0x41, ...uleb(value)]; // small non-negative values only (< 64)
const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
const memarg = (alignLog2: number, offset: number) => [alignLog2, ...uleb(offset)];
const OP = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  i32add: [0x6a],
  i32shl: [0x74],
  i32ltU: [0x49],
  i32geU: [0x4f],
  i32store: [0x36, ...memarg(2, 0)],
  v128zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  loadQuery: (offset: number) => simd(0x00, ...memarg(0, offset)), // v128.load
  loadRow8x8: (offset: number) => simd(0x01, ...memarg(0, offset)), // v128.load8x8_s
  dot: simd(0xba), // i32x4.dot_i16x8_s
  add: simd(0xae), // i32x4.add
  lane: (index: number) => simd(0x1b, index), // i32x4.extract_lane
};

// Locals: params 0 query, 1 matrix (row pointer p), 2 out, 3 rows, 4 stride; 5 outEnd, 6 q pointer, 7 rowEnd,
// 8 acc (v128), 9 acc2 (v128).
const accumulate = (acc: number, rowOffset: number, queryOffset: number) => [
  ...get(acc), ...get(1), ...OP.loadRow8x8(rowOffset), ...get(6), ...OP.loadQuery(queryOffset), ...OP.dot, ...OP.add, ...set(acc),
];
const body = [
  ...[2, 3, I32, 2, V128], // local declarations: 3 x i32, 2 x v128
  ...get(2), ...get(3), ...i32const(2), ...OP.i32shl, ...OP.i32add, ...set(5), // outEnd = out + rows * 4
  ...OP.block,
  ...OP.loop,
  ...get(2), ...get(5), ...OP.i32geU, ...OP.brIf(1), // every row done
  ...OP.v128zero, ...set(8), ...OP.v128zero, ...set(9),
  ...get(0), ...set(6),
  ...get(1), ...get(4), ...OP.i32add, ...set(7), // rowEnd = p + stride
  ...OP.loop, // 16 int8 of the row per iteration
  ...accumulate(8, 0, 0),
  ...accumulate(9, 8, 16),
  ...get(6), ...i32const(32), ...OP.i32add, ...set(6),
  ...get(1), ...i32const(16), ...OP.i32add, ...tee(1),
  ...get(7), ...OP.i32ltU, ...OP.brIf(0),
  ...OP.end,
  ...get(2), // address for the store below
  ...get(8), ...get(9), ...OP.add, ...tee(8),
  ...OP.lane(0), ...get(8), ...OP.lane(1), ...OP.i32add, ...get(8), ...OP.lane(2), ...OP.i32add, ...get(8), ...OP.lane(3), ...OP.i32add,
  ...OP.i32store,
  ...get(2), ...i32const(4), ...OP.i32add, ...set(2),
  ...OP.br(0),
  ...OP.end,
  ...OP.end,
  ...OP.end,
];
const MODULE_BYTES = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // (i32 x5) -> ()
  ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, 0x01, ...uleb(65_536)]), // shared memory, 1..65536 pages
  ...section(3, [1, 0]),
  ...section(7, [1, ...name('scan'), 0x00, 0x00]),
  ...section(10, [1, ...uleb(body.length), ...body]),
]);

/** The part of the WebAssembly global used here (the project's TypeScript libs declare no DOM/WebAssembly values). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;
function simdModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasm?.validate(MODULE_BYTES) ? new wasm.Module(MODULE_BYTES) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export interface Int8Kernel {
  /** Whether the WebAssembly SIMD loop runs (false: the JavaScript fallback). */
  readonly simd: boolean;
  readonly capacity: number;
  /** Bytes per row: the dimension rounded up to a multiple of 16, zero-padded. */
  readonly stride: number;
  /** The quantized rows, `capacity * stride` bytes. */
  readonly matrix: Int8Array;
  /** The quantized query, `stride` values (padding stays zero). */
  readonly query: Int16Array;
  /** `scan(rows)` writes one dot product per row here. */
  readonly out: Int32Array;
  /**
   * Computes the first `rows` dot products. `during` runs on this thread while a helper thread (if any) scans;
   * it must not touch the kernel's buffers.
   */
  scan(rows: number, during?: () => void): void;
  /** Stops the helper thread, if one was started. */
  dispose(): void;
  /** How many scans a helper thread took part in. */
  readonly sharedScans: number;
}

export interface Int8KernelOptions {
  /** Use the JavaScript loop even where WebAssembly SIMD is available (tests of the fallback). */
  forceJs?: boolean;
  /** Let a worker thread scan half of large matrices (default true). */
  parallel?: boolean;
}

/** Below this many rows a scan takes well under a millisecond: not worth waking a second thread. */
const PARALLEL_MIN_ROWS = 16_384;
/** Stops the helper threads of kernels dropped without dispose() (e.g. a matrix replaced by a full reload). */
const helpers = new FinalizationRegistry<ScanHelper>((helper) => helper.stop());

export function strideFor(dimension: number): number {
  return Math.ceil(dimension / 16) * 16;
}

const PAGE = 65_536;

/** Buffers for `capacity` rows of `dimension` values. */
export function createInt8Kernel(capacity: number, dimension: number, options: Int8KernelOptions = {}): Int8Kernel {
  const stride = strideFor(dimension);
  const module = options.forceJs ? null : simdModule();
  if (!module) return jsKernel(capacity, stride);
  // Layout: control block (for the helper thread) | query (int16) | dot products (int32) | matrix (int8)
  const queryOffset = CONTROL_BYTES;
  const outOffset = queryOffset + stride * 2;
  const matrixOffset = outOffset + Math.ceil((capacity * 4) / 16) * 16;
  const pages = Math.max(1, Math.ceil((matrixOffset + capacity * stride) / PAGE));
  const memory = new wasm!.Memory({ initial: pages, maximum: pages, shared: true });
  const instance = new wasm!.Instance(module, { env: { memory } });
  const scan = instance.exports.scan as ScanFunction;
  const helper = options.parallel === false ? undefined : new ScanHelper(module, memory, { queryOffset, matrixOffset, outOffset, stride }, scan);
  const kernel: Int8Kernel = {
    simd: true,
    capacity,
    stride,
    query: new Int16Array(memory.buffer, queryOffset, stride),
    out: new Int32Array(memory.buffer, outOffset, capacity),
    matrix: new Int8Array(memory.buffer, matrixOffset, capacity * stride),
    scan(rows, during) {
      if (rows > capacity) throw new RangeError(`scan of ${rows} rows over a capacity of ${capacity}`);
      if (helper && rows >= PARALLEL_MIN_ROWS) return helper.scanParallel(rows, during);
      during?.();
      if (rows > 0) scan(queryOffset, matrixOffset, outOffset, rows, stride);
    },
    dispose() {
      helper?.stop();
      if (helper) helpers.unregister(helper);
    },
    get sharedScans() {
      return helper?.sharedScans ?? 0;
    },
  };
  if (helper) helpers.register(kernel, helper, helper);
  return kernel;
}

function jsKernel(capacity: number, stride: number): Int8Kernel {
  const query = new Int16Array(stride);
  const out = new Int32Array(capacity);
  const matrix = new Int8Array(capacity * stride);
  return {
    simd: false,
    capacity,
    stride,
    query,
    out,
    matrix,
    scan(rows, during) {
      if (rows > capacity) throw new RangeError(`scan of ${rows} rows over a capacity of ${capacity}`);
      during?.();
      for (let row = 0, offset = 0; row < rows; row++, offset += stride) {
        let sum = 0;
        for (let j = 0; j < stride; j++) sum += query[j]! * matrix[offset + j]!;
        out[row] = sum;
      }
    },
    dispose() {},
    sharedScans: 0,
  };
}
