import { describe, expect, it } from 'vitest';
import { generateSessionToken, hashToken, isValidSessionId, verifyToken } from './tokens.js';

describe('session tokens', () => {
  it('carries at least 128 random bits and is stored only as its SHA-256', () => {
    const token = generateSessionToken();
    expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(new Set(Array.from({ length: 1000 }, generateSessionToken)).size).toBe(1000);
    const hash = hashToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
    expect(verifyToken(token, hash)).toBe(true);
    expect(verifyToken(generateSessionToken(), hash)).toBe(false);
    expect(verifyToken(token, 'short')).toBe(false);
  });

  it('accepts only ids that cannot break out of a key', () => {
    expect(isValidSessionId('0b7c6f1e-5b1d-4f5e-9a43-1d2b3c4d5e6f')).toBe(true);
    for (const bad of ['', 'a:b', 'a b', '*', 'x'.repeat(129), 42]) expect(isValidSessionId(bad)).toBe(false);
  });
});
