/**
 * What both stores share: the single-purpose writes are all `commit` with one kind of change, the lock handed
 * out when locking is disabled, and this instance's listeners of session events.
 */
import { SessionNotFoundError, StaleLockError, ValidationError } from '../errors.js';
import { SessionListeners, type SessionEvent, type SessionEventListener } from './events.js';
import { isCounterName } from './model.js';
import type {
  CounterName,
  CreateSessionInput,
  LockOptions,
  NewSessionMessage,
  PatchInput,
  Session,
  SessionChanges,
  SessionLock,
  SessionStore,
  SessionStoreStats,
  StoreHealth,
  WriteOptions,
} from './types.js';

export interface StoreConfig {
  /** Session lifetime without activity. */
  ttlMs: number;
  maxMessages: number;
  lockingEnabled: boolean;
  /** Default wait for a lock and default lease of a held lock. */
  lockTimeoutMs: number;
}

export abstract class BaseSessionStore implements SessionStore {
  abstract readonly kind: 'memory' | 'redis';
  protected readonly listeners = new SessionListeners();

  protected constructor(protected readonly config: StoreConfig) {}

  get lockingEnabled(): boolean {
    return this.config.lockingEnabled;
  }

  abstract get(id: string): Promise<Session | null>;
  abstract create(input: CreateSessionInput): Promise<Session>;
  abstract commit(id: string, changes: SessionChanges, options?: WriteOptions): Promise<Session>;
  abstract delete(id: string): Promise<boolean>;
  abstract ids(): AsyncIterable<string>;
  abstract cleanupExpired(): Promise<number>;
  abstract stats(): Promise<SessionStoreStats>;
  abstract health(): Promise<StoreHealth>;
  abstract close(): Promise<void>;
  abstract publish(id: string, event: SessionEvent): Promise<void>;
  /** Waits for and takes the session's lock (locking enabled). */
  protected abstract lockSession(id: string, options: Required<LockOptions>): Promise<SessionLock>;

  subscribe(id: string, listener: SessionEventListener): () => void {
    return this.listeners.add(id, listener);
  }

  update(id: string, patch: PatchInput, options?: WriteOptions): Promise<Session> {
    return this.commit(id, { patch }, options);
  }

  async increment(id: string, counter: CounterName, by = 1, options?: WriteOptions): Promise<number> {
    if (!isCounterName(counter)) throw new ValidationError(`unknown session counter "${String(counter)}"`);
    const session = await this.commit(id, { increments: { [counter]: by } }, options);
    return session.counters[counter];
  }

  appendMessage(id: string, message: NewSessionMessage | NewSessionMessage[], options?: WriteOptions): Promise<Session> {
    return this.commit(id, { messages: Array.isArray(message) ? message : [message] }, options);
  }

  touch(id: string): Promise<Session> {
    return this.commit(id, { touch: true });
  }

  async acquireLock(id: string, options: LockOptions = {}): Promise<SessionLock> {
    const waitMs = options.waitMs ?? this.config.lockTimeoutMs;
    const leaseMs = options.leaseMs ?? this.config.lockTimeoutMs;
    if (waitMs < 0 || leaseMs <= 0) throw new ValidationError('lock wait must be >= 0 ms and lease > 0 ms');
    if (this.config.lockingEnabled) return this.lockSession(id, { waitMs, leaseMs });
    const session = await this.get(id);
    if (!session) throw notFound(id);
    return {
      sessionId: id,
      token: '',
      fence: 0,
      leaseMs,
      session,
      extend: async () => true,
      release: async (changes) => (changes ? this.commit(id, changes) : null),
    };
  }
}

export function notFound(id: string): SessionNotFoundError {
  return new SessionNotFoundError('session not found', { details: { sessionId: id } });
}

export function staleLock(id: string, fence: number, newest: number): StaleLockError {
  return new StaleLockError('the lock this write was made under has expired and been taken by another writer', {
    details: { sessionId: id, fence, newestFence: newest },
  });
}
