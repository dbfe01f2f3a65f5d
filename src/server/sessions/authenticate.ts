/**
 * Session bearer tokens on the HTTP side: the token comes from `Authorization: Bearer`, the client from the
 * request; the rules themselves (401 / 404 without revealing other sessions / fingerprint) are in
 * sessions/authorize.ts, shared with the WebSocket handshake and the agent.
 */
import type { FastifyRequest } from 'fastify';
import { authorizeSession, type SessionAuthority } from '../../sessions/authorize.js';
import type { Session } from '../../sessions/index.js';
import { bearerToken } from '../auth/bearer.js';

export { bearerToken };

export function clientOf(request: FastifyRequest): { ip: string; userAgent: string | undefined } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

/** Resolves the session a request may act on, or throws 401/403/404. */
export async function authenticateSession(
  services: SessionAuthority,
  request: FastifyRequest,
  sessionId: string,
  token = bearerToken(request),
): Promise<Session> {
  return authorizeSession(services, sessionId, token, clientOf(request));
}
