/**
 * The agent as it runs in production: two instances sharing one Redis (sessions, locks) and one PostgreSQL
 * (transcripts, knowledge). Messages sent at once to one session through both instances are answered one at a
 * time, in order, none lost; a hand-off made on one instance is answered and resolved by the team on the other,
 * the customer connected to the first sees it live, and the conversation goes back to the agent on both; when Redis stops answering a turn fails fast with 503 and the service recovers by
 * itself, with every acknowledged message still there.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedModel, type CallOptions, type ScriptedResponse } from '../../src/llm/index.js';
import type { TestApp } from '../helpers/app.js';
import { PrivateRedis, waitFor } from '../helpers/processes.js';
import { createTestPostgresDatabase } from '../helpers/services.js';
import { adminHeaders } from '../knowledge/service/helpers.js';
import { addArticle, buildAgentApp, connectWs, expectEachReplyFollowsItsQuestion, REFUND_ARTICLE, startChat, transcript } from './helpers.js';

const answer = (call: CallOptions): ScriptedResponse => ({ text: `Answer to "${String(call.messages.at(-1)?.content)}" [1]`, chunkDelayMs: 2 });
let redis: PrivateRedis;
let database: { url: string; drop: () => Promise<void> };
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  database = await createTestPostgresDatabase();
  const env = {
    DATABASE_URL: database.url,
    SESSION_STORE_TYPE: 'redis',
    REDIS_URL: redis.url,
    SESSION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    REDIS_SOCKET_TIMEOUT: '1',
  };
  a = await buildAgentApp(env, createScriptedModel({ loop: true, steps: [answer] }));
  await addArticle(a.app, 'Returns and refunds', REFUND_ARTICLE);
  b = await buildAgentApp(env, createScriptedModel({ loop: true, steps: [answer] }));
}, 60_000);
afterAll(async () => {
  redis?.resume();
  await a?.close();
  await b?.close();
  await redis?.stop();
  await database?.drop();
});

describe('two instances, one session', () => {
  it('answers messages sent at once through both instances one at a time, in order, none lost', async () => {
    const chat = await startChat(a.app);
    const questions = Array.from({ length: 6 }, (_, i) => `Question ${i + 1}: how long do I have to return an item?`);
    const responses = await Promise.all(
      questions.map((message, i) =>
        (i % 2 === 0 ? a : b).app.inject({ method: 'POST', url: `/api/sessions/${chat.sessionId}/messages`, headers: chat.headers, payload: { message } }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(questions.map(() => 200));
    const stored = await transcript(b.app, chat);
    expect(stored).toHaveLength(12);
    expectEachReplyFollowsItsQuestion(stored);
    const session = await b.app.services.sessionStore.get(chat.sessionId);
    expect(session!.counters.messageCount).toBe(12);
    expect(session!.messages.at(-1)!.content).toBe(stored.at(-1)!.content);
  });

  it('hands the conversation back to the agent on every instance once a ticket is resolved on one', async () => {
    const chat = await startChat(a.app);
    const send = (app: TestApp, message: string) =>
      app.app.inject({ method: 'POST', url: `/api/sessions/${chat.sessionId}/messages`, headers: chat.headers, payload: { message } }).then((r) => r.json());
    const handed = await send(a, 'Can I speak to a person please?');
    expect(handed.outcome).toBe('escalated');
    expect((await send(b, 'Hello? Anyone there?')).outcome).toBe('relayed'); // b's cache now holds the waiting session

    // The customer is connected to a; the team's reply and the resolution go through b.
    await a.app.listen({ port: 0, host: '127.0.0.1' });
    const client = connectWs(`127.0.0.1:${(a.app.server.address() as AddressInfo).port}`, chat.headers);
    await client.next('ready');
    const written = await b.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/messages`, headers: adminHeaders(), payload: { content: 'Hi, Alex here.', author: 'Alex' } });
    expect(written.statusCode).toBe(201);
    expect(await client.next('message')).toMatchObject({ role: 'agent', author: 'Alex', content: 'Hi, Alex here.' });
    expect((await send(a, 'Thanks Alex')).outcome).toBe('relayed');

    const resolved = await b.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
    expect(resolved.statusCode).toBe(200);
    await client.next('resolved');
    expect(client.frames.map((f) => f.type)).toEqual(['ready', 'agent_joined', 'message', 'resolved']);
    client.socket.close();
    for (const app of [a, b]) expect((await send(app, 'How long do I have to return an item?')).outcome).toBe('answered');
  });
});

describe('Redis stops answering', () => {
  it('fails the turn fast with 503, then recovers with nothing acknowledged lost', { timeout: 30_000 }, async () => {
    const chat = await startChat(a.app);
    const before = await chat.send('How long do I have to return an item?');
    expect(before.outcome).toBe('answered');

    redis.pause();
    try {
      const during = await b.app.inject({
        method: 'POST',
        url: `/api/sessions/${chat.sessionId}/messages`,
        headers: chat.headers,
        payload: { message: 'And how long does a refund take?' },
      });
      expect(during.statusCode).toBe(503);
      expect(during.json().error.code).toBe('SESSION_STORE_UNAVAILABLE');
      const ready = await b.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
    } finally {
      redis.resume();
    }
    await waitFor(async () => (await b.app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200, 15_000, 'readiness to recover');
    const after = await chat.send('And how long does a refund take?');
    expect(after.outcome).toBe('answered');
    const session = await a.app.services.sessionStore.get(chat.sessionId);
    expect(session!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });
});
