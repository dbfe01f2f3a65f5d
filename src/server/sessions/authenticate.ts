/**
 * Session bearer tokens on the HTTP side: the token comes from `Authorization: Bearer`, the client from the
 * request; the rules themselves (401 / 404 without revealing other sessions / fingerprint) are in
 * sessions/authorize.ts, shared with the WebSocket handshake and the agent.
 */
import type { FastifyRequest } from 'fastify';
import { authorizeSession, type SessionAuthority } from '../../sessions/authorize.js';
import type { Session } from '../../sessions/index.js';
import { bearerToken } from '../auth/bearer.js';
import { errorResponses } from '../plugins/errors.js';

export { bearerToken };

export function clientOf(request: FastifyRequest): { ip: string; userAgent: string | undefined } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

/**
 * What a route behind a session token documents that it can fail with: a bad request, a missing or wrong token, a
 * fingerprint mismatch, an unknown session, the rate limit, the session store unavailable.
 */
export const sessionRouteErrors = errorResponses(400, 401, 403, 404, 429, 503);

/** Resolves the session a request may act on, or throws 401/403/404. */
export async function authenticateSession(
  services: SessionAuthority,
  request: FastifyRequest,
  sessionId: string,
  token = bearerToken(request),
): Promise<Session> {
  return authorizeSession(services, sessionId, token, clientOf(request));
}
