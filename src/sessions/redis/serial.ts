/**
 * Runs tasks with the same key one after another within this process. The Redis store queues its
 * compare-and-set writes per session through it, so writers in one instance never conflict with each other
 * (only with other instances), instead of retrying against each other in O(n^2) round trips.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    // With nothing queued the task starts at once; otherwise when the previous one settles, either way.
    const result = previous ? previous.then(task, task) : task();
    const settled: Promise<void> = result.then(
      () => this.settle(key, settled),
      () => this.settle(key, settled),
    );
    this.tails.set(key, settled);
    return result;
  }

  private settle(key: string, tail: Promise<void>): void {
    if (this.tails.get(key) === tail) this.tails.delete(key);
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
