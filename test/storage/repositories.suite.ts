/**
 * The conformance suite every relational dialect must pass: the same operations, the same answers, on a real
 * database. `repositories.sqlite.test.ts` and `repositories.pg.test.ts` run it.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/errors.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { createRepositories, type NewConversation, type Repositories } from '../../src/storage/index.js';
import { useClockedDatabase } from './clocked-database.js';

const T0 = new Date('2025-03-01T10:00:00.000Z');
const TABLES = ['customer_facts', 'tickets', 'messages', 'conversations', 'documents', 'users'] as const;

export function repositoryConformance(name: string, open: () => Promise<DatabaseHandle>): void {
  describe(`storage repositories (${name})`, () => {
    const db = useClockedDatabase(open, TABLES, T0);

    const conversation = (overrides: Partial<NewConversation> = {}) =>
      db.repos.conversations.create({ sessionId: `s-${Math.random()}`, ...overrides });
    const user = (email = 'agent@example.com') =>
      db.repos.users.create({ email, displayName: 'Agent', passwordHash: 'hash:abc', role: 'agent' });

    describe('conversations', () => {
      it('creates and reads back a domain object', async () => {
        const created = await db.repos.conversations.create({ sessionId: 'sess-1', metadata: { locale: 'fr', n: [1, 2] } });
        expect(created).toMatchObject({ sessionId: 'sess-1', customerId: null, channel: 'web', status: 'active', title: null });
        expect(created.createdAt).toEqual(T0);
        expect(created.closedAt).toBeNull();
        expect(created.lastSequence).toBe(0);
        const read = await db.repos.conversations.get(created.id);
        expect(read).toEqual(created);
        expect(read?.metadata).toEqual({ locale: 'fr', n: [1, 2] });
        expect(await db.repos.conversations.get('missing')).toBeNull();
        expect((await db.repos.conversations.findBySessionId('sess-1'))?.id).toBe(created.id);
        expect(await db.repos.conversations.findBySessionId('nope')).toBeNull();
      });

      it('pages newest first without losing or repeating rows that share a timestamp', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await conversation({ customerId: 'c-page' })).id);
        db.advance(1000);
        const newest = await conversation({ customerId: 'c-page', status: 'human' });
        await conversation({ customerId: 'someone-else' });

        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: Awaited<ReturnType<Repositories['conversations']['list']>> = await db.repos.conversations.list({
            customerId: 'c-page',
            limit: 2,
            cursor,
          });
          seen.push(...page.items.map((c) => c.id));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen[0]).toBe(newest.id);
        expect(new Set(seen).size).toBe(6);
        expect(seen.slice(1).sort()).toEqual([...ids].sort());

        const human = await db.repos.conversations.list({ status: ['human', 'waiting_for_human'] });
        expect(human.items.map((c) => c.id)).toEqual([newest.id]);
        expect((await db.repos.conversations.list({ limit: 0 })).items).toHaveLength(1);
        await expect(db.repos.conversations.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
      });

      it('updates fields and status, stamping and clearing closedAt', async () => {
        const c = await conversation();
        db.advance(5000);
        const patched = await db.repos.conversations.update(c.id, { title: 'Refund', customerId: 'cust-9', metadata: { a: 1 } });
        expect(patched).toMatchObject({ title: 'Refund', customerId: 'cust-9', metadata: { a: 1 } });
        expect(patched?.updatedAt.getTime()).toBe(T0.getTime() + 5000);
        const closed = await db.repos.conversations.updateStatus(c.id, 'closed');
        expect(closed?.status).toBe('closed');
        expect(closed?.closedAt).toEqual(db.now());
        db.advance(1000);
        expect((await db.repos.conversations.updateStatus(c.id, 'resolved'))?.closedAt).toEqual(closed?.closedAt);
        const reopened = await db.repos.conversations.updateStatus(c.id, 'active');
        expect(reopened?.closedAt).toBeNull();
        expect(await db.repos.conversations.updateStatus('missing', 'closed')).toBeNull();
        await expect(db.repos.conversations.updateStatus(c.id, 'bogus' as never)).rejects.toBeInstanceOf(ValidationError);
      });

      it('deleting a conversation removes its messages and tickets', async () => {
        const c = await conversation();
        const keep = await conversation();
        await db.repos.messages.append({ conversationId: c.id, role: 'customer', content: 'hi' });
        await db.repos.messages.append({ conversationId: keep.id, role: 'customer', content: 'hello' });
        const ticket = await db.repos.tickets.create({ conversationId: c.id, summary: 'help' });
        expect(await db.repos.conversations.delete(c.id)).toBe(true);
        expect(await db.repos.conversations.delete(c.id)).toBe(false);
        expect(await db.repos.messages.countByConversation(c.id)).toBe(0);
        expect(await db.repos.tickets.get(ticket.id)).toBeNull();
        expect(await db.repos.messages.countByConversation(keep.id)).toBe(1);
      });
    });

    describe('messages', () => {
      it('appends with sequence 1, 2, 3 and round-trips sources, confidence and metadata', async () => {
        const c = await conversation();
        const source = { documentId: 'd1', title: 'Fees', chunkId: 'd1#0', score: 0.83, snippet: 'No fee' };
        const first = await db.repos.messages.append({ conversationId: c.id, role: 'customer', content: 'Any fee?' });
        db.advance(10);
        const second = await db.repos.messages.append({
          conversationId: c.id,
          role: 'assistant',
          content: 'No fee.',
          sources: [source],
          confidence: 0.875,
          metadata: { model: 'x' },
        });
        expect([first.sequence, second.sequence]).toEqual([1, 2]);
        expect(first).toMatchObject({ sources: [], confidence: null, metadata: {}, status: 'complete' });
        const read = await db.repos.messages.get(second.id);
        expect(read).toEqual(second);
        expect(read).toMatchObject({ sources: [source], confidence: 0.875, metadata: { model: 'x' }, role: 'assistant' });
        expect(read?.createdAt).toEqual(new Date(T0.getTime() + 10));
        const parent = await db.repos.conversations.get(c.id);
        expect(parent?.lastSequence).toBe(2);
        expect(parent?.updatedAt).toEqual(read?.createdAt);
      });

      it('gives 20 concurrent appends the numbers 1..20 exactly once', async () => {
        const c = await conversation();
        const appended = await Promise.all(
          Array.from({ length: 20 }, (_, i) => db.repos.messages.append({ conversationId: c.id, role: 'customer', content: `m${i}` })),
        );
        expect(appended.map((m) => m.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        const listed = await db.repos.messages.listByConversation(c.id, { limit: 100 });
        expect(listed.items.map((m) => m.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(new Set(listed.items.map((m) => m.content)).size).toBe(20);
      });

      it('refuses a missing conversation or an unknown role and writes nothing', async () => {
        await expect(db.repos.messages.append({ conversationId: 'missing', role: 'customer', content: 'x' })).rejects.toBeInstanceOf(
          NotFoundError,
        );
        const c = await conversation();
        await expect(db.repos.messages.append({ conversationId: c.id, role: 'robot' as never, content: 'x' })).rejects.toBeInstanceOf(
          ValidationError,
        );
        expect(await db.repos.messages.countByConversation(c.id)).toBe(0);
        expect((await db.repos.conversations.get(c.id))?.lastSequence).toBe(0);
      });

      it('pages by sequence, reads the latest turns in order, and completes a partial reply', async () => {
        const c = await conversation();
        for (let i = 1; i <= 7; i++) await db.repos.messages.append({ conversationId: c.id, role: 'customer', content: `m${i}` });
        const p1 = await db.repos.messages.listByConversation(c.id, { limit: 3 });
        const p2 = await db.repos.messages.listByConversation(c.id, { limit: 3, cursor: p1.nextCursor });
        const p3 = await db.repos.messages.listByConversation(c.id, { limit: 3, cursor: p2.nextCursor });
        expect([p1, p2, p3].map((p) => p.items.map((m) => m.content))).toEqual([['m1', 'm2', 'm3'], ['m4', 'm5', 'm6'], ['m7']]);
        expect(p3.nextCursor).toBeNull();
        expect((await db.repos.messages.listLatest(c.id, 3)).map((m) => m.content)).toEqual(['m5', 'm6', 'm7']);
        expect(await db.repos.messages.countByConversation(c.id)).toBe(7);

        const partial = await db.repos.messages.append({ conversationId: c.id, role: 'assistant', content: 'Partial', status: 'partial' });
        const done = await db.repos.messages.update(partial.id, { content: 'Partial answer, done.', status: 'complete', confidence: 0.5 });
        expect(done).toMatchObject({ content: 'Partial answer, done.', status: 'complete', confidence: 0.5, sequence: 8 });
        expect(await db.repos.messages.update('missing', { content: 'x' })).toBeNull();
        expect(await db.repos.messages.delete(partial.id)).toBe(true);
        await expect(db.repos.messages.listByConversation(c.id, { cursor: '-1' })).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('tickets', () => {
      it('creates open tickets and refuses a missing conversation', async () => {
        const c = await conversation();
        const t = await db.repos.tickets.create({
          conversationId: c.id,
          summary: 'Wants a refund',
          priority: 'high',
          reasons: ['keyword:refund', 'low_confidence'],
          customerFacts: [{ key: 'plan', value: 'premium' }],
        });
        expect(t).toMatchObject({ status: 'open', priority: 'high', assigneeId: null, resolvedAt: null });
        expect(await db.repos.tickets.get(t.id)).toEqual(t);
        expect(t.reasons).toEqual(['keyword:refund', 'low_confidence']);
        expect(t.customerFacts).toEqual([{ key: 'plan', value: 'premium' }]);
        expect((await db.repos.tickets.findActiveByConversation(c.id))?.id).toBe(t.id);
        await expect(db.repos.tickets.create({ conversationId: 'missing', summary: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      });

      it('lets exactly one of two concurrent claims win', async () => {
        const [alice, bob] = [await user('alice@example.com'), await user('bob@example.com')];
        const t = await db.repos.tickets.create({ conversationId: (await conversation()).id, summary: 'x' });
        const results = await Promise.allSettled([db.repos.tickets.claim(t.id, alice.id), db.repos.tickets.claim(t.id, bob.id)]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]?.reason).toBeInstanceOf(ConflictError);
        const stored = await db.repos.tickets.get(t.id);
        expect(stored?.status).toBe('claimed');
        expect(stored?.assigneeId).toBe((won[0] as PromiseFulfilledResult<{ assigneeId: string }>).value.assigneeId);
      });

      it('claims, resolves, and reports missing or finished tickets', async () => {
        const agent = await user();
        const t = await db.repos.tickets.create({ conversationId: (await conversation()).id, summary: 'x' });
        await expect(db.repos.tickets.claim('missing', agent.id)).rejects.toBeInstanceOf(NotFoundError);
        await expect(db.repos.tickets.claim(t.id, 'no-such-user')).rejects.toBeInstanceOf(NotFoundError);
        db.advance(60_000);
        const claimed = await db.repos.tickets.claim(t.id, agent.id);
        expect(claimed).toMatchObject({ status: 'claimed', assigneeId: agent.id });
        expect(claimed.updatedAt).toEqual(db.now());
        await expect(db.repos.tickets.claim(t.id, agent.id)).rejects.toBeInstanceOf(ConflictError);
        db.advance(60_000);
        const resolved = await db.repos.tickets.resolve(t.id);
        expect(resolved).toMatchObject({ status: 'resolved', assigneeId: agent.id });
        expect(resolved.resolvedAt).toEqual(db.now());
        await expect(db.repos.tickets.resolve(t.id)).rejects.toBeInstanceOf(ConflictError);
        await expect(db.repos.tickets.resolve('missing')).rejects.toBeInstanceOf(NotFoundError);
        expect(await db.repos.tickets.findActiveByConversation(t.conversationId)).toBeNull();
      });

      it('lists by status oldest first, counts by status, and unassigns when the agent is deleted', async () => {
        const agent = await user();
        const created = [];
        for (let i = 0; i < 4; i++) {
          created.push(await db.repos.tickets.create({ conversationId: (await conversation()).id, summary: `t${i}` }));
          db.advance(1000);
        }
        await db.repos.tickets.claim(created[1]!.id, agent.id);
        await db.repos.tickets.resolve(created[2]!.id);
        const open = await db.repos.tickets.list({ status: 'open', limit: 1 });
        expect(open.items.map((t) => t.summary)).toEqual(['t0']);
        const next = await db.repos.tickets.list({ status: 'open', limit: 1, cursor: open.nextCursor });
        expect(next.items.map((t) => t.summary)).toEqual(['t3']);
        expect(next.nextCursor).toBeNull();
        expect((await db.repos.tickets.list({ order: 'desc' })).items.map((t) => t.summary)).toEqual(['t3', 't2', 't1', 't0']);
        expect((await db.repos.tickets.list({ assigneeId: agent.id })).items.map((t) => t.summary)).toEqual(['t1']);
        expect(await db.repos.tickets.countByStatus()).toEqual({ open: 2, claimed: 1, resolved: 1 });
        expect((await db.repos.tickets.updatePriority(created[0]!.id, 'urgent'))?.priority).toBe('urgent');
        expect(await db.repos.users.delete(agent.id)).toBe(true);
        expect((await db.repos.tickets.get(created[1]!.id))?.assigneeId).toBeNull();
        expect(await db.repos.tickets.delete(created[3]!.id)).toBe(true);
      });
    });

    it('shares one transaction across repositories, committing or rolling back together', async () => {
      const c = await conversation();
      const escalate = (fail: boolean) =>
        db.handle.db.transaction().execute(async (trx) => {
          const tx = createRepositories({ db: trx }, { now: () => db.now() });
          await tx.conversations.updateStatus(c.id, 'waiting_for_human');
          await tx.messages.append({ conversationId: c.id, role: 'system', content: 'Handed over' });
          await tx.tickets.create({ conversationId: c.id, summary: 'needs a human' });
          if (fail) throw new Error('notifier down');
        });
      await expect(escalate(true)).rejects.toThrow('notifier down');
      expect((await db.repos.conversations.get(c.id))?.status).toBe('active');
      expect(await db.repos.messages.countByConversation(c.id)).toBe(0);
      expect(await db.repos.tickets.findActiveByConversation(c.id)).toBeNull();
      await escalate(false);
      expect((await db.repos.conversations.get(c.id))?.status).toBe('waiting_for_human');
      expect((await db.repos.messages.listLatest(c.id, 5)).map((m) => m.sequence)).toEqual([1]);
      expect(await db.repos.tickets.findActiveByConversation(c.id)).not.toBeNull();
    });

    describe('documents', () => {
      const doc = (hash: string, extra: object = {}) =>
        db.repos.documents.create({ title: `Doc ${hash}`, source: `${hash}.md`, mimeType: 'text/markdown', contentHash: hash, sizeBytes: 1234, ...extra });

      it('creates, finds by hash, and refuses the same content twice', async () => {
        const d = await doc('h1', { metadata: { lang: 'en' } });
        expect(d).toMatchObject({ status: 'pending', chunkCount: 0, error: null, isSample: false, sizeBytes: 1234, metadata: { lang: 'en' } });
        expect(await db.repos.documents.get(d.id)).toEqual(d);
        expect((await db.repos.documents.findByHash('h1'))?.id).toBe(d.id);
        expect(await db.repos.documents.findByHash('nope')).toBeNull();
        const duplicate = await doc('h1').catch((error: unknown) => error);
        expect(duplicate).toBeInstanceOf(ConflictError);
        expect((duplicate as ConflictError).details).toEqual({ existingId: d.id });
      });

      it('tracks indexing status, filters by status and sample flag, updates and deletes', async () => {
        const sample = await doc('s1', { isSample: true });
        const real = await doc('r1');
        expect(sample.isSample).toBe(true);
        const failed = await db.repos.documents.updateStatus(real.id, { status: 'failed', error: 'unreadable PDF' });
        expect(failed).toMatchObject({ status: 'failed', error: 'unreadable PDF' });
        const indexed = await db.repos.documents.updateStatus(real.id, { status: 'indexed', chunkCount: 12 });
        expect(indexed).toMatchObject({ status: 'indexed', error: null, chunkCount: 12 });
        expect((await db.repos.documents.list({ isSample: true })).items.map((d) => d.id)).toEqual([sample.id]);
        expect((await db.repos.documents.list({ isSample: false })).items.map((d) => d.id)).toEqual([real.id]);
        expect((await db.repos.documents.list({ status: 'indexed' })).items.map((d) => d.id)).toEqual([real.id]);
        expect(await db.repos.documents.count()).toBe(2);
        expect(await db.repos.documents.count({ status: 'pending' })).toBe(1);
        expect((await db.repos.documents.update(real.id, { title: 'Renamed' }))?.title).toBe('Renamed');
        expect(await db.repos.documents.updateStatus('missing', { status: 'indexed' })).toBeNull();
        expect(await db.repos.documents.delete(sample.id)).toBe(true);
        expect(await db.repos.documents.get(sample.id)).toBeNull();
      });
    });

    describe('users', () => {
      it('stores emails lower-cased and treats them as unique whatever the case', async () => {
        const u = await db.repos.users.create({ email: ' Alice@Example.COM ', displayName: 'Alice', passwordHash: 'argon2:x', role: 'admin' });
        expect(u).toMatchObject({ email: 'alice@example.com', role: 'admin', disabled: false, lastLoginAt: null });
        expect(u).not.toHaveProperty('passwordHash');
        expect((await db.repos.users.findByEmail('ALICE@example.com'))?.id).toBe(u.id);
        await expect(user('aLiCe@EXAMPLE.com')).rejects.toBeInstanceOf(ConflictError);
        expect(await db.repos.users.findCredentials('alice@EXAMPLE.com')).toEqual({ user: u, passwordHash: 'argon2:x' });
        expect(await db.repos.users.findCredentials('nobody@example.com')).toBeNull();
        expect(await db.repos.users.credentialsById(u.id)).toEqual({ user: u, passwordHash: 'argon2:x' });
        expect(await db.repos.users.credentialsById('missing')).toBeNull();
      });

      it('records logins, updates, lists and counts', async () => {
        const u = await user();
        db.advance(3600_000);
        expect(await db.repos.users.recordLogin(u.id)).toBe(true);
        expect((await db.repos.users.get(u.id))?.lastLoginAt).toEqual(db.now());
        expect(await db.repos.users.recordLogin('missing')).toBe(false);
        const disabled = await db.repos.users.update(u.id, { disabled: true, role: 'admin', displayName: 'Boss' });
        expect(disabled).toMatchObject({ disabled: true, role: 'admin', displayName: 'Boss' });
        expect(typeof disabled?.disabled).toBe('boolean');
        await user('second@example.com');
        const page = await db.repos.users.list({ limit: 1 });
        expect(page.items.map((x) => x.email)).toEqual(['second@example.com']);
        expect((await db.repos.users.list({ cursor: page.nextCursor })).items.map((x) => x.email)).toEqual(['agent@example.com']);
        expect((await db.repos.users.list({ role: 'admin' })).items).toHaveLength(1);
        expect(await db.repos.users.count()).toBe(2);
        expect(await db.repos.users.countActive('admin')).toBe(0); // the one admin is disabled
        expect(await db.repos.users.countActive('agent')).toBe(1);
      });
    });

    describe('customer facts', () => {
      it('upserts one value per customer and key, keeping the first learned time', async () => {
        const first = await db.repos.customerFacts.upsert({ customerId: 'c1', key: 'plan', value: 'basic', confidence: 0.6 });
        db.advance(1000);
        const second = await db.repos.customerFacts.upsert({ customerId: 'c1', key: 'plan', value: 'premium', confidence: 0.9 });
        expect(second).toMatchObject({ id: first.id, value: 'premium', confidence: 0.9, createdAt: T0, expiresAt: null });
        expect(second.updatedAt).toEqual(db.now());
        await db.repos.customerFacts.upsert({ customerId: 'c2', key: 'plan', value: 'basic' });
        expect((await db.repos.customerFacts.listForCustomer('c1')).map((f) => f.value)).toEqual(['premium']);
        await expect(db.repos.customerFacts.upsert({ customerId: 'c1', key: 'k', value: 'v', confidence: 2 })).rejects.toBeInstanceOf(
          ValidationError,
        );
      });

      it('hides expired facts and deletes them on request', async () => {
        const hour = 3600_000;
        await db.repos.customerFacts.upsert({ customerId: 'c1', key: 'short', value: '1', expiresAt: new Date(T0.getTime() + hour) });
        await db.repos.customerFacts.upsert({ customerId: 'c1', key: 'long', value: '2', expiresAt: new Date(T0.getTime() + 3 * hour) });
        await db.repos.customerFacts.upsert({ customerId: 'c1', key: 'forever', value: '3' });
        expect(await db.repos.customerFacts.listForCustomer('c1')).toHaveLength(3);
        db.advance(2 * hour);
        expect((await db.repos.customerFacts.listForCustomer('c1')).map((f) => f.key).sort()).toEqual(['forever', 'long']);
        expect(await db.repos.customerFacts.deleteExpired()).toBe(1);
        expect(await db.repos.customerFacts.deleteExpired()).toBe(0);
        expect(await db.repos.customerFacts.deleteExpired(new Date(T0.getTime() + 10 * hour))).toBe(1);
        expect((await db.repos.customerFacts.listForCustomer('c1', { now: new Date(0) })).map((f) => f.key)).toEqual(['forever']);
      });

      it('forgets a customer, and survives the deletion of its source message', async () => {
        const c = await conversation();
        const m = await db.repos.messages.append({ conversationId: c.id, role: 'customer', content: 'I am on premium' });
        await db.repos.customerFacts.upsert({ customerId: 'c1', key: 'plan', value: 'premium', sourceMessageId: m.id });
        await db.repos.customerFacts.upsert({ customerId: 'c1', key: 'name', value: 'Ana' });
        await db.repos.customerFacts.upsert({ customerId: 'c2', key: 'name', value: 'Bo' });
        await db.repos.conversations.delete(c.id);
        const plan = (await db.repos.customerFacts.listForCustomer('c1')).find((f) => f.key === 'plan');
        expect(plan?.sourceMessageId).toBeNull();
        expect(await db.repos.customerFacts.delete('c1', 'name')).toBe(true);
        expect(await db.repos.customerFacts.deleteForCustomer('c1')).toBe(1);
        expect(await db.repos.customerFacts.listForCustomer('c1')).toEqual([]);
        expect(await db.repos.customerFacts.listForCustomer('c2')).toHaveLength(1);
      });

      it('trims a customer to the most recently updated facts and drops facts not updated for a while', async () => {
        for (const key of ['a', 'b', 'c', 'd']) {
          await db.repos.customerFacts.upsert({ customerId: 'c1', key, value: key });
          db.advance(1000);
        }
        await db.repos.customerFacts.upsert({ customerId: 'c1', key: 'a', value: 'a2' }); // refreshed: newest now
        await db.repos.customerFacts.upsert({ customerId: 'c2', key: 'a', value: 'other' });
        expect(await db.repos.customerFacts.trimForCustomer('c1', 2)).toBe(2);
        expect((await db.repos.customerFacts.listForCustomer('c1')).map((f) => f.key)).toEqual(['a', 'd']);
        expect(await db.repos.customerFacts.trimForCustomer('c1', 2)).toBe(0);
        expect(await db.repos.customerFacts.listForCustomer('c2')).toHaveLength(1);
        await expect(db.repos.customerFacts.trimForCustomer('c1', -1)).rejects.toBeInstanceOf(ValidationError);

        // d was updated at T0+3s, a (and c2's a) at T0+4s.
        expect(await db.repos.customerFacts.deleteNotUpdatedSince(new Date(T0.getTime() + 3500))).toBe(1);
        expect((await db.repos.customerFacts.listForCustomer('c1')).map((f) => f.key)).toEqual(['a']);
        expect(await db.repos.customerFacts.trimForCustomer('c1', 0)).toBe(1);
        expect(await db.repos.customerFacts.listForCustomer('c1')).toEqual([]);
      });
    });
  });
}
