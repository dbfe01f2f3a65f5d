/**
 * CustomerMemory over the real repositories, run on SQLite and PostgreSQL: recall across sessions of one
 * customer, expiry by TTL, the per-customer bound, confidence, erasure, cleanup, and secrets never stored.
 */
import { describe, expect, it } from 'vitest';
import { CustomerMemory, type MemorySettings } from '../../../src/agent/memory/index.js';
import type { DatabaseHandle } from '../../../src/storage/database.js';
import { useClockedDatabase } from '../../storage/clocked-database.js';

const T0 = new Date('2025-03-01T10:00:00.000Z');
const HOUR = 3_600_000;
const SETTINGS: MemorySettings = { enabled: true, maxEntries: 4, ttlHours: 24, cleanupDays: 30 };

export function customerMemoryConformance(name: string, open: () => Promise<DatabaseHandle>): void {
  describe(`customer memory (${name})`, () => {
    const db = useClockedDatabase(open, ['customer_facts', 'messages', 'conversations'], T0);
    // The repositories and the memory share one fake clock: updated_at and expiry are judged on the same time.
    const memory = (overrides: Partial<MemorySettings> = {}) =>
      new CustomerMemory(db.repos.customerFacts, { ...SETTINGS, ...overrides }, () => db.now());
    const keys = (facts: { key: string }[]) => facts.map((f) => f.key);
    const values = async (subject: string) => Object.fromEntries((await memory().recall(subject)).map((f) => [f.key, f.value]));


    it('recalls what one session learned in a later session of the same customer, and only there', async () => {
      const first = CustomerMemory.subjectFor({ id: 'session-1', customerId: 'cust-1' });
      const conversation = await db.repos.conversations.create({ sessionId: 'session-1', customerId: 'cust-1' });
      const text = "Hi, I'm Ana. Order #A-1234 hasn't arrived, please reply in Spanish";
      const message = await db.repos.messages.append({ conversationId: conversation.id, role: 'customer', content: text });

      const learned = await memory().learn(first, text, { sourceMessageId: message.id });
      expect(keys(learned).sort()).toEqual(['name', 'order:A-1234', 'preferred_language']);
      expect(learned.every((f) => f.sourceMessageId === message.id && f.expiresAt?.getTime() === T0.getTime() + 24 * HOUR)).toBe(true);

      db.advance(HOUR);
      const later = CustomerMemory.subjectFor({ id: 'session-2', customerId: 'cust-1' });
      expect(await values(later)).toEqual({ name: 'Ana', 'order:A-1234': 'A-1234', preferred_language: 'Spanish' });
      // An anonymous session has a memory of its own; another customer has theirs.
      expect(await memory().recall(CustomerMemory.subjectFor({ id: 'session-3' }))).toEqual([]);
      expect(await memory().recall('cust-2')).toEqual([]);
    });

    it('forgets a fact TTL hours after it was last learned; restating it starts the clock again', async () => {
      await memory().learn('cust-1', 'my name is Ana, my email is ana@example.com');
      db.advance(20 * HOUR);
      await memory().learn('cust-1', 'My name is Ana');
      db.advance(5 * HOUR);
      expect(await values('cust-1')).toEqual({ name: 'Ana' });
      expect(await memory().cleanup()).toBe(1);
      expect(await db.repos.customerFacts.listForCustomer('cust-1', { now: new Date(0) })).toHaveLength(1);
      db.advance(20 * HOUR);
      expect(await memory().recall('cust-1')).toEqual([]);
      expect(await memory().cleanup()).toBe(1);
    });

    it('keeps at most MEMORY_MAX_ENTRIES per customer, evicting the least recently learned', async () => {
      for (const text of ['my name is Ana', 'order 1001', 'order 1002', 'order 1003', 'my name is Ana', 'order 1004']) {
        await memory().learn('cust-1', text);
        db.advance(1000);
      }
      await memory().learn('cust-2', 'order 2001');
      expect(keys(await memory().recall('cust-1'))).toEqual(['order:1004', 'name', 'order:1003', 'order:1002']);
      expect(await memory().list('cust-1')).toHaveLength(4);
      expect(keys(await memory().recall('cust-2'))).toEqual(['order:2001']);

      // One message with more facts than fit: the first ones said are kept, and all that is returned is stored.
      const stored = await memory({ maxEntries: 2 }).learn('cust-3', 'orders 3001, 3002 and 3003');
      expect(keys(stored)).toEqual(['order:3001', 'order:3002']);
      expect(keys(await memory().recall('cust-3')).sort()).toEqual(['order:3001', 'order:3002']);
    });

    it('does not let a weak guess overwrite a firm statement, but a firm correction wins', async () => {
      await memory().learn('cust-1', 'my name is Bo');
      expect(await memory().learn('cust-1', "I'm Ana")).toEqual([]);
      expect(await values('cust-1')).toEqual({ name: 'Bo' });
      const [restated] = await memory().learn('cust-1', "I'm Bo");
      expect(restated).toMatchObject({ value: 'Bo', confidence: 0.9 });
      await memory().learn('cust-1', 'Sorry, my name is Ana');
      expect(await values('cust-1')).toEqual({ name: 'Ana' });
    });

    it('never stores payment cards, CVVs, passwords, PINs or bank account numbers', async () => {
      const text = 'card 4111 1111 1111 1111 cvv 123, my password is hunter2, pin 9876, account number 12345678';
      expect(await memory().learn('cust-1', text)).toEqual([]);
      expect(await memory().list('cust-1')).toEqual([]);
    });

    it('forgets one fact or everything, also when memory is turned off', async () => {
      await memory().learn('cust-1', 'my name is Ana, order 1001');
      await memory().learn('cust-2', 'my name is Bo');
      const off = memory({ enabled: false });
      expect(await off.forget('cust-1', 'order:1001')).toBe(1);
      expect(await off.forget('cust-1', 'order:1001')).toBe(0);
      expect(await off.forget('cust-1')).toBe(1);
      expect(await memory().recall('cust-1')).toEqual([]);
      expect(await values('cust-2')).toEqual({ name: 'Bo' });
    });

    it('neither learns nor recalls when turned off, but still shows what it kept', async () => {
      await memory().learn('cust-1', 'my name is Ana');
      const off = memory({ enabled: false });
      expect(await off.learn('cust-1', 'order 1001')).toEqual([]);
      expect(await off.recall('cust-1')).toEqual([]);
      expect(keys(await off.list('cust-1'))).toEqual(['name']);
    });

    it('cleans up facts not updated for MEMORY_CLEANUP_DAYS, even those written without an expiry', async () => {
      await db.repos.customerFacts.upsert({ customerId: 'cust-1', key: 'plan', value: 'premium' });
      db.advance(29 * 24 * HOUR);
      await db.repos.customerFacts.upsert({ customerId: 'cust-1', key: 'name', value: 'Ana' });
      db.advance(2 * 24 * HOUR);
      expect(await memory().cleanup()).toBe(1);
      expect(keys(await memory().list('cust-1'))).toEqual(['name']);
    });
  });
}
