/**
 * SSE and WebSocket end to end over a real socket: tokens then the final reply, authentication, limits, and a
 * client that goes away mid-reply (generation stops; the partial reply is stored as partial). Messages sent at
 * once to one session are answered one at a time, in order, none lost.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createScriptedModel, type CallOptions, type ScriptedResponse } from '../../src/llm/index.js';
import { openDatabase } from '../../src/storage/database.js';
import { createRepositories } from '../../src/storage/index.js';
import type { TestApp } from '../helpers/app.js';
import { addArticle, buildAgentApp, connectWs, expectEachReplyFollowsItsQuestion, REFUND_ARTICLE, startChat, transcript, type Chat } from './helpers.js';
import { ADMIN_KEY, eventually } from '../knowledge/service/helpers.js';

let respond: (call: CallOptions) => ScriptedResponse = () => ({ text: 'unset' });
const model = createScriptedModel({ loop: true, steps: [(call) => respond(call)] });
let t: TestApp;
let base: string;

const LONG_ANSWER = 'You can return any unused item within 30 days of delivery for a full refund, paid back within five business days [1].';

beforeAll(async () => {
  t = await buildAgentApp({ WEBSOCKET_MAX_CONNECTIONS: '3', WEBSOCKET_PING_TIMEOUT: '2' }, model);
  await addArticle(t.app, 'Returns and refunds', REFUND_ARTICLE);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

async function readEvents(response: Response, stopAfter?: (event: SseEvent) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>;
      events.push({ event, data });
      if (stopAfter?.(events.at(-1)!)) return events;
    }
  }
  return events;
}

function postMessage(chat: Chat, message: string, init: { signal?: AbortSignal; sse?: boolean } = {}) {
  return fetch(`http://${base}/api/sessions/${chat.sessionId}/messages`, {
    method: 'POST',
    headers: { ...chat.headers, 'content-type': 'application/json', ...(init.sse === false ? {} : { accept: 'text/event-stream' }) },
    body: JSON.stringify({ message }),
    signal: init.signal,
  });
}


describe('Server-Sent Events', () => {
  it('streams typing, then tokens, then the final reply with sources', async () => {
    respond = () => ({ text: LONG_ANSWER });
    const chat = await startChat(t.app);
    const response = await postMessage(chat, 'How long do I have to return something?');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(response);
    expect(events[0]!.event).toBe('typing');
    const tokens = events.filter((e) => e.event === 'token');
    expect(tokens.length).toBeGreaterThan(5);
    const final = events.at(-1)!;
    expect(final.event).toBe('reply');
    expect(tokens.map((e) => e.data.delta).join('')).toBe(final.data.reply);
    expect(final.data).toMatchObject({ outcome: 'answered', escalated: false });
    expect((final.data.sources as unknown[]).length).toBe(1);
  });

  it('answers errors found before streaming with a plain HTTP status', async () => {
    const chat = await startChat(t.app);
    const response = await postMessage({ ...chat, headers: { authorization: 'Bearer wrong' } }, 'hello');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('stops generating when the client goes away and stores the partial reply', async () => {
    respond = () => ({ text: LONG_ANSWER, chunkDelayMs: 40 });
    const chat = await startChat(t.app);
    const controller = new AbortController();
    const response = await postMessage(chat, 'How long do I have to return something?', { signal: controller.signal });
    await readEvents(response, (e) => e.event === 'token' && String(e.data.delta).length > 0).catch(() => undefined);
    controller.abort();
    const partial = await eventually(async () => (await transcript(t.app, chat)).find((m) => m.role === 'assistant'));
    expect(partial.status).toBe('partial');
    expect(partial.content.length).toBeGreaterThan(0);
    expect(LONG_ANSWER.startsWith(partial.content.replace(/\s+$/, '').slice(0, 10))).toBe(true);
    expect(partial.content.length).toBeLessThan(LONG_ANSWER.length);
  });
});

describe('one session, many messages at once', () => {
  it('serves them one at a time in arrival order and loses none', async () => {
    respond = (call) => ({ text: `Answer to "${String(call.messages.at(-1)?.content)}" [1]`, chunkDelayMs: 2 });
    const chat = await startChat(t.app);
    const questions = Array.from({ length: 5 }, (_, i) => `Question ${i + 1}: how long do I have to return an item?`);
    const responses = await Promise.all(questions.map((q) => postMessage(chat, q, { sse: false })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const stored = await transcript(t.app, chat);
    expect(stored).toHaveLength(10);
    expectEachReplyFollowsItsQuestion(stored);
    const session = await t.app.services.sessionStore.get(chat.sessionId);
    expect(session!.counters.messageCount).toBe(10);
  });
});

describe('WebSocket /ws', () => {
  const connect = (headers: Record<string, string> = {}) => connectWs(base, headers);

  it('authenticates with the first frame, then streams tokens and the reply', async () => {
    respond = () => ({ text: LONG_ANSWER });
    const chat = await startChat(t.app);
    const client = connect();
    await client.opened;
    client.socket.send(JSON.stringify({ type: 'auth', token: chat.token }));
    expect(await client.next('ready')).toEqual({ type: 'ready', sessionId: chat.sessionId, status: 'active' });
    client.socket.send(JSON.stringify({ type: 'message', message: 'How long do I have to return something?', id: 'm1' }));
    const reply = await client.next('reply');
    expect(reply).toMatchObject({ id: 'm1', outcome: 'answered' });
    const tokens = client.frames.filter((f) => f.type === 'token');
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.map((f) => f.delta).join('')).toBe(reply.reply);
    client.socket.close();
  });

  it('shows the customer live what the team does: a human joins, writes, and hands back', async () => {
    const chat = await startChat(t.app);
    const handed = await chat.send('I would like to speak to a person');
    const client = connect(chat.headers);
    await client.next('ready');
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    const written = await t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/messages`, headers: admin, payload: { content: 'Hello, Sam here.', author: 'Sam' } });
    expect(written.statusCode).toBe(201);
    expect(await client.next('agent_joined')).toEqual({ type: 'agent_joined', author: 'Sam' });
    expect(await client.next('message')).toMatchObject({ type: 'message', role: 'agent', author: 'Sam', content: 'Hello, Sam here.', id: written.json().id });
    await t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/messages`, headers: admin, payload: { content: 'Still here.', author: 'Sam' } });
    await eventually(async () => client.frames.find((f) => f.content === 'Still here.'));

    await t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: admin });
    expect(await client.next('resolved')).toEqual({ type: 'resolved' });
    expect(client.frames.map((f) => f.type)).toEqual(['ready', 'agent_joined', 'message', 'message', 'resolved']); // joined once
    client.socket.close();
  });

  it('accepts the token as an Authorization header on the upgrade', async () => {
    const chat = await startChat(t.app);
    const client = connect(chat.headers);
    expect(await client.next('ready')).toMatchObject({ sessionId: chat.sessionId });
    client.socket.close();
  });

  it('refuses messages before authentication and closes on a bad token', async () => {
    const client = connect();
    await client.opened;
    client.socket.send(JSON.stringify({ type: 'message', message: 'hi' }));
    expect(await client.next('error')).toMatchObject({ code: 'UNAUTHORIZED' });
    client.socket.send(JSON.stringify({ type: 'auth', token: 'not-a-token' }));
    expect((await client.closed).code).toBe(4401);
  });

  it('answers a malformed frame with an error and keeps the connection', async () => {
    const chat = await startChat(t.app);
    const client = connect(chat.headers);
    await client.next('ready');
    client.socket.send('{not json');
    expect(await client.next('error')).toMatchObject({ code: 'VALIDATION_ERROR' });
    client.socket.send(JSON.stringify({ type: 'ping' }));
    expect(await client.next('pong')).toEqual({ type: 'pong' });
    client.socket.close();
  });

  it('closes connections past WEBSOCKET_MAX_CONNECTIONS with 1013', async () => {
    const chat = await startChat(t.app);
    const open = [connect(chat.headers), connect(chat.headers), connect(chat.headers)];
    await Promise.all(open.map((c) => c.next('ready')));
    const extra = connect(chat.headers);
    expect((await extra.closed).code).toBe(1013);
    for (const c of open) c.socket.close();
    await Promise.all(open.map((c) => c.closed));
  });

  it('limits messages per connection to RATE_LIMIT_REQUESTS per RATE_LIMIT_PERIOD', async () => {
    const limited = await buildAgentApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_REQUESTS: '20', RATE_LIMIT_PERIOD: '60' }, model);
    try {
      await limited.app.listen({ port: 0, host: '127.0.0.1' });
      const chat = await startChat(limited.app);
      const socket = new WebSocket(`ws://127.0.0.1:${(limited.app.server.address() as AddressInfo).port}/ws`, { headers: chat.headers });
      const frames: Record<string, unknown>[] = [];
      const ready = new Promise<void>((resolve) =>
        socket.on('message', (data) => {
          const frame = JSON.parse(String(data)) as Record<string, unknown>;
          frames.push(frame);
          if (frame.type === 'ready') resolve();
        }),
      );
      await ready;
      respond = () => ({ text: 'Standard delivery takes 3 to 5 business days [1].' });
      const answerTo = (id: string) => eventually(async () => frames.find((f) => f.id === id && (f.type === 'reply' || f.type === 'error')));
      for (let i = 0; i < 20; i++) {
        socket.send(JSON.stringify({ type: 'message', message: `How long is delivery? (${i})`, id: `m${i}` }));
        expect(await answerTo(`m${i}`)).toMatchObject({ type: 'reply' });
      }
      socket.send(JSON.stringify({ type: 'message', message: 'And express?', id: 'm20' }));
      const refused = await answerTo('m20');
      expect(refused).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
      expect(refused.retryAfter).toBeGreaterThan(0);
      socket.close();
    } finally {
      await limited.close();
    }
  });

  it('drops a connection that does not answer pings within WEBSOCKET_PING_TIMEOUT, and keeps one that does', { timeout: 20_000 }, async () => {
    const pinging = await buildAgentApp({ WEBSOCKET_PING_INTERVAL: '1', WEBSOCKET_PING_TIMEOUT: '1' }, model);
    try {
      await pinging.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `ws://127.0.0.1:${(pinging.app.server.address() as AddressInfo).port}/ws`;
      const chat = await startChat(pinging.app);
      const silent = new WebSocket(url, { headers: chat.headers, autoPong: false });
      const answering = new WebSocket(url, { headers: chat.headers });
      let answeringClosed = false;
      answering.on('close', () => (answeringClosed = true));
      const code = await new Promise<number>((resolve) => silent.on('close', (closeCode) => resolve(closeCode)));
      expect(code).toBe(1006); // terminated, no close handshake
      expect(answeringClosed).toBe(false);
      answering.close();
    } finally {
      await pinging.close();
    }
  });

  it('cancels the turn when the socket closes mid-reply and stores it as partial', async () => {
    respond = () => ({ text: LONG_ANSWER, chunkDelayMs: 40 });
    const chat = await startChat(t.app);
    const client = connect(chat.headers);
    await client.next('ready');
    client.socket.send(JSON.stringify({ type: 'message', message: 'How long do I have to return something?' }));
    await client.next('token');
    client.socket.terminate();
    const partial = await eventually(async () => (await transcript(t.app, chat)).find((m) => m.role === 'assistant'));
    expect(partial.status).toBe('partial');
    expect(partial.content.length).toBeLessThan(LONG_ANSWER.length);
  });
});

describe('shutdown', () => {
  it('stores the partial reply of a WebSocket turn cut short by the server closing', { timeout: 30_000 }, async () => {
    const closing = await buildAgentApp({}, model);
    await addArticle(closing.app, 'Returns and refunds', REFUND_ARTICLE);
    await closing.app.listen({ port: 0, host: '127.0.0.1' });
    const chat = await startChat(closing.app);
    const conversationId = (await closing.app.services.sessionStore.get(chat.sessionId))!.conversationId!;
    respond = () => ({ text: LONG_ANSWER, chunkDelayMs: 60 });
    const socket = new WebSocket(`ws://127.0.0.1:${(closing.app.server.address() as AddressInfo).port}/ws`, { headers: chat.headers });
    const firstToken = new Promise<void>((resolve) => socket.on('message', (data) => JSON.parse(String(data)).type === 'token' && resolve()));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'message', message: 'How long do I have to return something?' })));
    await firstToken;
    await closing.close(); // closes the socket mid-reply, then the database

    const target = closing.settings.database.target;
    const database = await openDatabase(target);
    try {
      const stored = (await createRepositories(database).messages.listByConversation(conversationId)).items;
      expect(stored.map((m) => [m.role, m.status])).toEqual([
        ['customer', 'complete'],
        ['assistant', 'partial'],
      ]);
      expect(stored[1]!.content.length).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
  });
});
