/**
 * The error a Notifier throws. One class with a per-instance `retryable` (unlike the fixed catalogue in
 * src/errors.ts) because the same channel fails both ways: a 503 may pass later, a 404 never will.
 */
import { AppError, type AppErrorOptions } from '../../errors.js';

export interface NotificationErrorOptions extends AppErrorOptions {
  retryable: boolean;
  /** How long the receiver asked us to wait (a webhook's Retry-After), in milliseconds. */
  retryAfterMs?: number;
}

export class NotificationError extends AppError {
  readonly code = 'NOTIFICATION_FAILED';
  readonly statusCode = 502;
  override readonly retryable: boolean;
  readonly retryAfterMs?: number;

  /** `message` is logged: it names the channel, the host and the status, never a secret, URL path or content. */
  constructor(
    readonly notifier: string,
    message: string,
    options: NotificationErrorOptions,
  ) {
    super(message, options);
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Thrown when the caller's signal aborted the delivery (shutdown); it was not delivered, so it may be retried. */
export function cancelled(notifier: string): NotificationError {
  return new NotificationError(notifier, `${notifier} delivery cancelled`, { retryable: true });
}
