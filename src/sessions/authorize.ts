/**
 * Who may act on a session: the holder of its bearer token, from the client it was created for. The one check
 * behind every session route, the WebSocket handshake and the agent's turn.
 *
 * A token is `<sessionId>.<256 random bits>.<tag>`, where the tag is an HMAC (keyed from SECRET_KEY) of the rest,
 * and the store keeps only the token's SHA-256. The tag lets a token be checked before the store is asked: a
 * forged or mistyped token costs no Redis round trip and cannot take a session's lock, which is what lets a chat
 * turn authorise against the session it loads under the lock (one round trip instead of two). The id inside
 * the token lets a refusal reveal nothing about other sessions:
 * - no token, a malformed or forged one, or one that does not match its own session -> 401 UNAUTHORIZED;
 * - a valid token used for another session -> 404 SESSION_NOT_FOUND, exactly as for an id that does not exist.
 * Then the client's fingerprint is checked (strict: 403; lenient: logged and counted).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SessionNotFoundError, UnauthorizedError } from '../errors.js';
import type { Fingerprinter } from './fingerprint.js';
import { generateSessionToken, isValidSessionId, verifyToken } from './tokens.js';
import type { Session, SessionStore } from './types.js';

export interface SessionClient {
  ip?: string;
  userAgent?: string;
}

/** Issues and pre-checks session tokens (the tag); the token's hash in the session is the final word. */
export class SessionTokens {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    if (!secretKey) throw new Error('session tokens need SECRET_KEY');
    // A key of its own, so a tag can never be confused with another use of SECRET_KEY (fingerprints).
    this.key = createHmac('sha256', secretKey).update('frontline:session-token:v1').digest();
  }

  private tag(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16);
  }

  issue(sessionId: string): string {
    const body = `${sessionId}.${generateSessionToken()}`;
    return `${body}.${this.tag(body).toString('base64url')}`;
  }

  /** The session id a token names when it is one of ours (well formed, tag valid); otherwise undefined. */
  sessionIdOf(token: string): string | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || !isValidSessionId(parts[0])) return undefined;
    const given = Buffer.from(parts[2]!, 'base64url');
    const expected = this.tag(`${parts[0]}.${parts[1]}`);
    return given.length === expected.length && timingSafeEqual(given, expected) ? parts[0] : undefined;
  }
}

export interface SessionAuthority {
  sessionStore: Pick<SessionStore, 'get'>;
  fingerprinter: Pick<Fingerprinter, 'check'>;
  tokens: SessionTokens;
}

/** The checks that need no store: a token of ours, for this session id. Throws 401/404 as above. */
export function checkToken(tokens: SessionTokens, sessionId: string, token: string | undefined): string {
  if (!token) throw new UnauthorizedError('Missing session token: send Authorization: Bearer <token from POST /api/sessions>');
  const claimedId = tokens.sessionIdOf(token);
  if (!claimedId) throw new UnauthorizedError('Invalid session token');
  if (claimedId !== sessionId) throw new SessionNotFoundError('Session not found');
  return token;
}

/** The checks against the session itself: its token hash, then the client's fingerprint. */
export function checkSessionAccess(
  session: Session | null,
  token: string,
  client: SessionClient,
  fingerprinter: Pick<Fingerprinter, 'check'>,
): Session {
  if (!session || !verifyToken(token, session.tokenHash)) throw new UnauthorizedError('Invalid session token');
  fingerprinter.check(session, client.ip, client.userAgent);
  return session;
}

export async function authorizeSession(
  authority: SessionAuthority,
  sessionId: string,
  token: string | undefined,
  client: SessionClient,
): Promise<Session> {
  const checked = checkToken(authority.tokens, sessionId, token);
  return checkSessionAccess(await authority.sessionStore.get(sessionId), checked, client, authority.fingerprinter);
}
