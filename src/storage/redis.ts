/**
 * The shared ioredis connection factory. Commands fail fast when Redis is away (bounded retries, no offline
 * queue growth, a command timeout), and the client reconnects by itself when it comes back.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Settings } from '../config/index.js';

export type RedisSettings = Settings['redis'];

/**
 * `onError` receives connection errors (ioredis emits them on every failed reconnect); without a listener
 * ioredis prints each one to stderr as unhandled.
 */
export function createRedisClient(
  settings: RedisSettings,
  overrides: RedisOptions = {},
  onError: (error: Error) => void = () => undefined,
): Redis {
  if (!settings.url) throw new Error('REDIS_URL is not configured');
  const client = new Redis(settings.url, {
    password: settings.password,
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.socketTimeoutMs,
    maxRetriesPerRequest: 1,
    // Queue commands only while the first connection is being made; afterwards a down Redis fails at once.
    enableOfflineQueue: true,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    ...overrides,
  });
  client.on('error', onError);
  return client;
}

/** Connects (if not yet) and pings; rejects with the reason when Redis does not answer. */
export async function pingRedis(client: Redis): Promise<void> {
  if (client.status === 'wait') await client.connect();
  await client.ping();
}
