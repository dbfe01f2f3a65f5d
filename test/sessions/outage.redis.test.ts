/**
 * Redis going away and coming back, on a redis-server this test starts and stops itself (not the machine's
 * shared one): session calls fail fast with SESSION_STORE_UNAVAILABLE and work again once Redis is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStoreUnavailableError } from '../../src/errors.js';
import { withSessionLock } from '../../src/sessions/locks.js';
import type { RedisSessionStore } from '../../src/sessions/redis/store.js';
import { PrivateRedis, waitFor } from '../helpers/processes.js';
import { makeRedisStore, newSessionInput } from './helpers.js';

describe('redis outage', () => {
  let redis: PrivateRedis;
  let store: RedisSessionStore;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    store = makeRedisStore({ url: redis.url, socketTimeoutMs: 500 });
  });
  afterAll(async () => {
    redis.resume();
    await store?.close();
    await redis.stop();
  });

  it('fails fast while Redis is down and recovers by itself when it returns', async () => {
    const { id } = await store.create(newSessionInput());
    await store.appendMessage(id, { role: 'user', content: 'before the outage' });
    expect(await store.health()).toMatchObject({ ok: true });

    await redis.stop();
    for (const call of [
      () => store.get(id),
      () => store.create(newSessionInput()),
      () => store.increment(id, 'failureCount'),
      () => store.acquireLock(id),
      () => store.stats(),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    }
    const down = await store.health();
    expect(down.ok).toBe(false);

    await redis.start(); // same port; nothing was persisted (--save "")
    await waitFor(async () => (await store.health()).ok, 10_000, 'the store to reconnect');
    // Scripts are loaded again on first use (EVALSHA falls back to EVAL after NOSCRIPT).
    const session = await store.create(newSessionInput());
    await withSessionLock(store, session.id, async (locked) => {
      locked.stage({ messages: [{ role: 'user', content: 'after the outage' }] });
    });
    expect((await store.get(session.id))!.messages.map((m) => m.content)).toEqual(['after the outage']);
  });

  it('does not hang on a Redis that stops answering: commands time out as unavailable', async () => {
    const { id } = await store.create(newSessionInput());
    redis.pause();
    try {
      await expect(store.get(id)).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      await expect(store.update(id, { status: 'closed' })).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    } finally {
      redis.resume();
    }
    await waitFor(async () => (await store.get(id)) !== null, 10_000, 'the store to answer again');
    expect((await store.update(id, { status: 'closed' })).status).toBe('closed');
  });
});
