/**
 * Wakes this instance's lock waiters when another instance releases a lock they wait for. The release scripts
 * publish the session id on `<prefix>#lock-released` only when someone waits, and one dedicated subscriber
 * connection per store listens. Waiters also poll with a capped backoff, so a lost message, a crashed holder
 * (whose lease simply runs out) or a waiter that gave up never leaves anyone stuck.
 */
import type { Redis } from 'ioredis';
import { SessionBusyError } from '../../errors.js';

/** Longest pause between two attempts to take a lock while waiting (a release wakes waiters at once). */
const MAX_POLL_MS = 200;

/** The outcome of one attempt to take a lock: taken, or queued (`entry`) behind a holder. */
export type Attempt<T> = { taken: T } | { lockTtlMs: number; entry: string };

export class LockWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly onMessage = (channel: string, id: string) => {
    if (channel === this.channel) this.wake(id);
  };

  constructor(
    private readonly subscriber: Redis | undefined,
    private readonly channel: string,
    onError: (error: Error) => void,
  ) {
    if (!subscriber) return;
    subscriber.on('message', this.onMessage);
    // ioredis subscribes again by itself after a reconnection.
    subscriber.subscribe(channel).catch(onError);
  }

  /** Resolves after `ms`, or earlier when the lock of session `id` is released. */
  wait(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiting.get(id);
      if (!set) {
        set = new Set();
        this.waiting.set(id, set);
      }
      const waiters = set;
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiting.get(id) === waiters) this.waiting.delete(id);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      waiters.add(done);
    });
  }

  /**
   * Calls `attempt` until it takes the lock or `waitMs` has passed, sleeping in between until a release is
   * announced (or a capped backoff, or the holder's lease, runs out). Past the deadline, `giveUp` takes the
   * caller's entry out of the queue and SessionBusyError is thrown.
   */
  async takeTurn<T>(
    id: string,
    waitMs: number,
    attempt: (entry: string) => Promise<Attempt<T>>,
    giveUp: (entry: string) => Promise<unknown>,
  ): Promise<T> {
    const deadline = Date.now() + waitMs;
    let entry = '';
    for (let pause = 5; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      const outcome = await attempt(entry);
      if ('taken' in outcome) return outcome.taken;
      entry = outcome.entry;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        if (entry) await giveUp(entry).catch(() => undefined);
        throw new SessionBusyError(`session is busy (waited ${waitMs} ms for its lock)`, { details: { sessionId: id } });
      }
      await this.wait(id, Math.min(remaining, pause, outcome.lockTtlMs > 0 ? outcome.lockTtlMs : pause));
    }
  }

  wake(id: string): void {
    for (const done of [...(this.waiting.get(id) ?? [])]) done();
  }

  close(): void {
    this.subscriber?.off('message', this.onMessage);
    for (const id of [...this.waiting.keys()]) this.wake(id);
  }
}
