/**
 * How a session lies in Redis, and how the replies of the Lua scripts become Session snapshots.
 *
 *   <prefix><id>        hash: rev, inc, dv, fence, d (encrypted SessionData, e1 text), created, active, exp,
 *                       c:<counter>
 *   <prefix><id>:m      list: the message window, each message encrypted on its own (e2 bytes)
 *   <prefix><id>:lock   string: the lock holder's token (PX lease)
 *   <prefix><id>:q      zset: lock waiters (token -> deadline)
 *   <prefix>#index      zset: session id -> expiry (ms), for counting, listing and cleanup without KEYS
 *   <prefix>#lock-released   pub/sub channel: id of a session whose lock was released while others waited
 *
 * Only integers (revisions, counters, times, fencing tokens) are stored in plaintext; every message, fact,
 * metadata value, token hash and customer id is inside an AES-256-GCM ciphertext bound to its session and field.
 * Scripts that return stored values are called for Buffer replies (messages are bytes, see crypto.ts), so the
 * replies parsed here hold Buffers and integers.
 */
import { InternalError } from '../../errors.js';
import { sameStoredValue, type CiphertextFormat, type SessionCodec, type StoredValue } from '../crypto.js';
import { assembleSession, zeroCounters, type SessionData } from '../model.js';
import { COUNTER_NAMES, type CounterName, type Session, type SessionMessage } from '../types.js';

export interface SessionKeys {
  hash: string;
  messages: string;
  lock: string;
  queue: string;
}

export function sessionKeys(prefix: string, id: string): SessionKeys {
  const hash = `${prefix}${id}`;
  return { hash, messages: `${hash}:m`, lock: `${hash}:lock`, queue: `${hash}:q` };
}

export const indexKey = (prefix: string) => `${prefix}#index`;
export const lockChannel = (prefix: string) => `${prefix}#lock-released`;
/** Where session events (events.ts) are published: one channel for every session of the prefix. */
export const eventChannel = (prefix: string) => `${prefix}#events`;
export const counterField = (name: CounterName) => `c:${name}`;

/** Additional authenticated data: a ciphertext only decrypts as the field of the session it was made for. */
export const dataAad = (id: string) => `${id}:d`;
export const messageAad = (id: string) => `${id}:m`;

/** Encrypted data (as written or as read) and what it decrypts to, so an unchanged value is not decrypted twice. */
export interface KnownData {
  blob: StoredValue;
  data: SessionData;
}

/** A decoded session plus what a compare-and-set needs. */
export interface CachedState extends KnownData {
  revision: number;
  /** Random per creation: tells a session from an earlier one that had the same id. */
  incarnation: string;
  /** `<revision>:<incarnation>`, what Redis compares to confirm a cached copy is current. */
  tag: string;
  dataVersion: number;
  /** The expiry of `session` (ms), to reuse its text when a write keeps it. */
  expiresMs: number;
  session: Session;
}

/** The `state` reply of readState (see scripts/includes/readState.lua), read as Buffers. */
export type StateReply = [tag: Buffer] | [tag: Buffer, hash: Buffer[], messages: Buffer[]];

/** A session hash as stored (the fields of create-2.lua). */
export interface StoredHash {
  revision: number;
  incarnation: string;
  dataVersion: number;
  /** The encrypted data (`d`). */
  blob: StoredValue;
  createdMs: number;
  activeMs: number;
  expiresMs: number;
  counters: Record<CounterName, number>;
}

const COUNTER_BY_FIELD = new Map<string, CounterName>(COUNTER_NAMES.map((name) => [counterField(name), name]));

const integer = (value: Buffer) => Number(value.toString('latin1'));

/** Parses a flat HGETALL reply (Buffers). */
export function parseHash(flat: readonly Buffer[]): StoredHash {
  const hash: Partial<StoredHash> = { incarnation: '', dataVersion: 0, counters: zeroCounters() };
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!.toString('latin1');
    const value = flat[i + 1]!;
    if (field === 'd') hash.blob = value;
    else if (field === 'inc') hash.incarnation = value.toString('latin1');
    else if (field === 'rev') hash.revision = integer(value);
    else if (field === 'dv') hash.dataVersion = integer(value);
    else if (field === 'created') hash.createdMs = integer(value);
    else if (field === 'active') hash.activeMs = integer(value);
    else if (field === 'exp') hash.expiresMs = integer(value);
    else if (COUNTER_BY_FIELD.has(field)) hash.counters![COUNTER_BY_FIELD.get(field)!] = integer(value);
  }
  if (hash.blob === undefined || hash.revision === undefined) throw new InternalError('session hash is incomplete');
  return hash as StoredHash;
}

export const versionTag = (revision: number, incarnation: string) => `${revision}:${incarnation}`;

/** The version tag at the head of a readState reply. */
export const replyTag = (reply: StateReply) => reply[0].toString('latin1');

/**
 * Session values to stored values and back. The data is rewritten by every patch, so it is sent as text, which
 * ioredis serialises faster (a patch then sends no Buffer); messages are written once, read on every full load
 * and are the bulk of what is stored, so they are kept as bytes (see ../crypto.ts).
 */
const DATA_FORMAT: CiphertextFormat = 'e1';
const MESSAGE_FORMAT: CiphertextFormat = 'e2';

export class StateCodec {
  constructor(private readonly codec: SessionCodec) {}

  encodeData(id: string, data: SessionData): string {
    return this.codec.encodeText(data, dataAad(id));
  }

  encodeMessage(id: string, message: SessionMessage): Buffer {
    return this.codec.encode(message, messageAad(id));
  }

  /** Whether any part of a stored session is not in its current format under the primary key (key rotation). */
  needsRewrite(data: StoredValue, messages: readonly StoredValue[]): boolean {
    return this.codec.needsRewrite(data, DATA_FORMAT) || messages.some((item) => this.codec.needsRewrite(item, MESSAGE_FORMAT));
  }

  data(id: string, blob: StoredValue): SessionData {
    return this.codec.decode<SessionData>(blob, dataAad(id));
  }

  messages(id: string, stored: readonly StoredValue[]): SessionMessage[] {
    return stored.map((item) => this.codec.decode<SessionMessage>(item, messageAad(id)));
  }

  /**
   * Builds the state from a hash read in Redis. `known` lists data already decoded (by ciphertext) and
   * `messages` is the decoded window.
   */
  state(id: string, hash: StoredHash, messages: readonly SessionMessage[], known: readonly KnownData[] = []): CachedState {
    const data = known.find((candidate) => sameStoredValue(candidate.blob, hash.blob))?.data ?? this.data(id, hash.blob);
    return {
      revision: hash.revision,
      incarnation: hash.incarnation,
      tag: versionTag(hash.revision, hash.incarnation),
      dataVersion: hash.dataVersion,
      expiresMs: hash.expiresMs,
      blob: hash.blob,
      data,
      session: assembleSession({
        id,
        data,
        counters: hash.counters,
        messages,
        createdMs: hash.createdMs,
        activeMs: hash.activeMs,
        expiresMs: hash.expiresMs,
        revision: hash.revision,
      }),
    };
  }

  /**
   * The state after a write applied to `base` when `base` was current: the script reports the new revision,
   * data version, expiry and the values of the counters it incremented; everything else is known here.
   */
  advance(
    base: CachedState,
    write: {
      revision: number;
      dataVersion: number;
      expiresMs: number;
      activeMs: number;
      counters: readonly [CounterName, number][];
      data?: KnownData;
      messages: readonly SessionMessage[];
    },
  ): CachedState {
    let counters = base.session.counters;
    if (write.counters.length > 0) {
      const changed = { ...counters };
      for (const [name, value] of write.counters) changed[name] = value;
      counters = changed;
    }
    const data = write.data ?? base;
    return {
      revision: write.revision,
      incarnation: base.incarnation,
      tag: versionTag(write.revision, base.incarnation),
      dataVersion: write.dataVersion,
      expiresMs: write.expiresMs,
      blob: data.blob,
      data: data.data,
      session: assembleSession({
        id: base.session.id,
        data: data.data,
        counters,
        messages: write.messages,
        createdMs: base.session.createdAt,
        activeMs: write.activeMs,
        expiresMs: write.expiresMs === base.expiresMs ? base.session.expiresAt : write.expiresMs,
        revision: write.revision,
      }),
    };
  }

  /** A full readState reply (three elements) decoded. */
  full(id: string, reply: StateReply, known: readonly KnownData[] = []): CachedState {
    if (reply.length !== 3) throw new InternalError('expected a full session state from redis');
    return this.stored(id, reply[1], reply[2], known);
  }

  /** The state from a flat HGETALL reply and the stored message window. */
  stored(id: string, hash: readonly Buffer[], messages: readonly Buffer[], known: readonly KnownData[] = []): CachedState {
    return this.state(id, parseHash(hash), this.messages(id, messages), known);
  }
}
