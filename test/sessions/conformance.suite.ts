/**
 * The behaviour every SessionStore must have. store.memory.test.ts and store.redis.test.ts run it against each
 * implementation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, SessionBusyError, SessionNotFoundError, StaleLockError, ValidationError } from '../../src/errors.js';
import { withSessionLock } from '../../src/sessions/locks.js';
import type { SessionStore } from '../../src/sessions/types.js';
import { newSessionInput, sleep, type TestStoreOptions } from './helpers.js';

export interface ConformanceTarget {
  make(options?: TestStoreOptions): SessionStore;
  dispose(store: SessionStore): Promise<void>;
  /** Resolves once `count` callers wait for the lock of session `id` (default: at once). */
  untilQueued?(store: SessionStore, id: string, count: number): Promise<void>;
}

/** Waits for `check` to hold (events are delivered asynchronously), failing after two seconds. */
async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a session event');
    await sleep(5);
  }
}

/** Publishes `resolved` to session `id` until its listener has heard one (`expected` shows up in `heard`). */
async function untilHeard(store: SessionStore, id: string, heard: string[], expected: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!heard.includes(expected)) {
    if (Date.now() > deadline) throw new Error('the store never delivered an event');
    await store.publish(id, { type: 'resolved' });
    await sleep(20);
  }
  heard.length = 0;
}

export function runSessionStoreConformance(name: string, target: ConformanceTarget): void {
  describe(`SessionStore conformance: ${name}`, () => {
    const open: SessionStore[] = [];
    const make = (options?: TestStoreOptions) => {
      const store = target.make(options);
      open.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => target.dispose(store)));
    });

    it("delivers a session's events to its listeners only, until they stop listening", async () => {
      const store = make();
      const [a, b] = await Promise.all([store.create(newSessionInput()), store.create(newSessionInput())]);
      const heard: string[] = [];
      const stopA = store.subscribe(a.id, (event) => heard.push(`a:${event.type}`));
      store.subscribe(b.id, (event) => heard.push(`b:${event.type}`));
      await untilHeard(store, b.id, heard, 'b:resolved'); // the store listens (Redis: its SUBSCRIBE has landed)

      await store.publish(a.id, { type: 'agent_message', messageId: 'm-1', author: 'Sam' });
      await store.publish(b.id, { type: 'agent_joined', author: 'Sam' });
      await until(() => heard.includes('b:agent_joined'));
      expect(heard.filter((entry) => entry.startsWith('a:'))).toEqual(['a:agent_message']);

      stopA();
      await store.publish(a.id, { type: 'resolved' });
      await store.publish(b.id, { type: 'agent_message', messageId: 'last', author: 'Sam' });
      await until(() => heard.includes('b:agent_message')); // published after a's: a's has been delivered by now
      expect(heard.filter((entry) => entry.startsWith('a:'))).toEqual(['a:agent_message']);
    });

    it('creates and reads a session', async () => {
      const store = make({ ttlMs: 60_000 });
      const before = Date.now();
      const created = await store.create(newSessionInput({ customerId: 'cust-1', metadata: { plan: 'gold' } }));
      expect(created).toMatchObject({ status: 'active', customerId: 'cust-1', metadata: { plan: 'gold' }, revision: 1, messages: [] });
      expect(created.counters).toEqual({ messageCount: 0, escalationCount: 0, failureCount: 0, toolCallCount: 0, tokenCount: 0 });
      expect(Date.parse(created.expiresAt) - before).toBeGreaterThanOrEqual(59_000);
      expect(await store.get(created.id)).toEqual(created);
      expect(Object.isFrozen(created) && Object.isFrozen(created.metadata)).toBe(true);
    });

    it('returns null for unknown or malformed ids and refuses duplicates', async () => {
      const store = make();
      expect(await store.get('no-such-session')).toBeNull();
      expect(await store.get('../etc/passwd')).toBeNull();
      const created = await store.create(newSessionInput({ id: 'fixed-id' }));
      await expect(store.create(newSessionInput({ id: created.id }))).rejects.toBeInstanceOf(ConflictError);
      await expect(store.create(newSessionInput({ id: 'bad id' }))).rejects.toBeInstanceOf(ValidationError);
      await expect(store.update('missing', { status: 'closed' })).rejects.toBeInstanceOf(SessionNotFoundError);
    });

    it('patches fields, merges metadata and keeps the expiry', async () => {
      const store = make();
      const created = await store.create(newSessionInput({ customerId: 'c', metadata: { a: 1, b: 2 } }));
      await sleep(5);
      const updated = await store.update(created.id, { status: 'waiting_for_human', customerId: null, metadata: { b: null, c: { d: 3 } } });
      expect(updated).toMatchObject({ status: 'waiting_for_human', metadata: { a: 1, c: { d: 3 } }, revision: 2 });
      expect(updated.customerId).toBeUndefined();
      expect(updated.expiresAt).toBe(created.expiresAt);
      expect(Date.parse(updated.lastActivityAt)).toBeGreaterThan(Date.parse(created.lastActivityAt));
      const viaFunction = await store.update(created.id, (current) => ({ metadata: { a: (current.metadata.a as number) + 1 } }));
      expect(viaFunction.metadata.a).toBe(2);
      expect(await store.get(created.id)).toEqual(viaFunction);
      await expect(store.update(created.id, { status: 'bogus' as never })).rejects.toBeInstanceOf(ValidationError);
    });

    it('counts atomically', async () => {
      const store = make();
      const { id } = await store.create(newSessionInput());
      expect(await store.increment(id, 'escalationCount')).toBe(1);
      expect(await store.increment(id, 'escalationCount', 4)).toBe(5);
      expect(await store.increment(id, 'escalationCount', -2)).toBe(3);
      await Promise.all(Array.from({ length: 100 }, () => store.increment(id, 'failureCount')));
      expect((await store.get(id))!.counters.failureCount).toBe(100);
      await expect(store.increment(id, 'nope' as never)).rejects.toBeInstanceOf(ValidationError);
    });

    it('keeps a bounded message window and counts every message', async () => {
      const store = make({ maxMessages: 5 });
      const { id } = await store.create(newSessionInput());
      for (let i = 1; i <= 4; i += 1) await store.appendMessage(id, { role: 'user', content: `m${i}` });
      const after = await store.appendMessage(id, [
        { role: 'assistant', content: 'm5' },
        { role: 'user', content: 'm6' },
        { role: 'assistant', content: 'm7', at: '2024-01-02T03:04:05.000Z' },
      ]);
      expect(after.messages.map((m) => m.content)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
      expect(after.messages[4]!.at).toBe('2024-01-02T03:04:05.000Z');
      expect(after.counters.messageCount).toBe(7);
      expect((await store.get(id))!.messages).toEqual(after.messages);
      await expect(store.appendMessage(id, { role: 'robot' as never, content: 'x' })).rejects.toBeInstanceOf(ValidationError);
    });

    it('commits several changes at once and touches', async () => {
      const store = make({ ttlMs: 60_000 });
      const { id, expiresAt } = await store.create(newSessionInput());
      await sleep(10);
      const committed = await store.commit(id, {
        patch: { metadata: { topic: 'refund' } },
        increments: { toolCallCount: 2 },
        messages: [{ role: 'user', content: 'hello' }],
      });
      expect(committed).toMatchObject({ metadata: { topic: 'refund' }, counters: { toolCallCount: 2, messageCount: 1 }, expiresAt });
      const touched = await store.touch(id);
      expect(Date.parse(touched.expiresAt)).toBeGreaterThan(Date.parse(expiresAt));
    });

    it('deletes', async () => {
      const store = make();
      const { id } = await store.create(newSessionInput());
      expect(await store.delete(id)).toBe(true);
      expect(await store.delete(id)).toBe(false);
      expect(await store.get(id)).toBeNull();
      await expect(store.increment(id, 'messageCount')).rejects.toBeInstanceOf(SessionNotFoundError);
    });

    it('expires sessions, cleans them up and reports counts', async () => {
      const store = make({ ttlMs: 800 });
      const kept = make({ ttlMs: 60_000 });
      const ids = await Promise.all([store.create(newSessionInput()), store.create(newSessionInput())]);
      const live = await kept.create(newSessionInput());
      expect((await store.stats()).activeSessions).toBe(2);
      await sleep(1000);
      expect((await store.stats()).activeSessions).toBe(0);
      expect(await store.cleanupExpired()).toBe(2);
      expect(await store.cleanupExpired()).toBe(0);
      for (const { id } of ids) expect(await store.get(id)).toBeNull();
      const listed: string[] = [];
      for await (const id of kept.ids()) listed.push(id);
      expect(listed).toEqual([live.id]);
    });

    it('reports stats and health', async () => {
      const store = make();
      await store.create(newSessionInput());
      const stats = await store.stats();
      expect(stats).toMatchObject({ store: store.kind, activeSessions: 1, locking: true });
      expect(stats.l1).toEqual(expect.objectContaining({ hits: expect.any(Number), misses: expect.any(Number), size: expect.any(Number) }));
      expect(await store.health()).toMatchObject({ ok: true });
    });

    it('hands out increasing fencing tokens and writes staged changes with the release', async () => {
      const store = make();
      const { id } = await store.create(newSessionInput());
      const first = await store.acquireLock(id);
      expect(first.session.id).toBe(id);
      await first.release();
      const result = await withSessionLock(store, id, async (locked) => {
        expect(locked.fence).toBeGreaterThan(first.fence);
        await locked.increment('toolCallCount');
        locked.stage({ messages: [{ role: 'user', content: 'q' }], patch: { metadata: { x: 1 } } });
        locked.stage({ messages: [{ role: 'assistant', content: 'a' }], increments: { tokenCount: 7 }, touch: true });
        return 'done';
      });
      expect(result).toBe('done');
      const after = (await store.get(id))!;
      expect(after.messages.map((m) => m.content)).toEqual(['q', 'a']);
      expect(after.counters).toMatchObject({ toolCallCount: 1, tokenCount: 7, messageCount: 2 });
      await expect(
        withSessionLock(store, id, async (locked) => {
          locked.stage({ patch: { metadata: { y: 1 } } });
          throw new Error('turn failed');
        }),
      ).rejects.toThrow('turn failed');
      expect((await store.get(id))!.metadata).toEqual({ x: 1 });
      await expect(store.acquireLock('missing')).rejects.toBeInstanceOf(SessionNotFoundError);
    });

    it('serves lock waiters in arrival order and times them out with SESSION_BUSY', async () => {
      const store = make({ lockTimeoutMs: 3000 });
      const { id } = await store.create(newSessionInput());
      const holder = await store.acquireLock(id);
      const order: number[] = [];
      const waiters: Promise<unknown>[] = [];
      for (let i = 0; i < 5; i += 1) {
        waiters.push(withSessionLock(store, id, async (locked) => {
          order.push(i);
          locked.stage({ messages: [{ role: 'user', content: `turn ${i}` }] });
        }));
        await target.untilQueued?.(store, id, i + 1); // arrival order is certain before the next arrives
      }
      await expect(store.acquireLock(id, { waitMs: 100 })).rejects.toBeInstanceOf(SessionBusyError);
      await holder.release();
      await Promise.all(waiters);
      expect(order).toEqual([0, 1, 2, 3, 4]);
      expect((await store.get(id))!.messages.map((m) => m.content)).toEqual([0, 1, 2, 3, 4].map((i) => `turn ${i}`));
    });

    it('loses no message when many turns race for one session', async () => {
      const store = make({ maxMessages: 100 });
      const { id } = await store.create(newSessionInput());
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          withSessionLock(store, id, async (locked) => {
            const seen = locked.session.counters.messageCount;
            await sleep(1);
            locked.stage({ messages: [{ role: 'user', content: String(i) }], patch: { metadata: { [`seen${i}`]: seen } } });
          }),
        ),
      );
      const after = (await store.get(id))!;
      expect(after.counters.messageCount).toBe(20);
      expect(new Set(after.messages.map((m) => m.content)).size).toBe(20);
      // Each turn saw every earlier turn's message: the turns ran one at a time.
      expect(Object.values(after.metadata).sort((a, b) => (a as number) - (b as number))).toEqual([...Array(20).keys()]);
    });

    it('refuses the write of a holder whose lock expired and was taken (STALE_LOCK)', async () => {
      const store = make();
      const { id } = await store.create(newSessionInput());
      const stale = await store.acquireLock(id, { leaseMs: 100 });
      await sleep(200);
      const fresh = await store.acquireLock(id);
      expect(fresh.fence).toBeGreaterThan(stale.fence);
      // Refused even before the new holder has written anything...
      await expect(store.update(id, { metadata: { by: 'stale' } }, { fence: stale.fence })).rejects.toBeInstanceOf(StaleLockError);
      await fresh.release({ patch: { metadata: { by: 'fresh' } } });
      // ...and after: the stale holder cannot overwrite newer data, nor release someone else's lock.
      await expect(stale.release({ patch: { metadata: { by: 'stale' } } })).rejects.toBeInstanceOf(StaleLockError);
      expect(await stale.extend()).toBe(false);
      expect((await store.get(id))!.metadata.by).toBe('fresh');
      // Writes without a fence (no lock) still go through.
      expect((await store.update(id, { metadata: { by: 'unlocked' } })).metadata.by).toBe('unlocked');
    });

    it('runs without locks when locking is disabled', async () => {
      const store = make({ lockingEnabled: false });
      const { id } = await store.create(newSessionInput());
      const lock = await store.acquireLock(id);
      expect(lock.fence).toBe(0);
      const other = await store.acquireLock(id, { waitMs: 0 });
      await other.release({ increments: { failureCount: 1 } });
      expect((await lock.release({ increments: { failureCount: 1 } }))!.counters.failureCount).toBe(2);
    });

    it('applies concurrent patches without losing any (compare-and-set)', async () => {
      const store = make();
      const { id } = await store.create(newSessionInput());
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.update(id, { metadata: { [`k${i}`]: i } })));
      expect(Object.keys((await store.get(id))!.metadata)).toHaveLength(50);
    });
  });
}
