/**
 * Session bearer tokens on the HTTP side. A token is `<sessionId>.<256 random bits>`; the store keeps only its
 * SHA-256. The id inside the token lets us answer without revealing whether other sessions exist:
 * - no token, a malformed one, or one that does not match its own session -> 401 UNAUTHORIZED;
 * - a valid token used on another session's URL -> 404 SESSION_NOT_FOUND, exactly as for an id that does not
 *   exist, so a token holder learns nothing about other sessions.
 * After the token, the client's fingerprint is checked (strict: 403; lenient: logged and counted).
 */
import type { FastifyRequest } from 'fastify';
import { SessionNotFoundError, UnauthorizedError } from '../../errors.js';
import { generateSessionToken, isValidSessionId, verifyToken, type Session } from '../../sessions/index.js';
import type { Services } from '../services.js';

const BEARER = /^Bearer\s+(\S+)$/i;

export function issueSessionToken(sessionId: string): string {
  return `${sessionId}.${generateSessionToken()}`;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? BEARER.exec(header.trim())?.[1] : undefined;
}

/** The session id a token claims, or undefined when the token is not of our form. */
function tokenSessionId(token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = token.slice(0, dot);
  return isValidSessionId(id) ? id : undefined;
}

/**
 * Resolves the session a request may act on, or throws 401/403/404 as described above. `token` may come
 * from somewhere other than the Authorization header (the WebSocket handshake, for instance).
 */
export async function authenticateSession(
  services: Pick<Services, 'sessionStore' | 'fingerprinter'>,
  request: FastifyRequest,
  sessionId: string,
  token = bearerToken(request),
): Promise<Session> {
  if (!token) throw new UnauthorizedError('Missing session token: send Authorization: Bearer <token from POST /api/sessions>');
  const claimedId = tokenSessionId(token);
  if (!claimedId) throw new UnauthorizedError('Invalid session token');
  if (claimedId !== sessionId) throw new SessionNotFoundError('Session not found');
  const session = await services.sessionStore.get(sessionId);
  if (!session || !verifyToken(token, session.tokenHash)) throw new UnauthorizedError('Invalid session token');
  services.fingerprinter.check(session, request.ip, request.headers['user-agent']);
  return session;
}
