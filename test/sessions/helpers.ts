/** Building session stores for tests: directly from options (so TTLs can be shorter than settings allow). */
import { Redis } from 'ioredis';
import { REDIS_TEST_URL, uniqueRedisPrefix } from '../helpers/services.js';
import { generateEncryptionKey, SessionCodec, KeyRing } from '../../src/sessions/crypto.js';
import { MemorySessionStore } from '../../src/sessions/memory/store.js';
import { createSessionRedisClient } from '../../src/sessions/redis/connection.js';
import { RedisSessionStore } from '../../src/sessions/redis/store.js';

export interface TestStoreOptions {
  ttlMs?: number;
  maxMessages?: number;
  lockTimeoutMs?: number;
  lockingEnabled?: boolean;
}

export type StoreFactory = (options?: TestStoreOptions) => Promise<MemorySessionStore | RedisSessionStore>;

const defaults = (options: TestStoreOptions) => ({
  ttlMs: options.ttlMs ?? 60_000,
  maxMessages: options.maxMessages ?? 50,
  lockTimeoutMs: options.lockTimeoutMs ?? 2_000,
  lockingEnabled: options.lockingEnabled ?? true,
});

export function makeMemoryStore(options: TestStoreOptions & { maxSessions?: number } = {}): MemorySessionStore {
  return new MemorySessionStore({ ...defaults(options), maxSessions: options.maxSessions ?? 1000 });
}

export const TEST_KEYS = [generateEncryptionKey(), generateEncryptionKey()] as const;

export interface RedisTestOptions extends TestStoreOptions {
  maxSessions?: number;
  prefix?: string;
  url?: string;
  /** Encryption key ring; null turns encryption off. Default: TEST_KEYS[0]. */
  keys?: readonly string[] | null;
  l1?: boolean;
  socketTimeoutMs?: number;
}

export function makeRedisStore(options: RedisTestOptions = {}): RedisSessionStore {
  const url = options.url ?? REDIS_TEST_URL;
  const redis = { url, password: undefined, socketTimeoutMs: options.socketTimeoutMs ?? 2000, connectTimeoutMs: 2000 };
  const keys = options.keys === undefined ? [TEST_KEYS[0]] : options.keys;
  return new RedisSessionStore(createSessionRedisClient(url, redis), createSessionRedisClient(url, redis, { enableOfflineQueue: true }), {
    ...defaults(options),
    keyPrefix: options.prefix ?? uniqueRedisPrefix('sessions'),
    codec: new SessionCodec(keys ? new KeyRing(keys) : null),
    l1: { enabled: options.l1 ?? true, maxSize: 100, ttlMs: 60_000 },
    maxSessions: options.maxSessions ?? 10_000,
    replyTimeoutMs: redis.socketTimeoutMs,
    ownsConnections: true,
  });
}

/** Every key under `prefix` (SCAN: fine in tests), and a way to delete them. */
export async function keysUnder(prefix: string, url = REDIS_TEST_URL): Promise<string[]> {
  const client = new Redis(url);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...page);
    } while (cursor !== '0');
    return found;
  } finally {
    client.disconnect();
  }
}

export async function dropKeys(prefix: string, url = REDIS_TEST_URL): Promise<void> {
  const keys = await keysUnder(prefix, url);
  if (keys.length === 0) return;
  const client = new Redis(url);
  try {
    await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `count` callers wait in the Redis lock queue of session `id` (so arrival order is certain). */
export async function untilQueued(prefix: string, id: string, count: number, url = REDIS_TEST_URL): Promise<void> {
  const client = new Redis(url);
  try {
    const deadline = Date.now() + 5000;
    while ((await client.zcard(`${prefix}${id}:q`)) < count) {
      if (Date.now() > deadline) throw new Error(`fewer than ${count} lock waiters queued for ${id}`);
      await sleep(5);
    }
  } finally {
    client.disconnect();
  }
}

export const newSessionInput = (extra: Record<string, unknown> = {}) => ({ tokenHash: 'a'.repeat(64), ...extra });
