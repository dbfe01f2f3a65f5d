/**
 * Encryption at rest for session payloads: AES-256-GCM (node:crypto) with a key ring. SESSION_ENCRYPTION_KEY
 * holds one or more comma-separated keys; the first encrypts, every key decrypts, and each ciphertext names the
 * key that made it, so keys rotate without downtime (see rotate.ts).
 *
 * Keys are 32 bytes written as standard or url-safe base64 (the seed's Fernet keys are url-safe base64 of 32
 * bytes and are used as they decode) or as 64 hex characters.
 *
 * Ciphertext: `e1.<key id>.<base64url(iv[12] | ciphertext | tag[16])>`, key id = first 8 hex of SHA-256(key).
 * The session id is bound as additional authenticated data, so a ciphertext cannot be moved to another session.
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { ConfigError } from '../config/index.js';
import { InternalError } from '../errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'e1.';

/**
 * Random IVs drawn from a pool refilled 4 KiB at a time: one randomBytes call per ~340 encryptions instead of
 * one per encryption (a measurable share of a session write). Every IV is still fresh CSPRNG output, used once.
 */
class IvPool {
  private pool = Buffer.alloc(0);
  private offset = 0;

  next(): Buffer {
    if (this.offset + IV_BYTES > this.pool.length) {
      this.pool = randomBytes(IV_BYTES * 341);
      this.offset = 0;
    }
    const iv = this.pool.subarray(this.offset, this.offset + IV_BYTES);
    this.offset += IV_BYTES;
    return iv;
  }
}

const ivs = new IvPool();

export interface RingKey {
  readonly id: string;
  /** The key as a KeyObject: ciphers are set up from it a little faster than from bytes. */
  readonly key: KeyObject;
}

function keyError(position: number, detail: string): ConfigError {
  return new ConfigError([
    {
      variable: 'SESSION_ENCRYPTION_KEY',
      message:
        `key #${position}: ${detail}; expected 32 bytes written as base64 or url-safe base64 (44 characters, ` +
        'as printed by `npx frontline keygen`) or as 64 hex characters',
    },
  ]);
}

/** Decodes one key (never echoing it in errors). `position` is 1-based, for the message. */
export function parseEncryptionKey(text: string, position = 1): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) throw keyError(position, 'not base64 or hex');
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== KEY_BYTES) throw keyError(position, `decodes to ${bytes.length} bytes`);
  return bytes;
}

/** A new key in the seed's Fernet format (url-safe base64 of 32 random bytes), for `frontline keygen`. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url') + '=';
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export class KeyRing {
  readonly keys: readonly RingKey[];
  private readonly byId: ReadonlyMap<string, RingKey>;

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw keyError(1, 'no key given');
    const parsed: RingKey[] = [];
    keys.forEach((text, index) => {
      const bytes = parseEncryptionKey(text, index + 1);
      const id = keyId(bytes);
      if (!parsed.some((k) => k.id === id)) parsed.push({ id, key: createSecretKey(bytes) });
    });
    this.keys = parsed;
    this.byId = new Map(parsed.map((k) => [k.id, k]));
  }

  get primary(): RingKey {
    return this.keys[0]!;
  }

  encrypt(plaintext: string, aad: string): string {
    const { id, key } = this.primary;
    const iv = ivs.next();
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = cipher.update(plaintext, 'utf8');
    const last = cipher.final();
    return `${PREFIX}${id}.${Buffer.concat([iv, body, last, cipher.getAuthTag()]).toString('base64url')}`;
  }

  decrypt(ciphertext: string, aad: string): string {
    const [, id = '', payload = ''] = ciphertext.split('.', 3);
    const ring = this.byId.get(id);
    if (!ring) {
      throw new InternalError(`session data is encrypted with key ${id}, which is not in SESSION_ENCRYPTION_KEY`);
    }
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new InternalError('session ciphertext is truncated');
    const decipher = createDecipheriv('aes-256-gcm', ring.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new InternalError('session ciphertext failed authentication', { cause: error });
    }
  }
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The key id inside a ciphertext, or undefined for plaintext. */
export function ciphertextKeyId(value: string): string | undefined {
  return isEncrypted(value) ? value.split('.', 3)[1] : undefined;
}

/**
 * Turns session values into stored strings and back: encrypted JSON with a ring, plain JSON without. Decoding
 * accepts both forms, so enabling encryption on an existing store works (rotateKeys then encrypts the rest).
 */
export class SessionCodec {
  constructor(readonly ring: KeyRing | null) {}

  get encrypting(): boolean {
    return this.ring !== null;
  }

  encode(value: unknown, aad: string): string {
    const json = JSON.stringify(value);
    return this.ring ? this.ring.encrypt(json, aad) : json;
  }

  decode<T>(stored: string, aad: string): T {
    if (!isEncrypted(stored)) return JSON.parse(stored) as T;
    if (!this.ring) throw new InternalError('session data is encrypted but SESSION_ENCRYPTION_KEY is not set');
    return JSON.parse(this.ring.decrypt(stored, aad)) as T;
  }

  /** Whether a stored value is not yet encrypted under the primary key (always false without a ring). */
  needsRewrite(stored: string): boolean {
    return this.ring !== null && ciphertextKeyId(stored) !== this.ring.primary.id;
  }
}

/** The codec the settings ask for. Throws ConfigError for a bad or missing key. */
export function createCodec(sessions: { encryptionEnabled: boolean; encryptionKeys: readonly string[] }): SessionCodec {
  return new SessionCodec(sessions.encryptionEnabled ? new KeyRing(sessions.encryptionKeys) : null);
}
