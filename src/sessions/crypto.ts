/**
 * Encryption at rest for session payloads: AES-256-GCM (node:crypto) with a key ring. SESSION_ENCRYPTION_KEY
 * holds one or more comma-separated keys; the first encrypts, every key decrypts, and each ciphertext names the
 * key that made it, so keys rotate without downtime (see rotate.ts).
 *
 * Keys are 32 bytes written as standard or url-safe base64 (the seed's Fernet keys are url-safe base64 of 32
 * bytes and are used as they decode) or as 64 hex characters.
 *
 * A ciphertext names its key by id, the first 4 bytes of SHA-256(key) (shown as 8 hex), and binds the session and
 * field it belongs to as additional authenticated data, so it cannot be moved elsewhere. It is written in one of
 * two encodings of the same content, each read back whatever the caller expects:
 *   e2 (bytes)  0xE2 | key id [4] | iv [12] | tag [16] | ciphertext: a quarter smaller than e1 and nothing to
 *               decode; used for what is stored in bulk (messages).
 *   e1 (text)   `e1.<key id hex>.<base64url(iv | ciphertext | tag)>`, the only format of earlier releases; used
 *               for values rewritten by every patch (session data): ioredis serialises a command whose arguments
 *               are all strings about 2.5 times faster than one carrying a Buffer (measured: some 4 µs per write),
 *               far more than base64 costs for a value of a few hundred bytes (a fraction of a µs).
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { ConfigError } from '../config/index.js';
import { InternalError } from '../errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ID_BYTES = 4;
/** First byte of an e2 ciphertext; plaintext values are JSON objects and start with `{`. */
const E2 = 0xe2;
const E2_IV = 1 + ID_BYTES;
const E2_TAG = E2_IV + IV_BYTES;
const E2_HEADER = E2_TAG + TAG_BYTES;
const E1_PREFIX = 'e1.';

/** A value as stored in Redis: bytes as read back, or text as written. */
export type StoredValue = Buffer | string;

/** How a ciphertext is encoded (see above). */
export type CiphertextFormat = 'e1' | 'e2';

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
  /** 8 hex characters. */
  readonly id: string;
  /** The same id as the 4 bytes written into each ciphertext. */
  readonly idBytes: Buffer;
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
      if (!parsed.some((k) => k.id === id)) parsed.push({ id, idBytes: Buffer.from(id, 'hex'), key: createSecretKey(bytes) });
    });
    this.keys = parsed;
    this.byId = new Map(parsed.map((k) => [k.id, k]));
  }

  get primary(): RingKey {
    return this.keys[0]!;
  }

  /** Encrypts under the primary key, as e2 bytes. */
  encrypt(plaintext: string, aad: string): Buffer {
    const { iv, tag, body } = this.seal(plaintext, aad);
    const sealed = Buffer.allocUnsafe(E2_HEADER + body.length);
    sealed[0] = E2;
    this.primary.idBytes.copy(sealed, 1);
    iv.copy(sealed, E2_IV);
    tag.copy(sealed, E2_TAG);
    body.copy(sealed, E2_HEADER);
    return sealed;
  }

  /** Encrypts under the primary key, as e1 text. */
  encryptText(plaintext: string, aad: string): string {
    const { iv, tag, body } = this.seal(plaintext, aad);
    return `${E1_PREFIX}${this.primary.id}.${Buffer.concat([iv, body, tag]).toString('base64url')}`;
  }

  private seal(plaintext: string, aad: string): { iv: Buffer; tag: Buffer; body: Buffer } {
    const iv = ivs.next();
    const cipher = createCipheriv('aes-256-gcm', this.primary.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = cipher.update(plaintext, 'utf8');
    cipher.final(); // GCM is a stream mode: nothing is held back
    return { iv, tag: cipher.getAuthTag(), body };
  }

  /** Decrypts a ciphertext in either format with whichever key of the ring made it. */
  decrypt(sealed: StoredValue, aad: string): string {
    const parts = splitCiphertext(sealed);
    if (!parts) throw new InternalError('session ciphertext is malformed or truncated');
    const ring = this.byId.get(parts.id);
    if (!ring) {
      throw new InternalError(`session data is encrypted with key ${parts.id}, which is not in SESSION_ENCRYPTION_KEY`);
    }
    const decipher = createDecipheriv('aes-256-gcm', ring.key, parts.iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(parts.tag);
    try {
      return decipher.update(parts.body, undefined, 'utf8') + decipher.final('utf8');
    } catch (error) {
      throw new InternalError('session ciphertext failed authentication', { cause: error });
    }
  }
}

interface CiphertextParts {
  id: string;
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

/** The parts of an e2 or e1 ciphertext (views into it, not copies), or undefined when it is neither. */
function splitCiphertext(sealed: StoredValue): CiphertextParts | undefined {
  if (typeof sealed !== 'string' && sealed[0] === E2) {
    if (sealed.length < E2_HEADER) return undefined;
    return {
      id: sealed.toString('hex', 1, E2_IV),
      iv: sealed.subarray(E2_IV, E2_TAG),
      tag: sealed.subarray(E2_TAG, E2_HEADER),
      body: sealed.subarray(E2_HEADER),
    };
  }
  const text = typeof sealed === 'string' ? sealed : sealed.toString('latin1');
  if (!text.startsWith(E1_PREFIX)) return undefined;
  const [, id = '', payload = ''] = text.split('.', 3);
  const raw = Buffer.from(payload, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
  const tagAt = raw.length - TAG_BYTES;
  return { id, iv: raw.subarray(0, IV_BYTES), tag: raw.subarray(tagAt), body: raw.subarray(IV_BYTES, tagAt) };
}

export function isEncrypted(value: StoredValue): boolean {
  return ciphertextFormat(value) !== undefined;
}

/** The encoding of a ciphertext, or undefined for plaintext JSON. */
export function ciphertextFormat(value: StoredValue): CiphertextFormat | undefined {
  if (typeof value !== 'string' && value[0] === E2) return 'e2';
  const start = typeof value === 'string' ? value.slice(0, E1_PREFIX.length) : value.toString('latin1', 0, E1_PREFIX.length);
  return start === E1_PREFIX ? 'e1' : undefined;
}

/** The key id inside a ciphertext, or undefined for plaintext. */
export function ciphertextKeyId(value: StoredValue): string | undefined {
  return ciphertextFormat(value) === undefined ? undefined : splitCiphertext(value)?.id;
}

/**
 * Turns session values into stored values and back: encrypted JSON with a ring, plain JSON without. Decoding
 * accepts every form, so enabling encryption on an existing store works (rotateKeys then encrypts the rest).
 */
export class SessionCodec {
  constructor(readonly ring: KeyRing | null) {}

  get encrypting(): boolean {
    return this.ring !== null;
  }

  /** As bytes (e2 when encrypting). */
  encode(value: unknown, aad: string): Buffer {
    const json = JSON.stringify(value);
    return this.ring ? this.ring.encrypt(json, aad) : Buffer.from(json, 'utf8');
  }

  /** As text (e1 when encrypting). */
  encodeText(value: unknown, aad: string): string {
    const json = JSON.stringify(value);
    return this.ring ? this.ring.encryptText(json, aad) : json;
  }

  decode<T>(stored: StoredValue, aad: string): T {
    if (!isEncrypted(stored)) return JSON.parse(typeof stored === 'string' ? stored : stored.toString('utf8')) as T;
    if (!this.ring) throw new InternalError('session data is encrypted but SESSION_ENCRYPTION_KEY is not set');
    return JSON.parse(this.ring.decrypt(stored, aad)) as T;
  }

  /** Whether a stored value is not yet encrypted under the primary key in `format` (always false without a ring). */
  needsRewrite(stored: StoredValue, format: CiphertextFormat): boolean {
    return this.ring !== null && (ciphertextFormat(stored) !== format || ciphertextKeyId(stored) !== this.ring.primary.id);
  }
}

/** The codec the settings ask for. Throws ConfigError for a bad or missing key. */
export function createCodec(sessions: { encryptionEnabled: boolean; encryptionKeys: readonly string[] }): SessionCodec {
  return new SessionCodec(sessions.encryptionEnabled ? new KeyRing(sessions.encryptionKeys) : null);
}

/** Whether two stored values hold the same bytes (one may be text as written, the other bytes as read). */
export function sameStoredValue(a: StoredValue, b: StoredValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return (typeof a === 'string' ? Buffer.from(a, 'utf8') : a).equals(typeof b === 'string' ? Buffer.from(b, 'utf8') : b);
}
