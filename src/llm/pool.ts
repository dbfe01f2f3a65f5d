/**
 * A fixed set of resources (the local model's context sequences) lent out one per generation, with a bounded
 * FIFO of waiters: nothing in memory grows without limit, and a full queue answers "busy" at once instead of
 * letting requests pile up behind a CPU-bound model.
 */
import { ServiceUnavailableError } from '../errors.js';

interface Waiter<T> {
  resolve: (item: T) => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort: () => void;
}

export class BoundedPool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];

  constructor(
    items: readonly T[],
    private readonly maxWaiting: number,
    private readonly what: string,
  ) {
    this.free = [...items];
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with a free item; rejects when the queue is full or `signal` aborts while waiting. */
  acquire(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    if (this.waiters.length >= this.maxWaiting) {
      return Promise.reject(
        new ServiceUnavailableError(`${this.what} is busy (${this.maxWaiting} requests already waiting)`, {
          headers: { 'Retry-After': '5' },
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(item: T): void {
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.free.push(item);
      return;
    }
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(item);
  }
}
