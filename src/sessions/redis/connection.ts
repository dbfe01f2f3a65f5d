/**
 * Redis connections for the session store, built to fail fast and heal by themselves: while Redis is away every
 * command is rejected at once (no offline queue) or after REDIS_SOCKET_TIMEOUT at the latest (commandTimeout),
 * and the client keeps reconnecting in the background, so the store works again as soon as Redis is back.
 * Commands in flight when a connection drops are not resent (a resent increment could apply twice): they fail,
 * and the caller, who got no acknowledgement, may retry.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { AppError, InternalError, SessionStoreUnavailableError } from '../../errors.js';
import type { Settings } from '../../config/index.js';

export type RedisSettings = Pick<Settings['redis'], 'url' | 'password' | 'socketTimeoutMs' | 'connectTimeoutMs'>;

/** Longest pause between reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 2000;

export function sessionRedisOptions(redis: RedisSettings, overrides: RedisOptions = {}): RedisOptions {
  return {
    ...(redis.password ? { password: redis.password } : {}),
    connectTimeout: redis.connectTimeoutMs,
    commandTimeout: redis.socketTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS),
    ...overrides,
  };
}

export function createSessionRedisClient(url: string, redis: RedisSettings, overrides: RedisOptions = {}): Redis {
  return new Redis(url, sessionRedisOptions(redis, overrides));
}

/** Resolves true once the client is ready, false if it is not within `timeoutMs` (it keeps trying). */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}

/** Reply errors that mean "Redis cannot serve now", not "this command is wrong". */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MISCONF)\b/;

/** Maps what a Redis call threw onto the catalogue: connection trouble is SESSION_STORE_UNAVAILABLE (503). */
export function toStoreError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === 'ReplyError';
  if (isReply && !UNAVAILABLE_REPLY.test(message)) {
    return new InternalError('session store command failed', { cause: error });
  }
  return new SessionStoreUnavailableError('session store unavailable: redis is not answering', { cause: error });
}
