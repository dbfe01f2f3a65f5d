/**
 * An in-process lock per key with the semantics of the Redis lock: a random token per holder, a lease that
 * expires unless extended, and waiters served in arrival order, each giving up after its own wait.
 */
import { randomBytes } from 'node:crypto';
import { SessionBusyError } from '../../errors.js';

interface Waiter {
  leaseMs: number;
  grant: (token: string) => void;
  timer: NodeJS.Timeout;
}

interface KeyState {
  holder?: { token: string; timer: NodeJS.Timeout };
  queue: Waiter[];
}

export class KeyedMutex {
  private readonly states = new Map<string, KeyState>();

  /** `maxWaiters` bounds the queue of each key: past it, acquire fails at once with SessionBusyError. */
  constructor(private readonly maxWaiters = 10_000) {}

  acquire(key: string, waitMs: number, leaseMs: number): Promise<string> {
    const state = this.stateOf(key);
    if (!state.holder && state.queue.length === 0) return Promise.resolve(this.hold(key, state, leaseMs));
    if (state.queue.length >= this.maxWaiters) return Promise.reject(busy(key, 'too many waiters'));
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = {
        leaseMs,
        grant: resolve,
        timer: setTimeout(() => {
          const index = state.queue.indexOf(waiter);
          if (index >= 0) state.queue.splice(index, 1);
          this.forgetIfIdle(key, state);
          reject(busy(key, `waited ${waitMs} ms`));
        }, waitMs),
      };
      state.queue.push(waiter);
    });
  }

  /** Releases the lock if `token` holds it; the next waiter (if any) gets it. */
  release(key: string, token: string): boolean {
    const state = this.states.get(key);
    if (!state?.holder || state.holder.token !== token) return false;
    clearTimeout(state.holder.timer);
    this.handOver(key, state);
    return true;
  }

  extend(key: string, token: string, leaseMs: number): boolean {
    const holder = this.states.get(key)?.holder;
    if (!holder || holder.token !== token) return false;
    clearTimeout(holder.timer);
    holder.timer = this.leaseTimer(key, token, leaseMs);
    return true;
  }

  isHeld(key: string): boolean {
    return this.states.get(key)?.holder !== undefined;
  }

  /** Drops every lock and fails every waiter (store closing). */
  clear(): void {
    for (const [key, state] of this.states) {
      if (state.holder) clearTimeout(state.holder.timer);
      for (const waiter of state.queue) clearTimeout(waiter.timer);
      this.states.delete(key);
    }
  }

  private stateOf(key: string): KeyState {
    let state = this.states.get(key);
    if (!state) {
      state = { queue: [] };
      this.states.set(key, state);
    }
    return state;
  }

  private hold(key: string, state: KeyState, leaseMs: number): string {
    const token = randomBytes(16).toString('hex');
    state.holder = { token, timer: this.leaseTimer(key, token, leaseMs) };
    return token;
  }

  private leaseTimer(key: string, token: string, leaseMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const state = this.states.get(key);
      if (state?.holder?.token === token) this.handOver(key, state);
    }, leaseMs);
    timer.unref();
    return timer;
  }

  private handOver(key: string, state: KeyState): void {
    state.holder = undefined;
    const next = state.queue.shift();
    if (!next) return this.forgetIfIdle(key, state);
    clearTimeout(next.timer);
    next.grant(this.hold(key, state, next.leaseMs));
  }

  private forgetIfIdle(key: string, state: KeyState): void {
    if (!state.holder && state.queue.length === 0) this.states.delete(key);
  }
}

function busy(key: string, why: string): SessionBusyError {
  return new SessionBusyError(`session is busy (${why})`, { details: { sessionId: key } });
}
