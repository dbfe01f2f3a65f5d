/**
 * Delivers hand-off notices in the background. A customer's turn must not wait on (or fail because of) a slow
 * webhook or mail server, so `dispatch` only queues; each notifier gets its own delivery, retried with exponential
 * backoff and jitter while the failure says retrying may help. Bounded: past `maxPending` deliveries a notice is
 * dropped with a warning. Logs carry ids, attempts and reasons, never the notice's content or a secret.
 */
import { isAppError } from '../../errors.js';
import type { Logger } from '../../telemetry/logger.js';
import type { NotificationError } from './errors.js';
import type { DispatcherStats, HandoffNotice, Notifier } from './types.js';

export interface DispatcherOptions {
  /** Attempts per delivery, the first included (1..20, default 5). */
  maxAttempts?: number;
  /** Wait before the first retry; doubles each time (default 1 000 ms). */
  baseDelayMs?: number;
  /** Longest wait between attempts from backoff (default 60 000 ms). */
  maxDelayMs?: number;
  /** Longest wait a receiver's Retry-After may ask for (default 300 000 ms): beyond it, wait this long. */
  maxRetryAfterMs?: number;
  /** Most deliveries in flight or waiting to retry (default 1 000). */
  maxPending?: number;
  logger: Logger;
  /** A source of randomness in [0, 1) for the jitter (tests make it fixed). */
  random?: () => number;
}

function intInRange(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

/** Resolves after `ms`, or early (false) when the signal aborts. The timer does not hold the process open. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class NotificationDispatcher {
  private readonly notifiers: readonly Notifier[];
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxPending: number;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly controller = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counts = { delivered: 0, failed: 0, retried: 0 };
  private accepting = true;
  private closed?: Promise<void>;

  constructor(notifiers: readonly Notifier[], options: DispatcherOptions) {
    this.notifiers = [...notifiers];
    this.maxAttempts = intInRange('maxAttempts', options.maxAttempts ?? 5, 1, 20);
    this.baseDelayMs = intInRange('baseDelayMs', options.baseDelayMs ?? 1000, 0);
    this.maxDelayMs = intInRange('maxDelayMs', options.maxDelayMs ?? 60_000, this.baseDelayMs);
    this.maxRetryAfterMs = intInRange('maxRetryAfterMs', options.maxRetryAfterMs ?? 300_000, 0);
    this.maxPending = intInRange('maxPending', options.maxPending ?? 1000, 1);
    this.logger = options.logger;
    this.random = options.random ?? Math.random;
  }

  /** The notifiers' names, for the startup log and GET /. */
  get channels(): string[] {
    return this.notifiers.map((n) => n.name);
  }

  /**
   * Queues `notice` for every notifier and returns at once; never throws. Bound to the instance, so it can be
   * handed over as a plain function (`notify: dispatcher.dispatch`).
   */
  readonly dispatch = (notice: HandoffNotice): void => {
    for (const notifier of this.notifiers) {
      const ids = { notifier: notifier.name, ticketId: notice.ticketId, deliveryId: notice.deliveryId };
      try {
        if (!this.accepting || this.inFlight.size >= this.maxPending) {
          this.counts.failed += 1;
          const why = this.accepting ? `more than ${this.maxPending} deliveries pending` : 'the dispatcher is shutting down';
          this.logger.warn({ ...ids, reason: why }, 'escalation notice dropped');
          continue;
        }
        // run() handles its own failures; the catch only keeps a throwing logger from becoming an unhandled rejection.
        const delivery: Promise<void> = this.run(notifier, notice)
          .catch(() => undefined)
          .finally(() => this.inFlight.delete(delivery));
        this.inFlight.add(delivery);
      } catch (error) {
        // Nothing above should throw (a logger might); the customer's turn must not pay for it either way.
        this.counts.failed += 1;
        this.logger.error({ ...ids, reason: (error as Error)?.message }, 'escalation notice not queued');
      }
    }
  };

  stats(): DispatcherStats {
    return { ...this.counts, pending: this.inFlight.size };
  }

  /**
   * Shutdown, step one: refuses new notices, waits up to `timeoutMs` for pending deliveries (retries included),
   * then cancels the rest through their AbortSignal and waits for them to stop.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.accepting = false;
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      });
      await Promise.race([this.allSettled(), deadline]);
      clearTimeout(timer);
    }
    this.controller.abort();
    await this.allSettled();
  }

  /** Drains without waiting (if drain was not called) and closes the notifiers' connections. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.drain(0);
      await Promise.all(this.notifiers.map((n) => n.close().catch(() => undefined)));
    })();
    return this.closed;
  }

  private async allSettled(): Promise<void> {
    // Deliveries never reject (run catches everything), and none start once accepting is false.
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private backoff(attempt: number, error: unknown): number {
    const retryAfter = (error as Partial<NotificationError>).retryAfterMs;
    if (typeof retryAfter === 'number') return Math.min(retryAfter, this.maxRetryAfterMs);
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    // "Equal jitter": at least half the backoff, so retries spread out without ever firing at once.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private async run(notifier: Notifier, notice: HandoffNotice): Promise<void> {
    const signal = this.controller.signal;
    const ids = { notifier: notifier.name, ticketId: notice.ticketId, deliveryId: notice.deliveryId };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await notifier.deliver(notice, signal);
        this.counts.delivered += 1;
        this.logger.info({ ...ids, attempt }, 'escalation notice delivered');
        return;
      } catch (error) {
        const retryable = isAppError(error) && error.retryable;
        const reason = error instanceof Error ? error.message : String(error);
        if (!retryable || attempt >= this.maxAttempts || signal.aborted) {
          this.counts.failed += 1;
          const why = signal.aborted ? 'cancelled at shutdown' : retryable ? 'attempts exhausted' : 'not retryable';
          this.logger.error({ ...ids, attempt, reason, outcome: why }, 'escalation notice not delivered');
          return;
        }
        const delayMs = this.backoff(attempt, error);
        this.counts.retried += 1;
        this.logger.warn({ ...ids, attempt, reason, retryInMs: delayMs }, 'escalation notice delivery failed; will retry');
        if (!(await pause(delayMs, signal))) {
          this.counts.failed += 1;
          this.logger.error({ ...ids, attempt, reason, outcome: 'cancelled at shutdown' }, 'escalation notice not delivered');
          return;
        }
      }
    }
  }
}
