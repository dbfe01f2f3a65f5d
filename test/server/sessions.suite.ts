/**
 * The session API over HTTP, run against each session store (memory, Redis): tokens, cross-session
 * isolation, fingerprinting, transcript paging, export and deletion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCustomerId } from '../../src/server/sessions/identity.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const UA = { 'user-agent': 'Mozilla/5.0 (TestBrowser)' };

export function sessionApiSuite(label: string, storeEnv: () => Record<string, string>) {
  describe(`session API (${label})`, () => {
    let t: TestApp;
    const identitySecret = 'identity-secret-for-tests-0123456789abcdef';

    const create = async (body?: Record<string, unknown>, headers: Record<string, string> = UA) => {
      const response = await t.app.inject({ method: 'POST', url: '/api/sessions', headers, ...(body ? { payload: body } : {}) });
      return { response, body: response.json() as { sessionId: string; token: string; expiresAt: string } };
    };
    const get = (url: string, token?: string, headers: Record<string, string> = UA) =>
      t.app.inject({ method: 'GET', url, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

    beforeAll(async () => {
      t = await buildTestApp({ ...storeEnv(), CUSTOMER_IDENTITY_SECRET: identitySecret });
    });
    afterAll(async () => t?.close());

    it('creates a session whose token carries at least 128 random bits and is stored only as a hash', async () => {
      const { response, body } = await create();
      expect(response.statusCode).toBe(201);
      expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now());
      // <sessionId>.<random>.<tag>: the id it is for, the secret, and the server's tag over both.
      const [id, secret, tag] = body.token.split('.');
      expect(id).toBe(body.sessionId);
      expect(Buffer.from(secret!, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
      expect(Buffer.from(tag!, 'base64url').length).toBe(16);
      const stored = await t.app.services.sessionStore.get(body.sessionId);
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(stored!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
      const conversation = await t.app.services.repositories.conversations.findBySessionId(body.sessionId);
      expect(conversation?.id).toBe(stored!.conversationId);
    });

    it('authorises a session with its own token only', async () => {
      const a = (await create()).body;
      const b = (await create()).body;
      const ok = await get(`/api/sessions/${a.sessionId}`, a.token);
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ sessionId: a.sessionId, status: 'active' });

      const missing = await get(`/api/sessions/${a.sessionId}`);
      expect(missing.statusCode).toBe(401);
      expect(missing.json().error.code).toBe('UNAUTHORIZED');
      const forged = await get(`/api/sessions/${a.sessionId}`, `${a.sessionId}.${'A'.repeat(43)}`);
      expect(forged.statusCode).toBe(401);
      const garbage = await get(`/api/sessions/${a.sessionId}`, 'not-a-token');
      expect(garbage.statusCode).toBe(401);

      // B's token on A's URL looks exactly like a session that does not exist.
      const crossed = await get(`/api/sessions/${a.sessionId}`, b.token);
      const nowhere = await get('/api/sessions/00000000-0000-4000-8000-000000000000', b.token);
      expect(crossed.statusCode).toBe(404);
      expect(nowhere.statusCode).toBe(404);
      expect(crossed.json().error.code).toBe('SESSION_NOT_FOUND');
      expect(crossed.json().error.message).toBe(nowhere.json().error.message);
      for (const path of ['messages', 'export']) {
        expect((await get(`/api/sessions/${a.sessionId}/${path}`, b.token)).statusCode).toBe(404);
      }
      const deleteCrossed = await t.app.inject({ method: 'DELETE', url: `/api/sessions/${a.sessionId}`, headers: { ...UA, authorization: `Bearer ${b.token}` } });
      expect(deleteCrossed.statusCode).toBe(404);
      expect((await get(`/api/sessions/${a.sessionId}`, a.token)).statusCode).toBe(200);
    });

    it('pages through the durable transcript and exports it as JSON and Markdown', async () => {
      const { sessionId, token } = (await create()).body;
      const session = await t.app.services.sessionStore.get(sessionId);
      const { messages } = t.app.services.repositories;
      for (let i = 1; i <= 5; i += 1) {
        await messages.append({ conversationId: session!.conversationId!, role: i % 2 ? 'customer' : 'assistant', content: `message ${i}` });
      }
      const first = await get(`/api/sessions/${sessionId}/messages?limit=2`, token);
      expect(first.statusCode).toBe(200);
      const page1 = first.json();
      expect(page1.messages.map((m: { content: string }) => m.content)).toEqual(['message 1', 'message 2']);
      const seen = [...page1.messages];
      let cursor = page1.nextCursor;
      while (cursor) {
        const next = (await get(`/api/sessions/${sessionId}/messages?limit=2&cursor=${encodeURIComponent(cursor)}`, token)).json();
        seen.push(...next.messages);
        cursor = next.nextCursor;
      }
      expect(seen.map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5]);
      expect((await get(`/api/sessions/${sessionId}/messages?limit=9999`, token)).statusCode).toBe(400);

      const json = await get(`/api/sessions/${sessionId}/export?format=json`, token);
      expect(json.statusCode).toBe(200);
      expect(json.headers['content-disposition']).toContain(`conversation-${sessionId}.json`);
      expect(json.json().messages).toHaveLength(5);
      const markdown = await get(`/api/sessions/${sessionId}/export?format=markdown`, token);
      expect(markdown.headers['content-type']).toContain('text/markdown');
      expect(markdown.body).toContain('## Customer');
      expect(markdown.body).toContain('message 5');
      expect((await get(`/api/sessions/${sessionId}/export?format=pdf`, token)).statusCode).toBe(400);
    });

    it('ends a session on DELETE and keeps its transcript', async () => {
      const { sessionId, token } = (await create()).body;
      const conversationId = (await t.app.services.sessionStore.get(sessionId))!.conversationId!;
      await t.app.services.repositories.messages.append({ conversationId, role: 'customer', content: 'keep me' });
      const deleted = await t.app.inject({ method: 'DELETE', url: `/api/sessions/${sessionId}`, headers: { ...UA, authorization: `Bearer ${token}` } });
      expect(deleted.statusCode).toBe(204);
      expect((await get(`/api/sessions/${sessionId}`, token)).statusCode).toBe(401);
      expect((await t.app.services.repositories.conversations.get(conversationId))?.status).toBe('closed');
      expect((await t.app.services.repositories.messages.countByConversation(conversationId))).toBe(1);
    });

    it('accepts a customer id only with a valid signature from the business backend', async () => {
      const unsigned = await create({ customerId: 'cust-42' });
      expect(unsigned.response.statusCode).toBe(403);
      const badlySigned = await create({ customerId: 'cust-42', customerSignature: signCustomerId('wrong-secret', 'cust-42') });
      expect(badlySigned.response.statusCode).toBe(403);
      const signed = await create({ customerId: 'cust-42', customerSignature: signCustomerId(identitySecret, 'cust-42') });
      expect(signed.response.statusCode).toBe(201);
      const view = (await get(`/api/sessions/${signed.body.sessionId}`, signed.body.token)).json();
      expect(view.customerId).toBe('cust-42');
      const unknownField = await create({ customerID: 'x' });
      expect(unknownField.response.statusCode).toBe(400);
      expect(unknownField.response.json().error.code).toBe('VALIDATION_ERROR');
    });

    it('counts a lenient fingerprint mismatch, logs it without the IP, and lets the request through', async () => {
      const { sessionId, token } = (await create(undefined, { 'user-agent': 'Browser A' })).body;
      const other = await t.app.inject({
        method: 'GET',
        url: `/api/sessions/${sessionId}`,
        headers: { 'user-agent': 'Browser B', authorization: `Bearer ${token}` },
        remoteAddress: '203.0.113.77',
      });
      expect(other.statusCode).toBe(200);
      expect(t.logs()).toContain('session fingerprint mismatch');
      expect(t.logs()).not.toContain('203.0.113.77');
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/frontline_session_fingerprint_mismatches_total [1-9]/);
    });

    it('shows store statistics in GET / and /health', async () => {
      const info = (await t.app.inject({ method: 'GET', url: '/' })).json();
      expect(info.sessionStore).toMatchObject({ type: label, available: true });
      expect(info.sessionStore.activeSessions).toBeGreaterThan(0);
      expect(typeof info.sessionStore.l1.hitRate).toBe('number');
      const health = (await t.app.inject({ method: 'GET', url: '/health' })).json();
      expect(health.checks.session_store.status).toBe('ok');
      expect(health.sessions.locking).toBe(true);
    });
  });
}

export async function strictFingerprintCheck(storeEnv: Record<string, string>) {
  const t = await buildTestApp({ ...storeEnv, SESSION_FINGERPRINT_STRICT: 'true' });
  try {
    const created = (await t.app.inject({ method: 'POST', url: '/api/sessions', headers: { 'user-agent': 'Browser A' } })).json();
    const same = await t.app.inject({ method: 'GET', url: `/api/sessions/${created.sessionId}`, headers: { 'user-agent': 'Browser A', authorization: `Bearer ${created.token}` } });
    expect(same.statusCode).toBe(200);
    const hijack = await t.app.inject({ method: 'GET', url: `/api/sessions/${created.sessionId}`, headers: { 'user-agent': 'Browser B', authorization: `Bearer ${created.token}` } });
    expect(hijack.statusCode).toBe(403);
    expect(hijack.json().error.code).toBe('SESSION_FINGERPRINT_MISMATCH');
  } finally {
    await t.close();
  }
}
