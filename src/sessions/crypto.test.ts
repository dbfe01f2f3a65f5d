import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { sealE1 } from '../../test/sessions/legacy-e1.js';
import { InternalError } from '../errors.js';
import { ciphertextFormat, ciphertextKeyId, generateEncryptionKey, KeyRing, keyId, parseEncryptionKey, SessionCodec } from './crypto.js';

describe('encryption keys', () => {
  const bytes = randomBytes(32);

  it('accepts 32 bytes as Fernet/url-safe base64, standard base64 or hex', () => {
    const fernet = bytes.toString('base64url') + '='; // what Python's Fernet.generate_key() prints
    for (const text of [fernet, bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('hex'), ` ${bytes.toString('hex').toUpperCase()} `]) {
      expect(parseEncryptionKey(text).equals(bytes)).toBe(true);
    }
    expect(parseEncryptionKey(generateEncryptionKey())).toHaveLength(32);
    expect(generateEncryptionKey()).toMatch(/^[A-Za-z0-9_-]{43}=$/);
  });

  it('rejects other lengths with a message naming the variable and the position, never the key', () => {
    const short = randomBytes(16).toString('base64');
    const attempt = () => new KeyRing([generateEncryptionKey(), short]);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/SESSION_ENCRYPTION_KEY: key #2: decodes to 16 bytes; expected 32 bytes/);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
    expect(() => parseEncryptionKey('not a key!')).toThrow(/not base64 or hex/);
    expect(() => new KeyRing([])).toThrow(/no key given/);
  });
});

describe('key ring', () => {
  const [oldKey, newKey] = [generateEncryptionKey(), generateEncryptionKey()];

  it('encrypts with the first key, decrypts with any, and names the key in the ciphertext', () => {
    const oldRing = new KeyRing([oldKey]);
    const ring = new KeyRing([newKey, oldKey]);
    const before = oldRing.encrypt('hello', 'session-1');
    expect(ciphertextKeyId(before)).toBe(keyId(parseEncryptionKey(oldKey)));
    expect(ring.decrypt(before, 'session-1')).toBe('hello');
    const after = ring.encrypt('hello', 'session-1');
    expect(ciphertextKeyId(after)).toBe(ring.primary.id);
    expect(after).not.toBe(ring.encrypt('hello', 'session-1')); // fresh IV each time
    expect(() => oldRing.decrypt(after, 'session-1')).toThrow(/not in SESSION_ENCRYPTION_KEY/);
  });

  it('refuses tampered ciphertexts and ciphertexts moved to another session, in either encoding', () => {
    const ring = new KeyRing([newKey]);
    const sealed = ring.encrypt('{"a":1}', 'session-1');
    expect(() => ring.decrypt(sealed, 'session-2')).toThrow(InternalError);
    for (const at of [10, 20, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[at]! ^= 1; // iv, tag, ciphertext
      expect(() => ring.decrypt(tampered, 'session-1')).toThrow(/failed authentication/);
    }
    expect(() => ring.decrypt(sealed.subarray(0, 30), 'session-1')).toThrow(/malformed or truncated/);
    const text = ring.encryptText('{"a":1}', 'session-1');
    expect(() => ring.decrypt(text, 'session-2')).toThrow(/failed authentication/);
    const flipped = `${text.slice(0, -2)}${text.at(-2) === 'A' ? 'B' : 'A'}${text.at(-1)}`;
    expect(() => ring.decrypt(flipped, 'session-1')).toThrow(/failed authentication/);
  });

  it('encodes as e2 bytes or e1 text (the format of earlier releases); each decrypts as a Buffer or a string', () => {
    const ring = new KeyRing([newKey]);
    const bytes = ring.encrypt('héllo', 'session-1');
    expect(ciphertextFormat(bytes)).toBe('e2');
    expect(bytes).toHaveLength(1 + 4 + 12 + 16 + Buffer.byteLength('héllo'));
    expect(bytes.toString('hex', 1, 5)).toBe(ring.primary.id);
    const text = ring.encryptText('héllo', 'session-1');
    expect(text).toMatch(new RegExp(`^e1\\.${ring.primary.id}\\.[A-Za-z0-9_-]+$`));
    for (const stored of [bytes, text, Buffer.from(text), sealE1(newKey, 'héllo', 'session-1')]) {
      expect(ciphertextKeyId(stored)).toBe(ring.primary.id);
      expect(ring.decrypt(stored, 'session-1')).toBe('héllo');
    }
    expect(ciphertextFormat(Buffer.from(text))).toBe('e1');
  });

  it('the codec reads plaintext written before encryption was turned on, and says what needs rewriting', () => {
    const codec = new SessionCodec(new KeyRing([newKey, oldKey]));
    expect(codec.decode('{"a":1}', 'x')).toEqual({ a: 1 });
    expect(codec.decode(Buffer.from('{"a":1}'), 'x')).toEqual({ a: 1 });
    expect(codec.needsRewrite('{"a":1}', 'e2')).toBe(true);
    expect(codec.needsRewrite(new KeyRing([oldKey]).encrypt('1', 'x'), 'e2')).toBe(true);
    expect(codec.needsRewrite(codec.encode(1, 'x'), 'e2')).toBe(false);
    expect(codec.needsRewrite(codec.encode(1, 'x'), 'e1')).toBe(true);
    expect(codec.needsRewrite(codec.encodeText(1, 'x'), 'e1')).toBe(false);
    expect(codec.decode(codec.encodeText({ a: 1 }, 'x'), 'x')).toEqual({ a: 1 });
    expect(new SessionCodec(null).encode({ a: 1 }, 'x').toString()).toBe('{"a":1}');
    expect(new SessionCodec(null).encodeText({ a: 1 }, 'x')).toBe('{"a":1}');
    expect(new SessionCodec(null).needsRewrite('{"a":1}', 'e1')).toBe(false);
    expect(() => new SessionCodec(null).decode(codec.encode(1, 'x'), 'x')).toThrow(/SESSION_ENCRYPTION_KEY is not set/);
  });
});
