/** Ciphertexts in format e1, as releases before e2 wrote them, for tests that they stay readable. */
import { createCipheriv, randomBytes } from 'node:crypto';
import { keyId, parseEncryptionKey } from '../../src/sessions/crypto.js';

/** `e1.<key id>.<base64url(iv | ciphertext | tag)>`: AES-256-GCM with `aad` as additional authenticated data. */
export function sealE1(key: string, plaintext: string, aad: string): string {
  const bytes = parseEncryptionKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', bytes, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `e1.${keyId(bytes)}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}
