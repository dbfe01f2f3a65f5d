import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config/index.js';
import { createSessionStore, generateEncryptionKey, SessionCapacityError } from '../../src/sessions/index.js';
import { RedisSessionStore } from '../../src/sessions/redis/store.js';
import { REDIS_TEST_URL, uniqueRedisPrefix } from '../helpers/services.js';
import { runSessionStoreConformance } from './conformance.suite.js';
import { dropKeys, keysUnder, makeRedisStore, newSessionInput, sleep, untilQueued } from './helpers.js';

runSessionStoreConformance('redis', {
  make: (options) => makeRedisStore(options),
  dispose: async (store) => {
    await store.close();
    await dropKeys((store as RedisSessionStore).keyPrefix);
  },
  untilQueued: (store, id, count) => untilQueued((store as RedisSessionStore).keyPrefix, id, count),
});

describe('redis session store', () => {
  it("delivers session events to every instance's listeners, once each, without message text in Redis", async () => {
    const prefix = uniqueRedisPrefix('events');
    const [one, two] = [makeRedisStore({ prefix }), makeRedisStore({ prefix })];
    const { Redis } = await import('ioredis');
    const spy = new Redis(REDIS_TEST_URL);
    try {
      const session = await one.create(newSessionInput());
      const heard: string[] = [];
      one.subscribe(session.id, (event) => heard.push(`one:${event.type}`));
      two.subscribe(session.id, (event) => heard.push(`two:${event.type}`));
      const onChannel: string[] = [];
      spy.on('message', (_channel: string, message: string) => onChannel.push(message));
      await spy.subscribe(`${prefix}#events`);
      // Both stores' subscriptions land asynchronously: publish until each has heard one.
      for (let i = 0; i < 100 && !(heard.includes('one:resolved') && heard.includes('two:resolved')); i++) {
        await two.publish(session.id, { type: 'resolved' });
        await sleep(20);
      }
      heard.length = 0;

      await two.publish(session.id, { type: 'agent_message', messageId: 'msg-7', author: 'Sam' });
      for (let i = 0; i < 100 && heard.length < 2; i++) await sleep(10);
      await sleep(50);
      expect(heard.sort()).toEqual(['one:agent_message', 'two:agent_message']);
      expect(onChannel.at(-1)).toBe(JSON.stringify({ sessionId: session.id, event: { type: 'agent_message', messageId: 'msg-7', author: 'Sam' } }));
    } finally {
      spy.disconnect();
      await Promise.all([one.close(), two.close()]);
      await dropKeys(prefix);
    }
  });

  it('is what createSessionStore builds from the settings, keys under REDIS_SESSION_KEY_PREFIX with the TTL', async () => {
    const prefix = uniqueRedisPrefix('factory');
    const settings = loadSettings({
      SESSION_STORE_TYPE: 'redis',
      REDIS_URL: REDIS_TEST_URL,
      REDIS_SESSION_KEY_PREFIX: prefix,
      REDIS_SESSION_TTL_SECONDS: '120',
      SESSION_ENCRYPTION_KEY: generateEncryptionKey(),
    });
    const store = await createSessionStore(settings);
    try {
      expect(store).toBeInstanceOf(RedisSessionStore);
      const session = await store.create(newSessionInput());
      await store.appendMessage(session.id, { role: 'user', content: 'hi' });
      await store.update(session.id, { metadata: { a: 1 } });
      const keys = await keysUnder(prefix);
      expect(keys.sort()).toEqual([`${prefix}#index`, `${prefix}${session.id}`, `${prefix}${session.id}:m`].sort());
      const { Redis } = await import('ioredis');
      const raw = new Redis(REDIS_TEST_URL);
      for (const key of [`${prefix}${session.id}`, `${prefix}${session.id}:m`]) {
        const ttl = await raw.pttl(key);
        expect(ttl).toBeGreaterThan(115_000);
        expect(ttl).toBeLessThanOrEqual(120_000);
      }
      raw.disconnect();
      expect(await store.stats()).toMatchObject({ store: 'redis', activeSessions: 1, encryption: true, locking: true });
    } finally {
      await store.close();
      await dropKeys(prefix);
    }
  });

  it('holds at most SESSION_MAX_SESSIONS live sessions: create refuses with 503 SESSION_CAPACITY, expired ones do not count', async () => {
    const store = makeRedisStore({ maxSessions: 2, ttlMs: 300 });
    try {
      const [first] = await Promise.all([store.create(newSessionInput()), store.create(newSessionInput())]);
      const refused = await store.create(newSessionInput()).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SessionCapacityError);
      expect(refused).toMatchObject({ code: 'SESSION_CAPACITY', statusCode: 503, retryable: true });
      expect(await keysUnder(store.keyPrefix)).toHaveLength(3); // two hashes and the index: nothing written
      expect(await store.delete(first!.id)).toBe(true);
      await store.create(newSessionInput());
      await sleep(350); // both expire; cleanup has not run, yet they no longer count
      await Promise.all([store.create(newSessionInput()), store.create(newSessionInput())]);
      await expect(store.create(newSessionInput())).rejects.toBeInstanceOf(SessionCapacityError);
    } finally {
      await store.close();
      await dropKeys(store.keyPrefix);
    }
  });

  it('refuses to start with a malformed encryption key, naming the variable but not the key', async () => {
    const settings = loadSettings({
      SESSION_STORE_TYPE: 'redis',
      REDIS_URL: REDIS_TEST_URL,
      SESSION_ENCRYPTION_KEY: `${generateEncryptionKey()},c2hvcnQta2V5`,
    });
    const error = await createSessionStore(settings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/SESSION_ENCRYPTION_KEY: key #2: decodes to 9 bytes/);
    expect((error as Error).message).not.toContain('c2hvcnQta2V5');
  });
});
