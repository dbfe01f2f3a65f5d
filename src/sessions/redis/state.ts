/**
 * How a session lies in Redis, and how the replies of the Lua scripts become Session snapshots.
 *
 *   <prefix><id>        hash: rev, inc, dv, fence, d (encrypted SessionData), created, active, exp, c:<counter>
 *   <prefix><id>:m      list: the message window, each message encrypted on its own
 *   <prefix><id>:lock   string: the lock holder's token (PX lease)
 *   <prefix><id>:q      zset: lock waiters (token -> deadline)
 *   <prefix>#index      zset: session id -> expiry (ms), for counting, listing and cleanup without KEYS
 *   <prefix>#lock-released   pub/sub channel: id of a session whose lock was released while others waited
 *
 * Only integers (revisions, counters, times, fencing tokens) are stored in plaintext; every message, fact,
 * metadata value, token hash and customer id is inside an AES-256-GCM ciphertext bound to its session and field.
 */
import { InternalError } from '../../errors.js';
import type { SessionCodec } from '../crypto.js';
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
export const counterField = (name: CounterName) => `c:${name}`;

/** Additional authenticated data: a ciphertext only decrypts as the field of the session it was made for. */
export const dataAad = (id: string) => `${id}:d`;
export const messageAad = (id: string) => `${id}:m`;

/** A decoded session plus what a compare-and-set needs. */
export interface CachedState {
  revision: number;
  /** Random per creation: tells a session from an earlier one that had the same id. */
  incarnation: string;
  /** `<revision>:<incarnation>`, what Redis compares to confirm a cached copy is current. */
  tag: string;
  dataVersion: string;
  /** The stored ciphertext of `data`, to skip decrypting an unchanged value. */
  blob: string;
  data: SessionData;
  session: Session;
}

/** The `state` reply of readState (see scripts/includes/readState.lua). */
export type StateReply = [tag: string] | [tag: string, hash: string[], messages: string[]];

export function hashRecord(flat: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i]!] = flat[i + 1]!;
  return record;
}

export class StateDecoder {
  constructor(private readonly codec: SessionCodec) {}

  data(id: string, blob: string): SessionData {
    return this.codec.decode<SessionData>(blob, dataAad(id));
  }

  messages(id: string, stored: readonly string[]): SessionMessage[] {
    return stored.map((item) => this.codec.decode<SessionMessage>(item, messageAad(id)));
  }

  /**
   * Builds the state from a hash read in Redis. `known` lists data already decoded (by ciphertext) and
   * `messages` the decoded window when the caller already has it.
   */
  state(id: string, hash: Record<string, string>, messages: readonly SessionMessage[], known: { blob: string; data: SessionData }[] = []): CachedState {
    const blob = hash.d;
    if (blob === undefined || hash.rev === undefined) throw new InternalError('session hash is incomplete');
    const data = known.find((candidate) => candidate.blob === blob)?.data ?? this.data(id, blob);
    const counters = zeroCounters();
    for (const name of COUNTER_NAMES) counters[name] = Number(hash[counterField(name)] ?? 0);
    const revision = Number(hash.rev);
    const incarnation = hash.inc ?? '';
    return {
      revision,
      incarnation,
      tag: `${revision}:${incarnation}`,
      dataVersion: hash.dv ?? '0',
      blob,
      data,
      session: assembleSession({
        id,
        data,
        counters,
        messages,
        createdMs: Number(hash.created),
        activeMs: Number(hash.active),
        expiresMs: Number(hash.exp),
        revision,
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
      dataVersion: string;
      expiresMs: number;
      activeMs: number;
      counters: readonly [CounterName, number][];
      data?: { blob: string; data: SessionData };
      messages: readonly SessionMessage[];
    },
  ): CachedState {
    const counters = { ...base.session.counters };
    for (const [name, value] of write.counters) counters[name] = value;
    const data = write.data ?? base;
    return {
      revision: write.revision,
      incarnation: base.incarnation,
      tag: `${write.revision}:${base.incarnation}`,
      dataVersion: write.dataVersion,
      blob: data.blob,
      data: data.data,
      session: assembleSession({
        id: base.session.id,
        data: data.data,
        counters,
        messages: write.messages,
        createdMs: base.session.createdAt,
        activeMs: write.activeMs,
        expiresMs: write.expiresMs,
        revision: write.revision,
      }),
    };
  }

  /** A full readState reply (three elements) decoded. */
  full(id: string, reply: StateReply, known: { blob: string; data: SessionData }[] = []): CachedState {
    if (reply.length !== 3) throw new InternalError('expected a full session state from redis');
    return this.stored(id, reply[1], reply[2], known);
  }

  /** The state from a flat HGETALL reply and the stored message window. */
  stored(id: string, hash: readonly string[], messages: readonly string[], known: { blob: string; data: SessionData }[] = []): CachedState {
    return this.state(id, hashRecord(hash), this.messages(id, messages), known);
  }
}
