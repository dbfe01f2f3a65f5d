/** Two store instances on one Redis, as two server processes would be: nothing is lost, stale writers are refused. */
import { afterEach, describe, expect, it } from 'vitest';
import { SessionBusyError, StaleLockError } from '../../src/errors.js';
import { withSessionLock } from '../../src/sessions/locks.js';
import type { RedisSessionStore } from '../../src/sessions/redis/store.js';
import { Redis } from 'ioredis';
import { REDIS_TEST_URL, uniqueRedisPrefix } from '../helpers/services.js';
import { dropKeys, makeRedisStore, newSessionInput, sleep, untilQueued, type RedisTestOptions } from './helpers.js';

describe('redis session store: two instances', () => {
  let prefix = '';
  let stores: RedisSessionStore[] = [];
  const pair = (options: RedisTestOptions = {}) => {
    prefix = uniqueRedisPrefix('concurrency');
    stores = [makeRedisStore({ ...options, prefix }), makeRedisStore({ ...options, prefix })];
    return stores as [RedisSessionStore, RedisSessionStore];
  };
  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await dropKeys(prefix);
  });

  it('200 concurrent increments from two instances end at exactly 200', async () => {
    const [a, b] = pair();
    const { id } = await a.create(newSessionInput());
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).increment(id, 'messageCount')));
    expect((await a.get(id))!.counters.messageCount).toBe(200);
    expect((await b.get(id))!.counters.messageCount).toBe(200);
  });

  it('50 concurrent patches from two instances, each adding its own metadata key, keep all 50 keys', async () => {
    const [a, b] = pair();
    const { id } = await a.create(newSessionInput({ metadata: { base: true } }));
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).update(id, { metadata: { [`key${i}`]: i } })));
    const metadata = (await b.get(id))!.metadata;
    expect(Object.keys(metadata)).toHaveLength(51);
    for (let i = 0; i < 50; i += 1) expect(metadata[`key${i}`]).toBe(i);
  });

  it('concurrent appends and patches interleave without losing either', async () => {
    const [a, b] = pair({ maxMessages: 500 });
    const { id } = await a.create(newSessionInput());
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 ? a.appendMessage(id, { role: 'user', content: `m${i}` }) : b.update(id, { metadata: { [`k${i}`]: i } }),
      ),
    );
    const session = (await a.get(id))!;
    expect(session.messages).toHaveLength(20);
    expect(Object.keys(session.metadata)).toHaveLength(20);
    expect(session.counters.messageCount).toBe(20);
  });

  it('refuses the write of a holder whose lock expired and was taken by the other instance', async () => {
    const [a, b] = pair();
    const { id } = await a.create(newSessionInput());
    const paused = await a.acquireLock(id, { leaseMs: 100 });
    await sleep(200); // "GC pause": the lease runs out
    const next = await b.acquireLock(id);
    expect(next.fence).toBe(paused.fence + 1);
    await next.release({ patch: { status: 'human' }, messages: [{ role: 'agent', content: 'newer' }] });
    await expect(paused.release({ patch: { status: 'resolved' } })).rejects.toBeInstanceOf(StaleLockError);
    await expect(a.appendMessage(id, { role: 'assistant', content: 'late' }, { fence: paused.fence })).rejects.toBeInstanceOf(StaleLockError);
    const session = (await a.get(id))!;
    expect(session.status).toBe('human');
    expect(session.messages.map((m) => m.content)).toEqual(['newer']);
  });

  it('serves waiters of both instances in arrival order, and times out the impatient', async () => {
    const [a, b] = pair({ lockTimeoutMs: 5000 });
    const { id } = await a.create(newSessionInput());
    const holder = await a.acquireLock(id);
    const order: number[] = [];
    const turns: Promise<void>[] = [];
    for (let i = 0; i < 6; i += 1) {
      turns.push(
        withSessionLock(i % 2 ? a : b, id, async (locked) => {
          order.push(i);
          locked.stage({ messages: [{ role: 'user', content: `turn ${i}` }] });
        }),
      );
      await untilQueued(prefix, id, i + 1);
    }
    await expect(b.acquireLock(id, { waitMs: 150 })).rejects.toBeInstanceOf(SessionBusyError);
    await holder.release();
    await Promise.all(turns);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await b.get(id))!.messages.map((m) => m.content)).toEqual(order.map((i) => `turn ${i}`));
  });

  it('a waiter that vanished blocks the queue only until its deadline', async () => {
    const [a, b] = pair();
    const { id } = await a.create(newSessionInput());
    const raw = new Redis(REDIS_TEST_URL);
    const queue = `${prefix}${id}:q`;
    const micros = (ms: number) => String(BigInt(ms) * 1000n);
    // One waiter whose deadline has passed, one that crashed while still entitled to wait 300 ms more.
    await raw.zadd(queue, 1, `${micros(Date.now() - 1000)}:expired`, 2, `${micros(Date.now() + 300)}:crashed`);
    raw.disconnect();
    await expect(b.acquireLock(id, { waitMs: 0 })).rejects.toBeInstanceOf(SessionBusyError);
    const lock = await b.acquireLock(id, { waitMs: 2000 });
    expect(lock.fence).toBe(1);
    await lock.release();
    await expect(a.acquireLock(id, { waitMs: 0 }).then((l) => l.release())).resolves.toBeNull();
  });
});
