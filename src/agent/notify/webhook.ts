/**
 * The webhook notifier: POSTs the notice as JSON to ESCALATION_WEBHOOK_URL, signed the way Stripe signs its
 * webhooks (`X-Frontline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`), so a receiver can
 * check the sender and refuse replays. 2xx is delivered; 408, 429, 5xx, network errors and timeouts may pass later;
 * any other answer will not.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { cancelled, NotificationError } from './errors.js';
import type { HandoffNotice, Notifier } from './types.js';

export const SIGNATURE_HEADER = 'X-Frontline-Signature';
export const DELIVERY_HEADER = 'X-Frontline-Delivery';
export const EVENT_HEADER = 'X-Frontline-Event';

export interface WebhookNotifierOptions {
  url: string;
  secret: string;
  /** e.g. `Frontline/1.2.0` (the caller knows the version; agent code does not import the server's). */
  userAgent?: string;
  /** Time allowed for the receiver to answer, in milliseconds (default 10 000). */
  timeoutMs?: number;
}

function hmacHex(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The signature header value for `rawBody` sent at `timestamp` (unix seconds). */
export function signWebhookPayload(rawBody: string | Uint8Array, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, rawBody)}`;
}

export interface VerifyOptions {
  /** Largest accepted age (either way) of the signature's timestamp, against replays (default 300). */
  toleranceSeconds?: number;
  /** The time to check against, in milliseconds (default: now). */
  now?: number;
}

/**
 * Whether `header` is a valid signature of `rawBody` (the bytes received, before any JSON parsing) made with
 * `secret` (or one of several, while rotating) within the tolerance. Compares in constant time.
 */
export function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  header: string | null | undefined,
  secret: string | readonly string[],
  { toleranceSeconds = 300, now = Date.now() }: VerifyOptions = {},
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2) as [string, string?];
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const secrets = typeof secret === 'string' ? [secret] : secret;
  // Every comparison runs, so the time taken says nothing about which one matched.
  let valid = false;
  for (const key of secrets.filter((s) => s.length > 0)) {
    const expected = Buffer.from(hmacHex(key, timestamp, rawBody), 'hex');
    for (const signature of signatures) valid = timingSafeEqual(expected, signature) || valid;
  }
  return valid;
}

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export class WebhookNotifier implements Notifier {
  readonly name = 'webhook';
  private readonly url: URL;
  private readonly secret: string;
  private readonly userAgent: string;
  private readonly timeoutMs: number;

  constructor(options: WebhookNotifierOptions) {
    this.url = new URL(options.url);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new TypeError('webhook url must be http(s)');
    if (!options.secret) throw new TypeError('webhook secret is required');
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`webhook timeoutMs must be a positive integer, got ${timeoutMs}`);
    this.secret = options.secret;
    this.userAgent = options.userAgent ?? 'Frontline';
    this.timeoutMs = timeoutMs;
  }

  async deliver(notice: HandoffNotice, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw cancelled(this.name);
    const body = JSON.stringify(notice);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    // Only the host goes into messages: hook URLs often carry a token in their path or query.
    const host = this.url.host;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': this.userAgent,
          [EVENT_HEADER]: notice.event,
          [DELIVERY_HEADER]: notice.deliveryId,
          // Signed per attempt: a retry carries a fresh timestamp, so it passes the receiver's replay window.
          [SIGNATURE_HEADER]: signWebhookPayload(body, this.secret),
        },
        body,
        // A redirect would turn the POST into a GET elsewhere: the configured URL must be the final one.
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw cancelled(this.name);
      if (timeout.aborted) {
        throw new NotificationError(this.name, `webhook at ${host} did not answer within ${this.timeoutMs} ms`, { retryable: true, cause: error });
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new NotificationError(this.name, `webhook at ${host} unreachable: ${reason}`, { retryable: true, cause: error });
    }
    // The body is not read (nothing in it matters), but it must be released for the connection to be reused.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    const retryable = isRetryableStatus(response.status);
    const redirect = response.status >= 300 && response.status < 400 ? ' (a redirect: set ESCALATION_WEBHOOK_URL to the final URL)' : '';
    throw new NotificationError(this.name, `webhook at ${host} answered ${response.status}${redirect}`, {
      retryable,
      retryAfterMs: retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined,
      details: { status: response.status },
    });
  }

  async close(): Promise<void> {
    // Nothing held: fetch shares Node's global connection pool.
  }
}
