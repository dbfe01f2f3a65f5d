/**
 * Session bearer tokens. The HTTP layer hands the token to the client once (POST /api/sessions) and the store
 * keeps only its SHA-256, so a store dump does not let anyone act as a customer.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Random bytes in a token: 256 bits, comfortably above the required 128. */
const TOKEN_BYTES = 32;

/** A new bearer token: 256 random bits as base64url (43 characters). */
export function generateSessionToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** SHA-256 of a token as 64 hex characters: what the session stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `token` hashes to `tokenHash`, compared in constant time. */
export function verifyToken(token: string, tokenHash: string): boolean {
  const actual = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(tokenHash, /^[0-9a-f]{64}$/i.test(tokenHash) ? 'hex' : 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A new session id (UUID v4). */
export function generateSessionId(): string {
  return randomUUID();
}

const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Whether `id` can name a session: 1-128 characters of [A-Za-z0-9_-] (so it never contains a key separator). */
export function isValidSessionId(id: unknown): id is string {
  return typeof id === 'string' && SESSION_ID.test(id);
}
