/** The token of an `Authorization: Bearer <token>` header, for the admin key and session tokens alike. */
import type { FastifyRequest } from 'fastify';

const BEARER = /^Bearer\s+(\S+)$/i;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? BEARER.exec(header.trim())?.[1] : undefined;
}
