/**
 * The session layer's contract: the live state of one customer conversation, and the one SessionStore interface
 * that the memory and Redis stores implement (test/sessions/conformance.suite.ts runs against both).
 * Sessions know no HTTP and no agent.
 */

import type { SessionEvent, SessionEventListener } from './events.js';

export const SESSION_STATUSES = ['active', 'waiting_for_human', 'human', 'resolved', 'closed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const MESSAGE_ROLES = ['user', 'assistant', 'agent', 'system', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** Counters kept per session; each is updated atomically (no lost increments under concurrency). */
export const COUNTER_NAMES = ['messageCount', 'escalationCount', 'failureCount', 'toolCallCount', 'tokenCount'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type SessionCounters = Readonly<Record<CounterName, number>>;

export interface SessionMessage {
  readonly role: MessageRole;
  readonly content: string;
  /** ISO-8601 time the message was appended (or the time given by the caller). */
  readonly at: string;
}

/** A message to append; `at` defaults to now. */
export interface NewSessionMessage {
  role: MessageRole;
  content: string;
  at?: string | Date;
}

/** Live session state. Objects returned by a store are deeply frozen snapshots: change them through the store. */
export interface Session {
  readonly id: string;
  /** SHA-256 of the bearer token (see tokens.ts); the token itself is never stored. */
  readonly tokenHash: string;
  readonly customerId?: string;
  readonly conversationId?: string;
  /** Keyed hash of client IP and User-Agent bound at creation (see fingerprint.ts). */
  readonly fingerprint?: string;
  readonly status: SessionStatus;
  readonly counters: SessionCounters;
  /** The most recent messages, oldest first, at most SESSION_MAX_MESSAGES. */
  readonly messages: readonly SessionMessage[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly lastActivityAt: string;
  readonly expiresAt: string;
  /** Increases with every change to the session; usable as an ETag. */
  readonly revision: number;
}

export interface CreateSessionInput {
  /** Defaults to a random UUID. Ids are 1-128 characters of [A-Za-z0-9_-]. */
  id?: string;
  tokenHash: string;
  customerId?: string;
  conversationId?: string;
  fingerprint?: string;
  status?: SessionStatus;
  metadata?: Record<string, unknown>;
}

/**
 * A change to the session's fields. `null` clears an optional field. `metadata` is merged key by key into the
 * current metadata (a key set to `null` is removed), like a JSON Merge Patch one level deep.
 */
export interface SessionPatch {
  customerId?: string | null;
  conversationId?: string | null;
  fingerprint?: string | null;
  status?: SessionStatus;
  metadata?: Record<string, unknown>;
}

/** A patch, or a function computing it from the current state (called again if a concurrent write wins). */
export type PatchInput = SessionPatch | ((current: Session) => SessionPatch | undefined);

/** Everything one atomic write may do. Appending n messages also adds n to `messageCount`. */
export interface SessionChanges {
  patch?: PatchInput;
  increments?: Partial<Record<CounterName, number>>;
  messages?: NewSessionMessage[];
  /** Extend the expiry to now + TTL (other writes keep the remaining TTL). */
  touch?: boolean;
}

export interface WriteOptions {
  /**
   * The fencing token of the lock this write is made under. The store refuses (StaleLockError) a write whose
   * token is older than the newest one handed out for the session.
   */
  fence?: number;
}

export interface LockOptions {
  /** How long to wait for the lock before SessionBusyError (default SESSION_LOCK_TIMEOUT_SECONDS). */
  waitMs?: number;
  /** How long the lock is held unless extended or released (default SESSION_LOCK_TIMEOUT_SECONDS). */
  leaseMs?: number;
}

/** A held session lock. Waiters are served in arrival order. */
export interface SessionLock {
  readonly sessionId: string;
  readonly token: string;
  /** Fencing token: strictly increasing per session with every acquisition; 0 when locking is disabled. */
  readonly fence: number;
  /** The lease this lock was taken (or last extended) with. */
  readonly leaseMs: number;
  /** The session as it was when the lock was acquired. */
  readonly session: Session;
  /** Extends the lease; false when the lock is no longer ours (it expired and may be held by someone else). */
  extend(leaseMs?: number): Promise<boolean>;
  /**
   * Releases the lock. With `changes`, writes them (fenced) and releases in one atomic step and returns the
   * session after the write; otherwise returns null.
   */
  release(changes?: SessionChanges): Promise<Session | null>;
}

export interface L1Stats {
  enabled: boolean;
  size: number;
  maxSize: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses), 0 before the first lookup. */
  hitRate: number;
}

export interface SessionStoreStats {
  store: 'memory' | 'redis';
  activeSessions: number;
  l1: L1Stats;
  encryption: boolean;
  locking: boolean;
}

export type StoreHealth = { ok: true; latencyMs: number } | { ok: false; error: string };

export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  readonly lockingEnabled: boolean;

  /** Tells every listener of the session, on every instance sharing the store, what happened (see events.ts). */
  publish(id: string, event: SessionEvent): Promise<void>;
  /** Listens to the session's events on this instance; returns the function that stops listening. */
  subscribe(id: string, listener: SessionEventListener): () => void;

  /** The session, or null when it does not exist, has expired, or the id is malformed. */
  get(id: string): Promise<Session | null>;
  create(input: CreateSessionInput): Promise<Session>;
  /** Applies a patch atomically (compare-and-set; a function patch is re-run on conflict). */
  update(id: string, patch: PatchInput, options?: WriteOptions): Promise<Session>;
  /** Adds `by` (default 1) to a counter atomically and returns the new value. */
  increment(id: string, counter: CounterName, by?: number, options?: WriteOptions): Promise<number>;
  /** Appends to the bounded message window (the oldest messages fall out past SESSION_MAX_MESSAGES). */
  appendMessage(id: string, message: NewSessionMessage | NewSessionMessage[], options?: WriteOptions): Promise<Session>;
  /** Applies several changes in one atomic write. */
  commit(id: string, changes: SessionChanges, options?: WriteOptions): Promise<Session>;
  /** Extends the session's expiry to now + TTL and records activity. */
  touch(id: string): Promise<Session>;
  /** True when a session was deleted. */
  delete(id: string): Promise<boolean>;
  /** Ids of the sessions in the store (unexpired at the time each is listed). */
  ids(): AsyncIterable<string>;
  /** Removes expired sessions and returns how many were removed. */
  cleanupExpired(): Promise<number>;
  /**
   * Waits (FIFO, up to `waitMs`) for the session's lock; SessionBusyError past that, SessionNotFoundError when
   * the session does not exist. When locking is disabled, returns at once a lock that fences nothing.
   */
  acquireLock(id: string, options?: LockOptions): Promise<SessionLock>;
  stats(): Promise<SessionStoreStats>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
