/**
 * The Redis session store (SESSION_STORE_TYPE=redis): shared by every instance, encrypted at rest, with an L1
 * cache in front. Every read-modify-write is one Lua script (./scripts), sent through commands.ts; see state.ts
 * for the key layout and how values are encoded.
 *
 * Atomicity with encryption: Lua cannot decrypt, so counters, times and fencing tokens live in plaintext hash
 * fields that the scripts change in place, messages are appended one ciphertext each, and the encrypted data
 * blob is replaced by compare-and-set on its version: the client decrypts, applies the patch, encrypts, and the
 * script writes only if the version is unchanged; on conflict it returns the current state and the client tries
 * again without another round trip.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConflictError, SessionBusyError, SessionCapacityError, SessionStoreUnavailableError, ValidationError } from '../../errors.js';
import { BaseSessionStore, notFound, staleLock, type StoreConfig } from '../base-store.js';
import type { SessionCodec } from '../crypto.js';
import { parseSessionEvent, type SessionEvent } from '../events.js';
import { L1Cache } from '../l1-cache.js';
import { applyPatch, messageWindow, newSessionData, normalizeChanges, resolvePatch, zeroCounters } from '../model.js';
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
import { CommandChannel } from './commands.js';
import { LockWaiters, type Attempt } from './lock-waiters.js';
import { KeyedSerial } from './serial.js';
import {
  StateCodec,
  counterField,
  indexKey,
  eventChannel,
  lockChannel,
  parseHash,
  replyTag,
  sessionKeys,
  type CachedState,
  type KnownData,
  type StateReply,
} from './state.js';

export interface RedisStoreOptions extends StoreConfig {
  keyPrefix: string;
  codec: SessionCodec;
  l1: { enabled: boolean; maxSize: number; ttlMs: number };
  /** Most live sessions (SESSION_MAX_SESSIONS): create refuses with SESSION_CAPACITY beyond it. */
  maxSessions: number;
  /** How long a command may wait for its reply before the connection is dropped (REDIS_SOCKET_TIMEOUT). */
  replyTimeoutMs: number;
  /** How long the first commands wait for the very first connection (later, commands fail fast; default 2 s). */
  connectTimeoutMs?: number;
  /** Close the connections on close() (true when the store created them). */
  ownsConnections?: boolean;
  onError?: (error: Error) => void;
}

/** Compare-and-set attempts before a write gives up with SESSION_BUSY (each failed attempt means another won). */
const MAX_CAS_ATTEMPTS = 200;
const CLEANUP_BATCH = 500;

/** Replies of write-5.lua and lock-acquire-4.lua, read as Buffers: a status, then integers or stored values. */
type WriteReply =
  | [status: Buffer, rev: number, dv: number, exp: number, ...counters: number[]]
  | [status: Buffer, hash: Buffer[], messages: Buffer[]]
  | [status: Buffer, newestFence: number]
  | [status: Buffer, state: StateReply | null];
type AcquireReply = [status: Buffer, fence: number, state: StateReply] | [status: Buffer, lockTtlMs: number, entry: Buffer];
const status = (reply: [Buffer, ...unknown[]]) => reply[0].toString('latin1');

export class RedisSessionStore extends BaseSessionStore {
  readonly kind = 'redis' as const;
  private readonly l1: L1Cache<CachedState>;
  private readonly values: StateCodec;
  private readonly waiters: LockWaiters;
  /** Set by close(): background clean-ups stop. */
  private closing = false;
  private readonly index: string;
  private readonly channel: string;
  private readonly events: string;
  private readonly redis: CommandChannel;
  private readonly patchWriters = new KeyedSerial();

  constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis | undefined,
    private readonly options: RedisStoreOptions,
  ) {
    super(options);
    this.l1 = new L1Cache(options.l1);
    this.values = new StateCodec(options.codec);
    this.index = indexKey(options.keyPrefix);
    this.channel = lockChannel(options.keyPrefix);
    this.redis = new CommandChannel(client, {
      replyTimeoutMs: options.replyTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
    });
    const onError = options.onError ?? (() => undefined);
    // Connection errors surface through the calls (SESSION_STORE_UNAVAILABLE); listening keeps ioredis quiet.
    for (const connection of [client, subscriber]) connection?.on('error', onError);
    this.waiters = new LockWaiters(subscriber, this.channel, onError);
    this.events = eventChannel(options.keyPrefix);
    if (subscriber) {
      subscriber.on('message', this.onEvent);
      subscriber.subscribe(this.events).catch(onError);
    }
  }

  private readonly onEvent = (channel: string, message: string) => {
    if (channel !== this.events) return;
    const parsed = parseSessionEvent(message);
    if (parsed) this.listeners.deliver(parsed.sessionId, parsed.event);
  };

  /** Every instance hears it through the channel, this one included (so it is delivered once everywhere). */
  async publish(id: string, event: SessionEvent): Promise<void> {
    await this.redis.call((client) => client.publish(this.events, JSON.stringify({ sessionId: id, event })));
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

  /** Turns a readState reply into the current state (the cached one when its revision is current). */
  private absorb(id: string, reply: StateReply | null, cached: CachedState | undefined): CachedState | null {
    if (!reply) {
      this.l1.delete(id);
      return null;
    }
    if (reply.length === 1) {
      if (replyTag(reply) !== cached?.tag) throw new Error('redis confirmed a version this store does not hold');
      this.l1.recordHit();
      return cached;
    }
    this.l1.recordMiss();
    const state = this.values.full(id, reply, cached ? [cached] : []);
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
      const [rev, inc] = await this.redis.call((client) => client.hmget(hash, 'rev', 'inc'));
      if (`${rev}:${inc ?? ''}` === cached.tag) {
        this.l1.recordHit();
        return cached;
      }
    }
    const reply = await this.redis.run<StateReply | null>('load', [hash, messages], [cached?.tag ?? ''], true);
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
    const blob = this.values.encodeData(id, data);
    const expires = now + this.options.ttlMs;
    const inc = randomBytes(8).toString('hex');
    const { maxSessions } = this.options;
    const created = await this.redis.run<number>('create', [this.keys(id).hash, this.index], [id, blob, now, expires, inc, maxSessions]);
    if (created === 0) throw new ConflictError('a session with this id already exists');
    if (created === -1) {
      throw new SessionCapacityError(`the session store is full (SESSION_MAX_SESSIONS=${maxSessions}); try again later`, {
        details: { maxSessions },
      });
    }
    const stored = { revision: 1, incarnation: inc, dataVersion: 1, blob, createdMs: now, activeMs: now, expiresMs: expires };
    const state = this.values.state(id, { ...stored, counters: zeroCounters() }, [], [{ blob, data }]);
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
    if (changes.patch === undefined) return this.writeNow(id, changes, fence, unlockToken);
    return this.patchWriters.run(id, () => this.writeNow(id, changes, fence, unlockToken));
  }

  private async writeNow(id: string, changes: SessionChanges, fence: number | undefined, unlockToken: string): Promise<Session> {
    if (!isValidSessionId(id)) throw notFound(id);
    const now = Date.now();
    const normalized = normalizeChanges(changes, now);
    const appended = normalized.messages.map((message) => this.values.encodeMessage(id, message));
    const counters = normalized.increments.flatMap(([name, by]) => [counterField(name), String(by)]);
    const keys = this.keys(id);
    let state = this.l1.peek(id) ?? (normalized.patch === undefined ? undefined : ((await this.current(id)) ?? undefined));
    if (normalized.patch !== undefined && !state) throw notFound(id);

    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
      let sent: KnownData | undefined;
      const patch = state && resolvePatch(normalized.patch, state.session);
      if (state && patch) {
        const data = applyPatch(state.data, patch);
        sent = { blob: this.values.encodeData(id, data), data };
      }
      const reply = await this.redis.run<WriteReply>('write', [keys.hash, keys.messages, keys.lock, keys.queue, this.index], [
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
      ], true);
      switch (status(reply)) {
        case 'OK': {
          const [, revision, dataVersion, expiresMs, ...values] = reply as [Buffer, number, number, number, ...number[]];
          const next = this.values.advance(state!, {
            revision,
            dataVersion,
            expiresMs,
            activeMs: now,
            counters: normalized.increments.map(([name], i) => [name, values[i]!]),
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
          const [, hash, messages] = reply as [Buffer, Buffer[], Buffer[]];
          const next = this.values.stored(id, hash, messages, [...(sent ? [sent] : []), ...(state ? [state] : [])]);
          this.l1.set(id, next);
          return next.session;
        }
        case 'CONFLICT':
          state = this.absorb(id, (reply as [Buffer, StateReply | null])[1], state) ?? undefined;
          if (!state) throw notFound(id);
          continue;
        case 'STALE':
          throw staleLock(id, fence ?? 0, (reply as [Buffer, number])[1]);
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
    const existed = await this.redis.run<number>('delete', [hash, messages, lock, queue, this.index], [id, this.channel]);
    this.l1.delete(id);
    return existed === 1;
  }

  async *ids(): AsyncIterable<string> {
    let cursor = '0';
    do {
      let page: string[];
      [cursor, page] = await this.redis.call((client) => client.zscan(this.index, cursor, 'COUNT', 500));
      const now = Date.now();
      for (let i = 0; i + 1 < page.length; i += 2) if (Number(page[i + 1]) > now) yield page[i]!;
    } while (cursor !== '0');
  }

  async cleanupExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.redis.run<number>('cleanup', [this.index], [this.options.keyPrefix, Date.now(), CLEANUP_BATCH]);
      total += removed;
      if (removed < CLEANUP_BATCH) return total;
    }
  }

  async stats(): Promise<SessionStoreStats> {
    const activeSessions = await this.redis.call((client) => client.zcount(this.index, `(${Date.now()}`, '+inf'));
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
      await this.redis.call((client) => client.ping());
      return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    } catch (error) {
      return { ok: false, error: `redis: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.waiters.close();
    this.subscriber?.off('message', this.onEvent);
    this.listeners.clear();
    this.redis.close();
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
      const reply = await this.redis
        .run<AcquireReply>('lockAcquire', [keys.lock, keys.queue, keys.hash, keys.messages], [token, leaseMs, waitMs, cached?.tag ?? '', entry], true)
        .catch((error: unknown) => {
          if (error instanceof SessionStoreUnavailableError) this.releaseWhenBack(id, token, leaseMs);
          throw error;
        });
      const outcome = status(reply);
      if (outcome === 'WAIT') return { lockTtlMs: reply[1], entry: (reply[2] as Buffer).toString('latin1') };
      const state = outcome === 'OK' ? this.absorb(id, reply[2] as StateReply, cached) : null;
      if (!state) throw notFound(id);
      return { taken: this.heldLock(id, token, reply[1], leaseMs, state.session) };
    };
    return this.waiters.takeTurn(id, waitMs, attempt, (entry) => this.client.zrem(keys.queue, entry));
  }

  /**
   * An acquisition (or a release) whose answer never came may still run: a frozen Redis executes what its socket holds when it
   * wakes, and the lock would then block the session for a whole lease with nobody to release it. So the token is
   * released (a no-op if it never took the lock) as soon as Redis answers again, for as long as that lease lasts.
   */
  private releaseWhenBack(id: string, token: string, leaseMs: number): void {
    const keys = this.keys(id);
    const until = Date.now() + leaseMs;
    const retry = () => {
      if (this.closing || Date.now() > until) return;
      this.redis.run<number>('lockRelease', [keys.lock, keys.queue], [token, this.channel, id]).catch(() => setTimeout(retry, 250).unref());
    };
    setTimeout(retry, 250).unref();
  }

  private heldLock(id: string, token: string, fence: number, leaseMs: number, session: Session): SessionLock {
    const keys = this.keys(id);
    const release = () =>
      this.redis.run<number>('lockRelease', [keys.lock, keys.queue], [token, this.channel, id]).catch((error: unknown) => {
        // Redis is away: release when it is back rather than leave the next message waiting out the lease.
        if (error instanceof SessionStoreUnavailableError) this.releaseWhenBack(id, token, leaseMs);
        throw error;
      });
    const lock: SessionLock = {
      sessionId: id,
      token,
      fence,
      leaseMs,
      session,
      extend: async (ms = lock.leaseMs) => {
        const extended = (await this.redis.run<number>('lockExtend', [keys.lock], [token, ms])) === 1;
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
      const reply = await this.redis.run<StateReply | null>('load', [keys.hash, keys.messages], [''], true);
      if (!reply || reply.length !== 3) return false;
      const { blob } = parseHash(reply[1]);
      if (!this.values.needsRewrite(blob, reply[2])) return false;
      const data = this.values.data(id, blob);
      const messages = this.values.messages(id, reply[2]);
      const result = await this.redis.run<number>('reencrypt', [keys.hash, keys.messages], [
        replyTag(reply),
        this.values.encodeData(id, data),
        ...messages.map((message) => this.values.encodeMessage(id, message)),
      ]);
      if (result !== 0) {
        this.l1.delete(id);
        return result === 1;
      }
    }
    throw new SessionBusyError('session changed too often to re-encrypt', { details: { sessionId: id } });
  }
}
