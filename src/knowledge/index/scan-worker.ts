/**
 * A second thread for the int8 scan. The quantized matrix lives in shared WebAssembly memory; a worker thread
 * instantiates the same SIMD module over it and sleeps in Atomics.wait until the main thread posts a scan. Both
 * threads then claim blocks of rows from a shared counter until none are left, so a scan takes about half as
 * long on two idle cores and never longer than scanning alone when the worker is slow to wake (a loaded
 * machine): the main thread does whatever blocks the worker has not claimed. The scan stays synchronous for
 * its caller - nothing else in the process can touch the matrix while it runs.
 *
 * Handshake (one Int32 state word): the main thread writes the parameters, resets the block counter and sets
 * PENDING; a worker that wakes moves PENDING -> RUNNING (compare-and-swap) before reading anything, and
 * RUNNING -> DONE when out of blocks. When the main thread runs out of blocks it tries PENDING -> IDLE: if that
 * works the worker never started and will not; otherwise it waits for DONE. A worker that does not finish in
 * time (it died) is abandoned and the main thread rescans everything itself.
 */
import { Worker } from 'node:worker_threads';

/** Int32 slots of the control block at offset 0 of the shared memory. */
export const CONTROL_BYTES = 64;
const STATE = 0;
const NEXT = 1;
const ROWS = 2;
const BLOCK = 3;
const STRIDE = 4;
const QUERY = 5;
const MATRIX = 6;
const OUT = 7;
const IDLE = 0;
const PENDING = 1;
const RUNNING = 2;
const DONE = 3;
const STOP = 4;

const BLOCK_ROWS = 4096;
/** How long the main thread waits for a running worker before giving up on it. */
const WORKER_TIMEOUT_MS = 2_000;

// Plain JavaScript, evaluated as the worker's source: it must not import project modules (they may be .ts).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory } = workerData;
const scan = new WebAssembly.Instance(module, { env: { memory } }).exports.scan;
const control = new Int32Array(memory.buffer, 0, 16);
for (;;) {
  const state = Atomics.load(control, ${STATE});
  if (state === ${STOP}) break;
  if (state !== ${PENDING}) { Atomics.wait(control, ${STATE}, state); continue; }
  if (Atomics.compareExchange(control, ${STATE}, ${PENDING}, ${RUNNING}) !== ${PENDING}) continue;
  const rows = control[${ROWS}], block = control[${BLOCK}], stride = control[${STRIDE}];
  const query = control[${QUERY}], matrix = control[${MATRIX}], out = control[${OUT}];
  for (;;) {
    const start = Atomics.add(control, ${NEXT}, 1) * block;
    if (start >= rows) break;
    scan(query, matrix + start * stride, out + start * 4, Math.min(block, rows - start), stride);
  }
  Atomics.store(control, ${STATE}, ${DONE});
  Atomics.notify(control, ${STATE});
}
`;

export type ScanFunction = (query: number, matrix: number, out: number, rows: number, stride: number) => void;

export interface ScanLayout {
  queryOffset: number;
  matrixOffset: number;
  outOffset: number;
  stride: number;
}

export class ScanHelper {
  private readonly control: Int32Array;
  private worker: Worker | undefined;
  private broken = false;
  /** Scans the worker took part in (for tests and diagnostics). */
  sharedScans = 0;

  constructor(
    private readonly module: object,
    private readonly memory: { buffer: ArrayBuffer | SharedArrayBuffer },
    private readonly layout: ScanLayout,
    private readonly scan: ScanFunction,
  ) {
    this.control = new Int32Array(memory.buffer, 0, CONTROL_BYTES / 4);
  }

  /**
   * Scans `rows` rows with the worker's help, running `during` on this thread while the worker starts on the
   * blocks (other work that overlaps the scan, e.g. the full-text query of a hybrid search); this thread then
   * takes whatever blocks are left. Falls back to a plain scan when the worker is unusable.
   */
  scanParallel(rows: number, during?: () => void): void {
    const { queryOffset, matrixOffset, outOffset, stride } = this.layout;
    if (this.broken || !this.ensureWorker()) {
      try {
        during?.();
      } finally {
        this.scan(queryOffset, matrixOffset, outOffset, rows, stride);
      }
      return;
    }
    const control = this.control;
    control[ROWS] = rows;
    control[BLOCK] = BLOCK_ROWS;
    control[STRIDE] = stride;
    control[QUERY] = queryOffset;
    control[MATRIX] = matrixOffset;
    control[OUT] = outOffset;
    Atomics.store(control, NEXT, 0);
    Atomics.store(control, STATE, PENDING);
    Atomics.notify(control, STATE, 1);
    try {
      during?.();
    } finally {
      this.finish(rows);
    }
  }

  private finish(rows: number): void {
    const { queryOffset, matrixOffset, outOffset, stride } = this.layout;
    const control = this.control;
    for (;;) {
      const start = Atomics.add(control, NEXT, 1) * BLOCK_ROWS;
      if (start >= rows) break;
      this.scan(queryOffset, matrixOffset + start * stride, outOffset + start * 4, Math.min(BLOCK_ROWS, rows - start), stride);
    }
    if (Atomics.compareExchange(control, STATE, PENDING, IDLE) === PENDING) return; // the worker never started
    this.sharedScans++;
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    while (Atomics.load(control, STATE) === RUNNING) {
      if (Date.now() > deadline) {
        // Whatever block it held may be half written: stop using it and scan everything here.
        this.broken = true;
        this.stop();
        this.scan(queryOffset, matrixOffset, outOffset, rows, stride);
        return;
      }
      Atomics.wait(control, STATE, RUNNING, 50);
    }
    Atomics.store(control, STATE, IDLE);
  }

  stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    Atomics.store(this.control, STATE, STOP);
    Atomics.notify(this.control, STATE);
    void worker.terminate().catch(() => undefined);
  }

  /** Starts the worker on first use (small indexes never need one). */
  private ensureWorker(): boolean {
    if (this.worker) return true;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.module, memory: this.memory } });
      worker.unref(); // an idle scan thread must never keep the process alive
      worker.on('error', () => {
        this.broken = true;
      });
      this.worker = worker;
      return true;
    } catch {
      this.broken = true;
      return false;
    }
  }
}
