/**
 * The one home of Redis connection settings. Every client (session store, rate limits, queues) is built to fail
 * fast and heal by itself: while Redis is away a command is rejected at once (no offline queue) or after
 * REDIS_SOCKET_TIMEOUT at the latest (commandTimeout), and the client keeps reconnecting in the background.
 * Commands in flight when a connection drops are not resent (a resent increment could apply twice): they fail,
 * and the caller, who got no acknowledgement, may retry.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Settings } from '../config/index.js';

export type RedisSettings = Pick<Settings['redis'], 'url' | 'password' | 'socketTimeoutMs' | 'connectTimeoutMs'>;

/** Longest pause between reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 2000;

export function redisOptions(settings: RedisSettings, overrides: RedisOptions = {}): RedisOptions {
  return {
    ...(settings.password ? { password: settings.password } : {}),
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.socketTimeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS),
    ...overrides,
  };
}

/**
 * A client for `url` (default REDIS_URL). `onError` receives connection errors (ioredis emits one on every failed
 * reconnect); without a listener ioredis prints each one to stderr as unhandled.
 */
export function createRedisClient(
  settings: RedisSettings,
  overrides: RedisOptions = {},
  onError: (error: Error) => void = () => undefined,
  url = settings.url,
): Redis {
  if (!url) throw new Error('REDIS_URL is not configured');
  const client = new Redis(url, redisOptions(settings, overrides));
  client.on('error', onError);
  return client;
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

/** Waits for the connection (up to the connect timeout) and pings; rejects with the reason when Redis does not answer. */
export async function pingRedis(client: Redis, connectTimeoutMs = 5000): Promise<void> {
  if (client.status !== 'ready' && !(await waitUntilReady(client, connectTimeoutMs))) {
    throw new Error(`no connection within ${connectTimeoutMs} ms`);
  }
  await client.ping();
}
