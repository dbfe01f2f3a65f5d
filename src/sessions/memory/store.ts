/**
 * The in-memory session store for one process (development, tests, single instance): a bounded LRU of
 * SESSION_MAX_SESSIONS sessions, each expiring SESSION_TIMEOUT_MINUTES after its last touch.
 *
 * Concurrency: every write reads, changes and replaces an entry without awaiting in between, so concurrent async
 * callers cannot interleave inside one write; locks are a FIFO mutex per session with fencing tokens.
 */
import { LRUCache } from 'lru-cache';
import { ConflictError, ValidationError } from '../../errors.js';
import { BaseSessionStore, notFound, staleLock, type StoreConfig } from '../base-store.js';
import { applyChanges, assembleSession, newSessionData, normalizeChanges, zeroCounters } from '../model.js';
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
import type { SessionEvent } from '../events.js';
import { KeyedMutex } from './mutex.js';

export interface MemoryStoreOptions extends StoreConfig {
  maxSessions: number;
}

interface Entry {
  session: Session;
  expiresMs: number;
  /** Newest fencing token handed out for this session. */
  fence: number;
}

export class MemorySessionStore extends BaseSessionStore {
  readonly kind = 'memory' as const;
  private readonly sessions: LRUCache<string, Entry>;
  private readonly mutex = new KeyedMutex();

  constructor(private readonly options: MemoryStoreOptions) {
    super(options);
    this.sessions = new LRUCache<string, Entry>({ max: options.maxSessions });
  }

  async get(id: string): Promise<Session | null> {
    return this.live(id)?.session ?? null;
  }

  /** Delivered after the caller's current step, as the Redis store's would be. */
  async publish(id: string, event: SessionEvent): Promise<void> {
    queueMicrotask(() => this.listeners.deliver(id, event));
  }

  async create(input: CreateSessionInput): Promise<Session> {
    const id = input.id ?? generateSessionId();
    if (!isValidSessionId(id)) throw new ValidationError('session ids are 1-128 characters of [A-Za-z0-9_-]');
    const data = newSessionData(input);
    if (this.live(id)) throw new ConflictError('a session with this id already exists');
    const now = Date.now();
    const expiresMs = now + this.options.ttlMs;
    const session = assembleSession({
      id,
      data,
      counters: zeroCounters(),
      messages: [],
      createdMs: now,
      activeMs: now,
      expiresMs,
      revision: 1,
    });
    this.sessions.set(id, { session, expiresMs, fence: 0 });
    return session;
  }

  async commit(id: string, changes: SessionChanges, options: WriteOptions = {}): Promise<Session> {
    const now = Date.now();
    const normalized = normalizeChanges(changes, now);
    const entry = this.live(id);
    if (!entry) throw notFound(id);
    if (options.fence !== undefined && options.fence < entry.fence) throw staleLock(id, options.fence, entry.fence);
    entry.session = applyChanges(entry.session, normalized, {
      now,
      ttlMs: this.options.ttlMs,
      maxMessages: this.options.maxMessages,
    });
    entry.expiresMs = Date.parse(entry.session.expiresAt);
    return entry.session;
  }

  async delete(id: string): Promise<boolean> {
    const existed = this.live(id) !== undefined;
    if (existed) this.sessions.delete(id);
    return existed;
  }

  async *ids(): AsyncIterable<string> {
    const now = Date.now();
    const ids = [...this.sessions.entries()].filter(([, entry]) => entry.expiresMs > now).map(([id]) => id);
    yield* ids;
  }

  async cleanupExpired(): Promise<number> {
    const now = Date.now();
    const expired = [...this.sessions.entries()].filter(([, entry]) => entry.expiresMs <= now).map(([id]) => id);
    for (const id of expired) this.sessions.delete(id);
    return expired.length;
  }

  async stats(): Promise<SessionStoreStats> {
    const now = Date.now();
    let activeSessions = 0;
    for (const entry of this.sessions.values()) if (entry.expiresMs > now) activeSessions += 1;
    return {
      store: 'memory',
      activeSessions,
      l1: { enabled: false, size: 0, maxSize: 0, hits: 0, misses: 0, hitRate: 0 },
      encryption: false,
      locking: this.lockingEnabled,
    };
  }

  async health(): Promise<StoreHealth> {
    return { ok: true, latencyMs: 0 };
  }

  async close(): Promise<void> {
    this.mutex.clear();
    this.sessions.clear();
  }

  protected async lockSession(id: string, { waitMs, leaseMs }: Required<LockOptions>): Promise<SessionLock> {
    if (!this.live(id)) throw notFound(id);
    const token = await this.mutex.acquire(id, waitMs, leaseMs);
    const entry = this.live(id);
    if (!entry) {
      this.mutex.release(id, token);
      throw notFound(id);
    }
    entry.fence += 1;
    const fence = entry.fence;
    return {
      sessionId: id,
      token,
      fence,
      leaseMs,
      session: entry.session,
      extend: async (ms = leaseMs) => this.mutex.extend(id, token, ms),
      release: async (changes) => {
        try {
          return changes ? await this.commit(id, changes, { fence }) : null;
        } finally {
          this.mutex.release(id, token);
        }
      },
    };
  }

  /** The entry if it exists and has not expired (an expired one is dropped on the way). */
  private live(id: string): Entry | undefined {
    if (!isValidSessionId(id)) return undefined;
    const entry = this.sessions.get(id);
    if (entry && entry.expiresMs <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return entry;
  }
}
