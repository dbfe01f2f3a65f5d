/**
 * Redis connections for the session store (settings from src/storage/redis.ts: fail fast, heal by themselves),
 * and the mapping of what a Redis call threw onto the error catalogue.
 */
import { AppError, InternalError, SessionStoreUnavailableError } from '../../errors.js';
import { createRedisClient, type RedisSettings } from '../../storage/redis.js';
import type { Redis, RedisOptions } from 'ioredis';

export { waitUntilReady } from '../../storage/redis.js';

/**
 * A client for the session store. Its commands are timed out by the store's reply watchdog (commands.ts) rather
 * than by ioredis's commandTimeout, a timer set and cleared per command.
 */
export function createSessionRedisClient(url: string, redis: RedisSettings, overrides: RedisOptions = {}): Redis {
  return createRedisClient(redis, { commandTimeout: undefined, ...overrides }, () => undefined, url);
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
