/**
 * The memory API over HTTP (SQLite; the memory itself also runs on PostgreSQL in test/agent/memory): a customer
 * sees and erases what is remembered with their session token, across their sessions and never another's;
 * facts expire by TTL; the per-customer bound holds; an admin views and erases a customer's memory.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CustomerMemory } from '../../src/agent/memory/index.js';
import { memoryRoutes } from '../../src/server/memory/routes.js';
import { signCustomerId } from '../../src/server/sessions/identity.js';
import { createRepositories } from '../../src/storage/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const IDENTITY_SECRET = 'identity-secret-for-the-memory-tests-0123456789';
const ADMIN_KEY = 'fl_admin_test-key-for-the-memory-tests-0123456789';
const UA = { 'user-agent': 'Mozilla/5.0 (MemoryTest)' };
const T0 = new Date('2025-03-01T10:00:00.000Z');
const HOUR = 3_600_000;

describe('memory API', () => {
  let t: TestApp;
  let memory: CustomerMemory;
  let clock = T0;
  const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

  const startSession = async (customerId?: string) => {
    const payload = customerId ? { customerId, customerSignature: signCustomerId(IDENTITY_SECRET, customerId) } : {};
    const response = await t.app.inject({ method: 'POST', url: '/api/sessions', headers: UA, payload });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { sessionId: string; token: string };
  };
  const call = (method: 'GET' | 'DELETE', url: string, bearer?: string) =>
    t.app.inject({ method, url, headers: { ...UA, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) } });
  const factsOf = async (session: { sessionId: string; token: string }) => {
    const response = await call('GET', `/t/sessions/${session.sessionId}/memory`, session.token);
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { facts: { key: string; value: string }[] }).facts;
  };
  const learn = async (subject: string, text: string) => {
    const learned = await memory.learn(subject, text);
    advance(1000); // each message learned a second after the one before
    return learned;
  };

  beforeAll(async () => {
    t = await buildTestApp({ CUSTOMER_IDENTITY_SECRET: IDENTITY_SECRET, ADMIN_API_KEY: ADMIN_KEY }, async (app) => {
      // The routes get a memory on a clock of the test's own, sharing it with the repository that stamps facts.
      const repositories = createRepositories(app.services.database, { now: () => new Date(clock) });
      const settings = { ...app.services.settings.memory, maxEntries: 3, ttlHours: 24 };
      memory = new CustomerMemory(repositories.customerFacts, settings, () => new Date(clock));
      await app.register(memoryRoutes, { services: app.services, memory, prefix: '/t' });
    });
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    clock = T0;
    await t.app.services.database.db.deleteFrom('customer_facts').execute();
  });

  it("recalls a customer's facts in their later session, and shows an anonymous session only its own", async () => {
    const first = await startSession('cust-1');
    const anonymous = await startSession();
    await learn(CustomerMemory.subjectFor({ id: first.sessionId, customerId: 'cust-1' }), "Hi, I'm Ana. Order #A-1234 is late.");
    await learn(CustomerMemory.subjectFor({ id: anonymous.sessionId }), 'my name is Bo');

    const second = await startSession('cust-1');
    const response = await call('GET', `/t/sessions/${second.sessionId}/memory`, second.token);
    expect(response.json()).toEqual({
      enabled: true,
      facts: [
        { key: 'name', value: 'Ana', confidence: 0.6, updatedAt: T0.toISOString(), expiresAt: new Date(T0.getTime() + 24 * HOUR).toISOString() },
        { key: 'order:A-1234', value: 'A-1234', confidence: 0.9, updatedAt: T0.toISOString(), expiresAt: new Date(T0.getTime() + 24 * HOUR).toISOString() },
      ],
    });
    expect((await factsOf(anonymous)).map((f) => f.value)).toEqual(['Bo']);
    expect(await factsOf(await startSession('cust-2'))).toEqual([]);
  });

  it("refuses another session's token and a missing one, without touching the memory", async () => {
    const owner = await startSession('cust-1');
    const stranger = await startSession('cust-2');
    await learn('cust-1', 'my name is Ana, order 1001');
    const routes = [
      ['GET', `/t/sessions/${owner.sessionId}/memory`],
      ['DELETE', `/t/sessions/${owner.sessionId}/memory`],
      ['DELETE', `/t/sessions/${owner.sessionId}/memory/name`],
    ] as const;
    for (const [method, url] of routes) {
      const crossed = await call(method, url, stranger.token);
      expect(crossed.statusCode).toBe(404);
      expect(crossed.json().error.code).toBe('SESSION_NOT_FOUND');
      expect((await call(method, url)).statusCode).toBe(401);
    }
    expect((await factsOf(owner)).map((f) => f.key).sort()).toEqual(['name', 'order:1001']);
  });

  it('forgets one fact or everything at the customer\'s request', async () => {
    const session = await startSession('cust-1');
    await learn('cust-1', 'my name is Ana, my email is ana@example.com, order 1001');
    expect((await call('DELETE', `/t/sessions/${session.sessionId}/memory/email`, session.token)).statusCode).toBe(204);
    expect((await factsOf(session)).map((f) => f.key).sort()).toEqual(['name', 'order:1001']);

    const unknown = await call('DELETE', `/t/sessions/${session.sessionId}/memory/email`, session.token);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'MEMORY_FACT_NOT_FOUND', requestId: expect.any(String) });
    expect((await call('DELETE', `/t/sessions/${session.sessionId}/memory/order:1001`, session.token)).statusCode).toBe(204);

    expect((await call('DELETE', `/t/sessions/${session.sessionId}/memory`, session.token)).statusCode).toBe(204);
    expect(await factsOf(session)).toEqual([]);
    expect(await memory.list('cust-1')).toEqual([]);
  });

  it('forgets facts MEMORY_TTL_HOURS after they were last learned', async () => {
    const session = await startSession('cust-1');
    await learn('cust-1', 'my name is Ana');
    advance(20 * HOUR);
    await learn('cust-1', 'order 1001');
    advance(5 * HOUR);
    expect((await factsOf(session)).map((f) => f.key)).toEqual(['order:1001']);
    advance(20 * HOUR);
    expect(await factsOf(session)).toEqual([]);
  });

  it('keeps at most MEMORY_MAX_ENTRIES facts per customer, the most recently learned', async () => {
    const session = await startSession('cust-1');
    for (const text of ['my name is Ana', 'order 1001', 'order 1002', 'order 1003']) await learn('cust-1', text);
    expect((await factsOf(session)).map((f) => f.key)).toEqual(['order:1003', 'order:1002', 'order:1001']);
  });

  it('lets an admin view and erase a customer\'s memory, and nobody else', async () => {
    const session = await startSession('cust-1');
    await learn('cust-1', 'my name is Ana, order 1001');
    await learn('cust-2', 'my name is Bo');
    const admin = (method: 'GET' | 'DELETE', url: string, key = ADMIN_KEY) => call(method, url, key);

    expect((await admin('GET', '/t/customers/cust-1/memory', 'wrong-key')).statusCode).toBe(401);
    expect((await call('GET', '/t/customers/cust-1/memory', session.token)).statusCode).toBe(401);
    expect((await admin('GET', '/t/customers/cust-1/memory')).json().facts.map((f: { key: string }) => f.key).sort()).toEqual(['name', 'order:1001']);

    // Customer ids may be up to 200 characters: the router must let them through to the route.
    const longId = await admin('GET', `/t/customers/${'c'.repeat(200)}/memory`);
    expect(longId.statusCode, longId.body).toBe(200);
    expect(longId.json().facts).toEqual([]);
    expect((await admin('DELETE', '/t/customers/cust-1/memory/order:1001')).statusCode).toBe(204);
    expect((await admin('DELETE', '/t/customers/cust-1/memory/order:1001')).json().error.code).toBe('MEMORY_FACT_NOT_FOUND');
    const erased = await admin('DELETE', '/t/customers/cust-1/memory');
    expect(erased.json()).toEqual({ customerId: 'cust-1', deleted: 1 });
    expect(await factsOf(session)).toEqual([]);
    expect((await admin('GET', '/t/customers/cust-2/memory')).json().facts).toHaveLength(1);
  });

  it('builds its own memory from the services when given none', async () => {
    const session = await startSession('cust-1');
    const own = new CustomerMemory(t.app.services.repositories.customerFacts, t.app.services.settings.memory);
    await own.learn('cust-1', 'please reply in French');
    const response = await call('GET', `/api/sessions/${session.sessionId}/memory`, session.token);
    expect(response.json().facts.map((f: { value: string }) => f.value)).toEqual(['French']);
  });
});
