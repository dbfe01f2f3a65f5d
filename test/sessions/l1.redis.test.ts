/** The L1 cache never serves a state older than another instance's acknowledged write. */
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisSessionStore } from '../../src/sessions/redis/store.js';
import { uniqueRedisPrefix } from '../helpers/services.js';
import { dropKeys, makeRedisStore, newSessionInput } from './helpers.js';

describe('L1 cache across two instances', () => {
  let prefix = '';
  let stores: RedisSessionStore[] = [];
  const pair = () => {
    prefix = uniqueRedisPrefix('l1');
    stores = [makeRedisStore({ prefix }), makeRedisStore({ prefix })];
    return stores as [RedisSessionStore, RedisSessionStore];
  };
  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await dropKeys(prefix);
  });

  it('serves repeat reads from L1 and sees every write of the other instance at once', async () => {
    const [a, b] = pair();
    const { id } = await b.create(newSessionInput());
    await a.get(id); // miss: loads and caches
    await a.get(id); // hit: Redis confirms the cached revision
    expect((await a.stats()).l1).toMatchObject({ enabled: true, size: 1, hits: 1, misses: 1, hitRate: 0.5 });

    for (let i = 0; i < 20; i += 1) {
      await b.update(id, { metadata: { step: i } });
      expect((await a.get(id))!.metadata.step).toBe(i);
      await b.appendMessage(id, { role: 'user', content: `m${i}` });
      expect((await a.get(id))!.messages.at(-1)!.content).toBe(`m${i}`);
      await b.increment(id, 'failureCount');
      expect((await a.get(id))!.counters.failureCount).toBe(i + 1);
    }
    await b.delete(id);
    expect(await a.get(id)).toBeNull();
    expect((await a.stats()).l1.size).toBe(0);
  });

  it('a patch computed from a stale cached copy is re-applied to the current state', async () => {
    const [a, b] = pair();
    const { id } = await a.create(newSessionInput());
    await a.get(id);
    await b.update(id, { metadata: { fromB: 1 } });
    const merged = await a.update(id, (current) => ({ metadata: { fromA: Object.keys(current.metadata).length } }));
    expect(merged.metadata).toEqual({ fromB: 1, fromA: 1 });
    expect(await b.get(id)).toEqual(merged);
  });

  it('never mistakes a session created again under the same id for the copy it cached', async () => {
    const [a, b] = pair();
    await b.create(newSessionInput({ id: 'reused-id', metadata: { life: 1 } }));
    await b.update('reused-id', { status: 'human' });
    expect((await a.get('reused-id'))!).toMatchObject({ revision: 2, metadata: { life: 1 } });
    await b.delete('reused-id');
    await b.create(newSessionInput({ id: 'reused-id', metadata: { life: 2 } }));
    await b.update('reused-id', { status: 'human' }); // same revision number as the cached copy
    expect((await a.get('reused-id'))!).toMatchObject({ revision: 2, metadata: { life: 2 } });
    expect((await a.update('reused-id', { metadata: { seenBy: 'a' } })).metadata).toEqual({ life: 2, seenBy: 'a' });
  });

  it('writes made by this instance refresh its own cache without another load', async () => {
    const [a] = pair();
    const { id } = await a.create(newSessionInput());
    await a.update(id, { status: 'human' });
    await a.appendMessage(id, { role: 'agent', content: 'hello' });
    expect(await a.get(id)).toMatchObject({ status: 'human', messages: [{ content: 'hello' }] });
    expect((await a.stats()).l1).toMatchObject({ hits: 1, misses: 0 });
  });
});
