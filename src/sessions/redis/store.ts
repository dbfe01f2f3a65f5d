/**
 * The Redis session store (SESSION_STORE_TYPE=redis): shared by every instance, encrypted at rest, with an L1
 * cache in front. Every read-modify-write is one Lua script (./scripts); see state.ts for the key layout.
 *
 * Atomicity with encryption: Lua cannot decrypt, so counters, times and fencing tokens live in plaintext hash
 * fields that the scripts change in place, messages are appended one ciphertext each, and the encrypted data
 * blob is replaced by compare-and-set on its version: the client decrypts, applies the patch, encrypts, and the
 * script writes only if the version is unchanged; on conflict it returns the current state and the client tries
 * again without another round trip.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConflictError, SessionBusyError, ValidationError } from '../../errors.js';
import { BaseSessionStore, notFound, staleLock, type StoreConfig } from '../base-store.js';
import type { SessionCodec } from '../crypto.js';
import { L1Cache } from '../l1-cache.js';
import { applyPatch, messageWindow, newSessionData, normalizeChanges, resolvePatch, type SessionData } from '../model.js';
import { generateSessionId, isValidSessionId } from '../tokens.js';
import type {
  CreateSessionInput,
  LockOptions,
  Session,
  SessionChanges,
  SessionLock,
  SessionStoreStats,
  StoreHealth,
  WriteOptions,
} from '../types.js';
import { toStoreError, waitUntilReady } from './connection.js';
import { LockWaiters, type Attempt } from './lock-waiters.js';
import { runScript, type ScriptName } from './scripts.js';
import { KeyedSerial } from './serial.js';
import {
  StateDecoder,
  counterField,
  dataAad,
  hashRecord,
  indexKey,
  lockChannel,
  messageAad,
  sessionKeys,
  type CachedState,
  type StateReply,
} from './state.js';

export interface RedisStoreOptions extends StoreConfig {
  keyPrefix: string;
  codec: SessionCodec;
  l1: { enabled: boolean; maxSize: number; ttlMs: number };
  /** How long the first commands wait for the very first connection (later, commands fail fast). */
  connectTimeoutMs?: number;
  /** Close the connections on close() (true when the store created them). */
  ownsConnections?: boolean;
  onError?: (error: Error) => void;
}

/** Compare-and-set attempts before a write gives up with SESSION_BUSY (each failed attempt means another won). */
const MAX_CAS_ATTEMPTS = 200;
const CLEANUP_BATCH = 500;

type WriteReply =
  | ['OK', rev: string, dv: string, exp: string, ...counters: number[]]
  | ['FULL', hash: string[], messages: string[]]
  | ['NOT_FOUND']
  | ['STALE', string]
  | ['CONFLICT', StateReply | null];
type AcquireReply = ['OK', number, StateReply] | ['WAIT', number, string] | ['NOT_FOUND'];

export class RedisSessionStore extends BaseSessionStore {
  readonly kind = 'redis' as const;
  private readonly l1: L1Cache<CachedState>;
  private readonly decoder: StateDecoder;
  private readonly waiters: LockWaiters;
  private readonly index: string;
  private readonly channel: string;
  /** Settles once the first connection is up (or its wait has run out); until then commands wait for it. */
  private firstConnection: Promise<unknown> | undefined;
  private readonly patchWriters = new KeyedSerial();

  constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis | undefined,
    private readonly options: RedisStoreOptions,
  ) {
    super(options);
    this.l1 = new L1Cache(options.l1);
    this.decoder = new StateDecoder(options.codec);
    this.index = indexKey(options.keyPrefix);
    this.channel = lockChannel(options.keyPrefix);
    const onError = options.onError ?? (() => undefined);
    // Connection errors surface through the calls (SESSION_STORE_UNAVAILABLE); listening keeps ioredis quiet.
    for (const connection of [client, subscriber]) connection?.on('error', onError);
    this.waiters = new LockWaiters(subscriber, this.channel, onError);
    if (client.status !== 'ready') {
      this.firstConnection = waitUntilReady(client, options.connectTimeoutMs ?? 2000).finally(() => {
        this.firstConnection = undefined;
      });
    }
  }

  get keyPrefix(): string {
    return this.options.keyPrefix;
  }

  get codec(): SessionCodec {
    return this.options.codec;
  }

  private keys(id: string) {
    return sessionKeys(this.options.keyPrefix, id);
  }

  /** Runs a Redis call, mapping failures onto the error catalogue (SESSION_STORE_UNAVAILABLE when unreachable). */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.firstConnection) await this.firstConnection;
    try {
      return await fn();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private run<T>(name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
    return this.call(() => runScript(this.client, name, keys, args) as Promise<T>);
  }

  /** Turns a readState reply into the current state (the cached one when its revision is current). */
  private absorb(id: string, reply: StateReply | null, cached: CachedState | undefined): CachedState | null {
    if (!reply) {
      this.l1.delete(id);
      return null;
    }
    if (reply.length === 1) {
      if (reply[0] !== cached?.tag) throw new Error('redis confirmed a version this store does not hold');
      this.l1.recordHit();
      return cached;
    }
    this.l1.recordMiss();
    const state = this.decoder.full(id, reply, cached ? [cached] : []);
    this.l1.set(id, state);
    return state;
  }

  /**
   * The current state. With a cached copy, a plain HMGET of its version confirms it (about the cheapest
   * command there is: a hit costs no script, no payload, no decryption); otherwise, or when it moved on, the
   * load script reads everything in one step.
   */
  private async current(id: string): Promise<CachedState | null> {
    const cached = this.l1.peek(id);
    const { hash, messages } = this.keys(id);
    if (cached) {
      const [rev, inc] = await this.call(() => this.client.hmget(hash, 'rev', 'inc'));
      if (`${rev}:${inc ?? ''}` === cached.tag) {
        this.l1.recordHit();
        return cached;
      }
    }
    const reply = await this.run<StateReply | null>('load', [hash, messages], [cached?.tag ?? '']);
    return this.absorb(id, reply, cached);
  }

  async get(id: string): Promise<Session | null> {
    if (!isValidSessionId(id)) return null;
    return (await this.current(id))?.session ?? null;
  }

  async create(input: CreateSessionInput): Promise<Session> {
    const id = input.id ?? generateSessionId();
    if (!isValidSessionId(id)) throw new ValidationError('session ids are 1-128 characters of [A-Za-z0-9_-]');
    const data = newSessionData(input);
    const now = Date.now();
    const blob = this.codec.encode(data, dataAad(id));
    const expires = String(now + this.options.ttlMs);
    const inc = randomBytes(8).toString('hex');
    const created = await this.run<number>('create', [this.keys(id).hash, this.index], [id, blob, now, expires, inc]);
    if (created !== 1) throw new ConflictError('a session with this id already exists');
    const state = this.decoder.state(
      id,
      { rev: '1', inc, dv: '1', d: blob, created: String(now), active: String(now), exp: expires },
      [],
      [{ blob, data }],
    );
    this.l1.set(id, state);
    return state.session;
  }

  commit(id: string, changes: SessionChanges, options: WriteOptions = {}): Promise<Session> {
    return this.write(id, changes, options.fence, '');
  }

  /**
   * One atomic write, optionally releasing the lock `unlockToken`. Writes that patch the data are queued per
   * session within this instance (see serial.ts) and retried on compare-and-set conflicts with other instances.
   */
  private write(id: string, changes: SessionChanges, fence: number | undefined, unlockToken: string): Promise<Session> {
    const attempt = () => this.writeNow(id, changes, fence, unlockToken);
    return changes.patch === undefined ? attempt() : this.patchWriters.run(id, attempt);
  }

  private async writeNow(id: string, changes: SessionChanges, fence: number | undefined, unlockToken: string): Promise<Session> {
    if (!isValidSessionId(id)) throw notFound(id);
    const now = Date.now();
    const normalized = normalizeChanges(changes, now);
    const appended = normalized.messages.map((message) => this.codec.encode(message, messageAad(id)));
    const counters = normalized.increments.flatMap(([name, by]) => [counterField(name), String(by)]);
    const keys = this.keys(id);
    let state = this.l1.peek(id) ?? (normalized.patch === undefined ? undefined : ((await this.current(id)) ?? undefined));
    if (normalized.patch !== undefined && !state) throw notFound(id);

    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
      let sent: { blob: string; data: SessionData } | undefined;
      const patch = state && resolvePatch(normalized.patch, state.session);
      if (state && patch) {
        const data = applyPatch(state.data, patch);
        sent = { blob: this.codec.encode(data, dataAad(id)), data };
      }
      const reply = await this.run<WriteReply>('write', [keys.hash, keys.messages, keys.lock, keys.queue, this.index], [
        id,
        now,
        fence ?? '',
        sent ? state!.dataVersion : '',
        sent?.blob ?? '',
        normalized.touch ? now + this.options.ttlMs : '',
        this.options.maxMessages,
        unlockToken,
        this.channel,
        state?.tag ?? '',
        normalized.increments.length,
        ...counters,
        ...appended,
      ]);
      switch (reply[0]) {
        case 'OK': {
          const [, rev, dv, exp, ...values] = reply;
          const next = this.decoder.advance(state!, {
            revision: Number(rev),
            dataVersion: dv,
            expiresMs: Number(exp),
            activeMs: now,
            counters: normalized.increments.map(([name], i) => [name, Number(values[i])]),
            data: sent,
            messages:
              normalized.messages.length > 0
                ? messageWindow(state!.session.messages, normalized.messages, this.options.maxMessages)
                : state!.session.messages,
          });
          this.l1.set(id, next);
          return next.session;
        }
        case 'FULL': {
          const next = this.decoder.stored(id, reply[1], reply[2], [...(sent ? [sent] : []), ...(state ? [state] : [])]);
          this.l1.set(id, next);
          return next.session;
        }
        case 'CONFLICT':
          state = this.absorb(id, reply[1], state) ?? undefined;
          if (!state) throw notFound(id);
          continue;
        case 'STALE':
          throw staleLock(id, fence ?? 0, Number(reply[1]));
        case 'NOT_FOUND':
          this.l1.delete(id);
          throw notFound(id);
      }
    }
    throw new SessionBusyError('session is busy: too many concurrent writers', { details: { sessionId: id } });
  }

  async delete(id: string): Promise<boolean> {
    if (!isValidSessionId(id)) return false;
    const { hash, messages, lock, queue } = this.keys(id);
    const existed = await this.run<number>('delete', [hash, messages, lock, queue, this.index], [id, this.channel]);
    this.l1.delete(id);
    return existed === 1;
  }

  async *ids(): AsyncIterable<string> {
    let cursor = '0';
    do {
      let page: string[];
      [cursor, page] = await this.call(() => this.client.zscan(this.index, cursor, 'COUNT', 500));
      const now = Date.now();
      for (let i = 0; i + 1 < page.length; i += 2) if (Number(page[i + 1]) > now) yield page[i]!;
    } while (cursor !== '0');
  }

  async cleanupExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.run<number>('cleanup', [this.index], [this.options.keyPrefix, Date.now(), CLEANUP_BATCH]);
      total += removed;
      if (removed < CLEANUP_BATCH) return total;
    }
  }

  async stats(): Promise<SessionStoreStats> {
    const activeSessions = await this.call(() => this.client.zcount(this.index, `(${Date.now()}`, '+inf'));
    return {
      store: 'redis',
      activeSessions,
      l1: this.l1.stats(),
      encryption: this.codec.encrypting,
      locking: this.lockingEnabled,
    };
  }

  async health(): Promise<StoreHealth> {
    const started = performance.now();
    try {
      await this.call(() => this.client.ping());
      return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    } catch (error) {
      return { ok: false, error: `redis: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    this.waiters.close();
    this.l1.clear();
    if (!this.options.ownsConnections) return;
    await Promise.all(
      [this.client, this.subscriber].map(async (connection) => {
        if (!connection) return;
        await connection.quit().catch(() => connection.disconnect());
      }),
    );
  }

  protected async lockSession(id: string, { waitMs, leaseMs }: Required<LockOptions>): Promise<SessionLock> {
    if (!isValidSessionId(id)) throw notFound(id);
    const keys = this.keys(id);
    const token = randomBytes(16).toString('hex');
    const attempt = async (entry: string): Promise<Attempt<SessionLock>> => {
      const cached = this.l1.peek(id);
      const reply = await this.run<AcquireReply>('lockAcquire', [keys.lock, keys.queue, keys.hash, keys.messages], [
        token,
        leaseMs,
        waitMs,
        cached?.tag ?? '',
        entry,
      ]);
      if (reply[0] === 'WAIT') return { lockTtlMs: reply[1], entry: reply[2] };
      const state = reply[0] === 'OK' ? this.absorb(id, reply[2], cached) : null;
      if (!state || reply[0] !== 'OK') throw notFound(id);
      return { taken: this.heldLock(id, token, reply[1], leaseMs, state.session) };
    };
    return this.waiters.takeTurn(id, waitMs, attempt, (entry) => this.client.zrem(keys.queue, entry));
  }

  private heldLock(id: string, token: string, fence: number, leaseMs: number, session: Session): SessionLock {
    const keys = this.keys(id);
    const release = () => this.run<number>('lockRelease', [keys.lock, keys.queue], [token, this.channel, id]);
    const lock: SessionLock = {
      sessionId: id,
      token,
      fence,
      leaseMs,
      session,
      extend: async (ms = lock.leaseMs) => {
        const extended = (await this.run<number>('lockExtend', [keys.lock], [token, ms])) === 1;
        if (extended) (lock as { leaseMs: number }).leaseMs = ms;
        return extended;
      },
      release: async (changes) => {
        if (!changes) {
          await release();
          return null;
        }
        try {
          return await this.write(id, changes, fence, token);
        } catch (error) {
          await release().catch(() => undefined);
          throw error;
        }
      },
    };
    return lock;
  }

  /**
   * Re-encrypts the session under the primary key if any part of it is not (key rotation). True when rewritten.
   */
  async reencrypt(id: string): Promise<boolean> {
    const keys = this.keys(id);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
      const reply = await this.run<StateReply | null>('load', [keys.hash, keys.messages], ['']);
      if (!reply || reply.length !== 3) return false;
      const hash = hashRecord(reply[1]);
      if (!this.codec.needsRewrite(hash.d ?? '') && !reply[2].some((item) => this.codec.needsRewrite(item))) return false;
      const data = this.decoder.data(id, hash.d ?? '');
      const messages = this.decoder.messages(id, reply[2]);
      const result = await this.run<number>('reencrypt', [keys.hash, keys.messages], [
        reply[0],
        this.codec.encode(data, dataAad(id)),
        ...messages.map((message) => this.codec.encode(message, messageAad(id))),
      ]);
      if (result !== 0) {
        this.l1.delete(id);
        return result === 1;
      }
    }
    throw new SessionBusyError('session changed too often to re-encrypt', { details: { sessionId: id } });
  }
}
