/**
 * POST with retries for the HTTP providers: retries only what may succeed later (429, 408, 409, 5xx, network
 * failures) with exponential backoff and jitter, honours Retry-After, and never outlives the call's Deadline.
 * Every message that leaves this module has the API key scrubbed out: upstreams echo keys back ("Incorrect API
 * key provided: sk-...").
 */
import type { Logger } from 'pino';
import { UpstreamError, UpstreamPermanentError, isAppError, type AppError } from '../errors.js';
import type { Deadline } from './deadline.js';

export interface BackoffOptions {
  /** First retry waits about this long; each next one twice as long. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpTarget {
  /** For messages and logs: 'openai', 'azure'. */
  provider: string;
  url: string;
  headers: Record<string, string>;
  maxRetries: number;
  backoff: BackoffOptions;
  /** Removes secrets from any text that may reach an error message or a log line. */
  redact: (text: string) => string;
  logger?: Logger;
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status) || status >= 500;
}

/** Retry-After as seconds or an HTTP date, or OpenAI's retry-after-ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Full-jitter-ish backoff: half fixed, half random, so many clients retrying at once spread out. */
export function backoffDelay(attempt: number, options: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Builds a scrubber that replaces each secret (of 4+ characters) with [REDACTED]. */
export function secretRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4).sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  const pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(pattern, '[REDACTED]');
}

/** The upstream's own explanation from an error body (OpenAI: `{ error: { message } }`), shortened. */
function upstreamMessage(body: string): string {
  let message = body;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const inner = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message ?? parsed.message;
    if (typeof inner === 'string') message = inner;
  } catch {
    /* not JSON: keep the text */
  }
  message = message.replace(/\s+/g, ' ').trim();
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

class RetryableFailure extends Error {
  constructor(
    readonly error: AppError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

async function statusError(target: HttpTarget, response: Response, attempt: number): Promise<AppError | RetryableFailure> {
  const body = target.redact(upstreamMessage(await response.text().catch(() => '')));
  const message = `${target.provider} answered ${response.status}${body ? `: ${body}` : ''}`;
  const details = { provider: target.provider, status: response.status, attempts: attempt + 1 };
  if (!isRetryableStatus(response.status)) return new UpstreamPermanentError(message, { details });
  const wait = retryAfterMs(response.headers);
  return new RetryableFailure(new UpstreamError(message, { details: { ...details, retryAfterMs: wait } }), wait);
}

function networkError(target: HttpTarget, error: unknown, attempt: number): RetryableFailure {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const text = target.redact(String(code ?? (cause?.message as string | undefined) ?? (error as Error)?.message ?? error));
  return new RetryableFailure(
    new UpstreamError(`${target.provider} could not be reached (${text})`, {
      details: { provider: target.provider, attempts: attempt + 1, ...(code ? { code } : {}) },
    }),
  );
}

/**
 * POSTs `body` as JSON and hands the 2xx response to `read`, retrying the whole exchange (read included, so a
 * connection dropped while reading a JSON answer is retried too) while attempts and time remain. Throws an
 * AppError: UpstreamPermanentError, UpstreamError (retryable), UpstreamTimeoutError or GenerationAbortedError.
 */
export async function postWithRetries<T>(
  target: HttpTarget,
  body: unknown,
  deadline: Deadline,
  read: (response: Response) => Promise<T>,
): Promise<T> {
  const payload = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    let failure: RetryableFailure;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: payload,
        signal: deadline.signal,
      });
      if (response.ok) return await read(response);
      const error = await statusError(target, response, attempt);
      if (!(error instanceof RetryableFailure)) throw error;
      failure = error;
    } catch (error) {
      const ended = deadline.reason();
      if (ended) throw ended;
      if (isAppError(error)) throw error;
      failure = error instanceof RetryableFailure ? error : networkError(target, error, attempt);
    }
    if (attempt >= target.maxRetries) throw failure.error;
    const delay = failure.retryAfterMs ?? backoffDelay(attempt, target.backoff);
    // Waiting past the deadline would only turn a clear upstream error into a timeout.
    if (delay >= deadline.remainingMs()) throw failure.error;
    target.logger?.warn(
      { provider: target.provider, attempt: attempt + 1, delayMs: delay, err: failure.error.message },
      'model call failed; retrying',
    );
    try {
      await deadline.sleep(delay);
    } catch {
      throw deadline.reason() ?? failure.error;
    }
  }
}
