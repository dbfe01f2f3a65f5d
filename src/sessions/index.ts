/**
 * The session layer: `createSessionStore(settings)` picks the store SESSION_STORE_TYPE names. Also exported:
 * locks (`withSessionLock`), tokens, fingerprinting, key rotation and the periodic cleanup.
 */
import type { Redis } from 'ioredis';
import type { Settings } from '../config/index.js';
import { createCodec } from './crypto.js';
import { MemorySessionStore } from './memory/store.js';
import { createSessionRedisClient, waitUntilReady } from './redis/connection.js';
import { RedisSessionStore } from './redis/store.js';
import type { SessionStore } from './types.js';

export * from './types.js';
export type { SessionEvent, SessionEventListener } from './events.js';
export { withSessionLock, type LockedSession, type StagedChanges, type WithLockOptions } from './locks.js';
export { generateSessionId, generateSessionToken, hashToken, isValidSessionId, verifyToken } from './tokens.js';
export { createFingerprinter, Fingerprinter, type FingerprintVerdict } from './fingerprint.js';
export { generateEncryptionKey, KeyRing, parseEncryptionKey, SessionCodec } from './crypto.js';
export { SessionCapacityError } from '../errors.js';
export { rotateKeys, type RotationReport } from './rotate.js';
export { MemorySessionStore } from './memory/store.js';
export { RedisSessionStore } from './redis/store.js';

export type SessionStoreSettings = Pick<Settings, 'sessions' | 'redis'>;

export interface SessionLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

export interface SessionStoreDeps {
  /**
   * Where Redis is: a URL (default settings.redis.url), or a factory called twice (commands, subscriber) whose
   * clients the store then owns. Clients from a factory should fail fast like createSessionRedisClient's.
   */
  redis?: string | (() => Redis);
  logger?: SessionLogger;
}

/**
 * Builds the configured store. With Redis it waits up to REDIS_SOCKET_CONNECT_TIMEOUT for the connection but
 * does not fail when Redis is down: operations then fail fast with SESSION_STORE_UNAVAILABLE until it is back.
 * Throws ConfigError for a bad SESSION_ENCRYPTION_KEY.
 */
export async function createSessionStore(settings: SessionStoreSettings, deps: SessionStoreDeps = {}): Promise<SessionStore> {
  const { sessions, redis } = settings;
  // SESSION_LOCK_RETRY_ATTEMPTS ("times to retry taking a busy session lock") is accepted and bounds nothing:
  // a waiter keeps its place in a FIFO queue until its deadline, SESSION_LOCK_TIMEOUT_SECONDS, and is woken as
  // soon as the lock is released, so a count of attempts has no fixed meaning in time, and giving up after n
  // of them would hand the turn to later arrivals. Nor does it bound compare-and-set retries: its default (3)
  // would turn ordinary contention between instances into SESSION_BUSY (see MAX_CAS_ATTEMPTS in redis/store.ts).
  const common = {
    maxMessages: sessions.maxMessages,
    maxSessions: sessions.maxSessions,
    lockingEnabled: sessions.lockingEnabled,
    lockTimeoutMs: sessions.lockTimeoutMs,
  };
  if (sessions.store === 'memory') return new MemorySessionStore({ ...common, ttlMs: sessions.timeoutMinutes * 60_000 });
  const codec = createCodec(sessions);
  const url = typeof deps.redis === 'string' ? deps.redis : redis.url;
  const connect = (subscriber: boolean): Redis => {
    if (typeof deps.redis === 'function') return deps.redis();
    if (!url) throw new Error('REDIS_URL is required with SESSION_STORE_TYPE=redis');
    // The subscriber may queue its SUBSCRIBE until connected; it issues nothing else.
    return createSessionRedisClient(url, redis, subscriber ? { enableOfflineQueue: true } : {});
  };
  const client = connect(false);
  const subscriber = connect(true);
  let lastLogged = 0;
  const logError = (error: Error) => {
    // While Redis is down every reconnection attempt fails: say so at most every 30 s.
    if (Date.now() - lastLogged < 30_000) return;
    lastLogged = Date.now();
    deps.logger?.warn({ err: error.message }, 'session store: redis connection problem');
  };
  const store = new RedisSessionStore(client, subscriber, {
    ...common,
    ttlMs: sessions.redisTtlSeconds * 1000,
    keyPrefix: sessions.redisKeyPrefix,
    codec,
    l1: { enabled: sessions.l1CacheEnabled, maxSize: sessions.l1CacheSize, ttlMs: sessions.l1CacheTtlMs },
    replyTimeoutMs: redis.socketTimeoutMs,
    ownsConnections: true,
    onError: logError,
  });
  if (!(await waitUntilReady(client, redis.connectTimeoutMs))) {
    deps.logger?.warn({}, 'session store: redis is not answering yet; session requests fail until it does');
  }
  return store;
}
