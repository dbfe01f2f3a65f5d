/**
 * Admin routes (the knowledge base now; console routes later) need `Authorization: Bearer <ADMIN_API_KEY>`.
 * - ADMIN_API_KEY unset: 503 ADMIN_API_KEY_NOT_SET saying how to make one; admin routes are off rather than open.
 * - No key, a malformed header or a wrong key: 401 UNAUTHORIZED with `WWW-Authenticate: Bearer`.
 * Keys are compared as SHA-256 digests with timingSafeEqual: constant time whatever their lengths.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';
import { AppError, UnauthorizedError, type AppErrorOptions } from '../../errors.js';
import { bearerToken } from './bearer.js';

export class AdminKeyNotSetError extends AppError {
  readonly code = 'ADMIN_API_KEY_NOT_SET';
  readonly statusCode = 503;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options);
  }
}

/** Prefixed so the key is recognisable in a config file and by secret scanners. */
export const ADMIN_KEY_PREFIX = 'fl_admin_';

export function generateAdminKey(): string {
  return `${ADMIN_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function adminKeyMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

const challenge = { 'WWW-Authenticate': 'Bearer realm="frontline-admin"' };

/** An onRequest hook: runs before the body is read, so an unauthenticated upload is refused unread. */
export function requireAdminKey(adminApiKey: string | undefined): onRequestAsyncHookHandler {
  const expected = adminApiKey?.trim() || undefined;
  return async (request) => {
    if (!expected) {
      throw new AdminKeyNotSetError(
        'Admin routes are disabled because ADMIN_API_KEY is not set. Generate a key with `npx frontline keygen --admin`, ' +
          'set it as ADMIN_API_KEY in the environment or .env, restart, and send it as "Authorization: Bearer <key>".',
      );
    }
    const token = bearerToken(request);
    if (!token) {
      throw new UnauthorizedError('This route needs the admin key: send "Authorization: Bearer <ADMIN_API_KEY>".', { headers: challenge });
    }
    if (!adminKeyMatches(token, expected)) {
      request.log.warn({ route: request.routeOptions.url }, 'admin route called with a wrong key');
      throw new UnauthorizedError('The admin key is not valid.', { headers: challenge });
    }
  };
}
