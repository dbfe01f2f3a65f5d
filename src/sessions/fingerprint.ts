/**
 * Session fingerprinting (SESSION_FINGERPRINTING_ENABLED, SESSION_FINGERPRINT_STRICT): a keyed hash
 * (HMAC-SHA256 with SECRET_KEY) of the client IP and User-Agent, bound to the session at creation. The raw IP
 * is never stored or logged; without the secret the fingerprint cannot be tested against guessed addresses.
 *
 * Strict: a request whose fingerprint differs is refused (403 SESSION_FINGERPRINT_MISMATCH). Lenient: it is
 * allowed, logged (session id only) and counted (`mismatches`, plus the `onMismatch` hook for metrics).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SessionFingerprintMismatchError } from '../errors.js';

export type FingerprintVerdict = 'match' | 'mismatch';

export interface FingerprintLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

export interface FingerprinterOptions {
  secretKey: string;
  enabled: boolean;
  strict: boolean;
  logger?: FingerprintLogger;
  /** Called on every mismatch (e.g. to increment a Prometheus counter). */
  onMismatch?: (event: { sessionId: string; strict: boolean }) => void;
}

const VERSION = 'fp1';
const MAX_USER_AGENT = 512;

/** `::ffff:1.2.3.4` and `1.2.3.4` are the same client; case and spaces do not matter. */
export function normalizeIp(ip: string): string {
  const trimmed = ip.trim().toLowerCase();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed;
}

export class Fingerprinter {
  private mismatchCount = 0;

  constructor(private readonly options: FingerprinterOptions) {
    if (options.enabled && options.secretKey.length === 0) throw new Error('fingerprinting needs SECRET_KEY');
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  get strict(): boolean {
    return this.options.strict;
  }

  /** Mismatches seen since start. */
  get mismatches(): number {
    return this.mismatchCount;
  }

  /** The fingerprint to bind at creation, or undefined when fingerprinting is off. */
  compute(ip: string | undefined, userAgent: string | undefined): string | undefined {
    if (!this.options.enabled) return undefined;
    const ua = (userAgent ?? '').trim().slice(0, MAX_USER_AGENT);
    const mac = createHmac('sha256', this.options.secretKey)
      .update(`frontline:session-fingerprint:${VERSION}\n${normalizeIp(ip ?? '')}\n${ua}`)
      .digest('base64url');
    return `${VERSION}.${mac}`;
  }

  /** Compares in constant time. A session bound to no fingerprint (or fingerprinting off) always matches. */
  verify(expected: string | undefined, ip: string | undefined, userAgent: string | undefined): FingerprintVerdict {
    if (!this.options.enabled || !expected) return 'match';
    const actual = Buffer.from(this.compute(ip, userAgent)!);
    const wanted = Buffer.from(expected);
    return actual.length === wanted.length && timingSafeEqual(actual, wanted) ? 'match' : 'mismatch';
  }

  /**
   * Applies the policy for one request: throws SessionFingerprintMismatchError in strict mode, otherwise logs
   * and counts the mismatch and lets the request through.
   */
  check(session: { id: string; fingerprint?: string }, ip: string | undefined, userAgent: string | undefined): FingerprintVerdict {
    const verdict = this.verify(session.fingerprint, ip, userAgent);
    if (verdict === 'match') return verdict;
    this.mismatchCount += 1;
    this.options.onMismatch?.({ sessionId: session.id, strict: this.options.strict });
    if (this.options.strict) {
      throw new SessionFingerprintMismatchError('this session belongs to another client');
    }
    this.options.logger?.warn({ sessionId: session.id }, 'session fingerprint mismatch (allowed: SESSION_FINGERPRINT_STRICT=false)');
    return verdict;
  }
}

export function createFingerprinter(
  settings: {
    security: { secretKey: string };
    sessions: { fingerprintingEnabled: boolean; fingerprintStrict: boolean };
  },
  deps: Pick<FingerprinterOptions, 'logger' | 'onMismatch'> = {},
): Fingerprinter {
  return new Fingerprinter({
    secretKey: settings.security.secretKey,
    enabled: settings.sessions.fingerprintingEnabled,
    strict: settings.sessions.fingerprintStrict,
    ...deps,
  });
}
