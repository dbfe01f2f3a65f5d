/**
 * One call's time limit and cancellation in one signal. The caller's abortSignal and AGENT_TIMEOUT both end the
 * call; which one did decides the error: the caller's -> GenerationAbortedError, the clock's ->
 * UpstreamTimeoutError. A stream re-arms the clock on every chunk (`restart`), so a reply that keeps flowing is
 * not cut off while a stalled one is.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { GenerationAbortedError, UpstreamTimeoutError, type AppError } from '../errors.js';

export class Deadline {
  readonly signal: AbortSignal;
  private readonly own = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expiresAt = 0;
  private timedOut = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
    private readonly what: string,
  ) {
    this.signal = caller ? AbortSignal.any([caller, this.own.signal]) : this.own.signal;
    this.restart();
  }

  /** Gives the call a fresh `timeoutMs` from now. */
  restart(): void {
    clearTimeout(this.timer);
    if (this.signal.aborted) return;
    this.expiresAt = Date.now() + this.timeoutMs;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.own.abort(this.timeoutError());
    }, this.timeoutMs);
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  /** Ends the call now (the consumer stopped reading): aborting the fetch closes its socket. */
  cancel(): void {
    clearTimeout(this.timer);
    if (!this.signal.aborted) this.own.abort(new GenerationAbortedError('the generation was cancelled'));
  }

  /** Stops the clock once the call has finished. */
  clear(): void {
    clearTimeout(this.timer);
  }

  /** The error for a call this deadline ended, or undefined while it is still running. */
  reason(): AppError | undefined {
    if (this.caller?.aborted) return new GenerationAbortedError('the generation was cancelled');
    if (this.timedOut) return this.timeoutError();
    return undefined;
  }

  /** Waits `ms`, or rejects as soon as the call is aborted or times out. */
  async sleep(ms: number): Promise<void> {
    await sleepTimer(ms, undefined, { signal: this.signal });
  }

  private timeoutError(): AppError {
    const seconds = Math.round(this.timeoutMs / 100) / 10;
    return new UpstreamTimeoutError(`${this.what} did not answer within ${seconds}s`, { details: { timeoutMs: this.timeoutMs } });
  }
}
