/**
 * Escalation end to end: the reasons, the ticket (summary, reasons, known facts), the session waiting for a
 * human, the signed webhook the team receives, the message the customer sees, silence while a human has the
 * conversation, the tickets API the team works from, and a fresh start (no hand-off loop) once a ticket is
 * resolved.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { verifyWebhookSignature } from '../../src/agent/notify/index.js';
import type { HandoffNotice } from '../../src/agent/notify/types.js';
import { ALREADY_WITH_TEAM } from '../../src/agent/handoff.js';
import { createScriptedModel } from '../../src/llm/index.js';
import type { TestApp } from '../helpers/app.js';
import { addArticle, buildAgentApp, REFUND_ARTICLE, startChat, transcript } from './helpers.js';
import { adminHeaders, eventually } from '../knowledge/service/helpers.js';

const WEBHOOK_SECRET = 'whsec-test-0123456789abcdef0123456789abcdef';
const received: { notice: HandoffNotice; verified: boolean }[] = [];
let webhook: http.Server;
let t: TestApp;
const model = createScriptedModel({ loop: true, steps: [{ text: 'You can return unused items within 30 days [1].' }] });

beforeAll(async () => {
  webhook = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifyWebhookSignature(body, String(request.headers['x-frontline-signature']), WEBHOOK_SECRET, { toleranceSeconds: 300 });
      received.push({ notice: JSON.parse(body) as HandoffNotice, verified });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const port = (webhook.address() as AddressInfo).port;
  t = await buildAgentApp(
    {
      ESCALATION_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/frontline`,
      ESCALATION_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ESCALATION_KEYWORDS: JSON.stringify({ urgent: 1.0, lawyer: 1.0, invoice: 0.5 }),
    },
    model,
  );
  await addArticle(t.app, 'Returns and refunds', REFUND_ARTICLE);
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => webhook.close(resolve));
});


describe('asking for a human', () => {
  it('creates a ticket with summary, reasons and known facts, and tells the team and the customer', async () => {
    const chat = await startChat(t.app, { customerId: 'cust-42' });
    await chat.send('Hi, my name is Dana Whitfield and my order number is 884213. Can I return it within 30 days?');
    const turn = await chat.send('I want to talk to a real person please');

    expect(turn.outcome).toBe('escalated');
    expect(turn.escalated).toBe(true);
    expect(turn.status).toBe('waiting_for_human');
    expect(turn.reasons.join(' ')).toMatch(/asked for a human/);
    expect(turn.reply).toMatch(/team/i);

    const ticket = await t.app.services.repositories.tickets.get(turn.ticketId!);
    expect(ticket).toMatchObject({ status: 'open', priority: 'normal' });
    expect(ticket!.reasons.join(' ')).toMatch(/asked for a human/);
    expect(ticket!.summary).toMatch(/884213/);
    expect(ticket!.customerFacts.map((f) => f.value)).toEqual(expect.arrayContaining(['884213']));

    const session = await t.app.services.sessionStore.get(chat.sessionId);
    expect(session).toMatchObject({ status: 'waiting_for_human', metadata: { ticketId: turn.ticketId } });
    expect(session!.counters.escalationCount).toBe(1);

    const delivery = await eventually(async () => received.find((r) => r.notice.ticketId === turn.ticketId));
    expect(delivery.verified).toBe(true);
    expect(delivery.notice).toMatchObject({ event: 'ticket.created', sessionId: chat.sessionId, customerId: 'cust-42' });
    expect(delivery.notice.transcript.at(-1)?.content).toBe('I want to talk to a real person please');
  });

  it('stays silent while a human has the conversation, keeping every message for them', async () => {
    const chat = await startChat(t.app);
    const first = await chat.send('Can I speak to an agent?');
    expect(first.outcome).toBe('escalated');
    const calls = model.calls.length;
    const relayed = await chat.send('My order arrived broken, here is what happened...');
    expect(relayed).toMatchObject({ outcome: 'relayed', reply: '', escalated: true, ticketId: first.ticketId });
    expect(model.calls.length).toBe(calls);
    const stored = await transcript(t.app, chat);
    expect(stored.at(-1)).toMatchObject({ role: 'customer', content: 'My order arrived broken, here is what happened...' });
  });

  it('takes "yes please" after the offer of a human as a request for one', async () => {
    const chat = await startChat(t.app);
    const unknown = await chat.send('Do you sell replacement parts for vintage Italian motorbikes?');
    expect(unknown.outcome).toBe('unknown');
    const yes = await chat.send('yes please');
    expect(yes.outcome).toBe('escalated');
    expect(yes.reasons.join(' ')).toMatch(/accepted the offer/);
  });

  it('escalates urgent keywords before answering, with a higher priority', async () => {
    const chat = await startChat(t.app);
    const turn = await chat.send('This is urgent: my refund of 30 days ago has still not arrived');
    expect(turn.outcome).toBe('escalated');
    const ticket = await t.app.services.repositories.tickets.get(turn.ticketId!);
    expect(ticket!.priority).toBe('urgent');
  });

  it('does not escalate on a weak keyword alone', async () => {
    const chat = await startChat(t.app);
    const turn = await chat.send('Where can I find the invoice for the item I want to return within 30 days?');
    expect(turn.outcome).toBe('answered');
  });
});

describe('after the conversation is resolved', () => {
  it('starts afresh: earlier failures do not trigger another hand-off', async () => {
    const chat = await startChat(t.app);
    await chat.send('Do you ship llamas to Antarctica?');
    const handed = await chat.send('Are your warehouses haunted by ghosts?');
    expect(handed.outcome).toBe('escalated');

    const resolved = await t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ id: handed.ticketId, status: 'resolved', resolvedAt: expect.any(String) });
    expect(await t.app.services.sessionStore.get(chat.sessionId)).toMatchObject({ status: 'resolved' });
    const conversation = await t.app.services.repositories.conversations.get((await t.app.services.sessionStore.get(chat.sessionId))!.conversationId!);
    expect(conversation).toMatchObject({ status: 'resolved', closedAt: expect.any(Date) });

    const after = await chat.send('Thanks. One more thing: how long do I have to return an item?');
    expect(after.outcome).toBe('answered');
    expect(after.status).toBe('active');
    expect(after.sessionStats.failureCount).toBe(0);
    const unknown = await chat.send('Do you sponsor hot air balloon festivals?');
    expect(unknown.outcome).toBe('unknown'); // one failure since reopening: offered, not forced

    const again = await chat.send('Can I talk to someone from your team?');
    expect(again.outcome).toBe('escalated');
    expect(again.ticketId).not.toBe(handed.ticketId); // a new hand-off, not the resolved ticket reopened
  });

  it('reuses the open ticket instead of opening another', async () => {
    const chat = await startChat(t.app);
    const first = await chat.send('I need a human');
    await t.app.services.sessionStore.update(chat.sessionId, { status: 'active' }); // e.g. the customer reopened the widget
    const again = await chat.send('Let me talk to a person');
    expect(again.ticketId).toBe(first.ticketId);
    expect(again.reply).toBe(ALREADY_WITH_TEAM);
  });
});

describe('the tickets API', () => {
  const get = (url: string, headers: Record<string, string> = adminHeaders()) => t.app.inject({ method: 'GET', url, headers });

  it('lists the queue oldest first, filters by status, and shows one ticket with its transcript', async () => {
    const chat = await startChat(t.app, { customerId: 'cust-api' });
    await chat.send('My order number is 551200.');
    const handed = await chat.send('Please put me through to customer service');

    const queue = await get('/api/tickets?limit=200');
    expect(queue.statusCode).toBe(200);
    const tickets = queue.json().tickets as { id: string; status: string; createdAt: string }[];
    expect(tickets.map((ticket) => ticket.id)).toContain(handed.ticketId);
    expect(tickets.every((ticket) => ticket.status === 'open' || ticket.status === 'claimed')).toBe(true);
    expect(tickets.map((ticket) => ticket.createdAt)).toEqual([...tickets.map((ticket) => ticket.createdAt)].sort());

    const detail = await get(`/api/tickets/${handed.ticketId}`);
    expect(detail.statusCode).toBe(200);
    const body = detail.json();
    expect(body).toMatchObject({
      id: handed.ticketId,
      status: 'open',
      reasons: [expect.stringMatching(/asked for a human/)],
      conversation: { sessionId: chat.sessionId, customerId: 'cust-api', status: 'waiting_for_human' },
      truncated: false,
    });
    expect(body.customerFacts).toEqual(expect.arrayContaining([{ key: 'order:551200', value: '551200' }]));
    expect(body.messages.map((m: { role: string; content: string }) => m.content)).toContain('Please put me through to customer service');

    const firstPage = (await get('/api/tickets?limit=1')).json();
    expect(firstPage.tickets).toHaveLength(1);
    const secondPage = (await get(`/api/tickets?limit=1&cursor=${encodeURIComponent(firstPage.nextCursor)}`)).json();
    expect(secondPage.tickets[0].createdAt >= firstPage.tickets[0].createdAt).toBe(true);
    expect(secondPage.tickets[0].id).not.toBe(firstPage.tickets[0].id);

    await t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
    const resolved = (await get('/api/tickets?status=resolved&status=claimed&order=desc&limit=200')).json().tickets as { id: string }[];
    expect(resolved.map((ticket) => ticket.id)).toContain(handed.ticketId);
    expect(((await get('/api/tickets?limit=200')).json().tickets as { id: string }[]).map((ticket) => ticket.id)).not.toContain(handed.ticketId);
  });

  it('refuses a second resolve, an unknown ticket, a bad filter and a missing key', async () => {
    const chat = await startChat(t.app);
    const handed = await chat.send('I need a human');
    const resolve = () => t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
    expect((await resolve()).statusCode).toBe(200);
    const twice = await resolve();
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('CONFLICT');

    const unknown = await t.app.inject({ method: 'POST', url: '/api/tickets/no-such-ticket/resolve', headers: adminHeaders() });
    expect(unknown.statusCode).toBe(404);
    const badFilter = await get('/api/tickets?status=open,pending');
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().error.code).toBe('VALIDATION_ERROR');
    const noKey = await get('/api/tickets', {});
    expect(noKey.statusCode).toBe(401);
    expect((await get(`/api/tickets/${handed.ticketId}`, adminHeaders('fl_admin_wrong'))).statusCode).toBe(401);
  });

  it('lets the team write to the customer: the conversation is then with a human, and the agent stays silent', async () => {
    const chat = await startChat(t.app);
    const handed = await chat.send('Can I talk to an agent?');
    const write = (content: string, extra: Record<string, unknown> = {}) =>
      t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/messages`, headers: adminHeaders(), payload: { content, ...extra } });

    const written = await write('Hi, this is Priya from the returns team. Let me look at your order.', { author: 'Priya' });
    expect(written.statusCode).toBe(201);
    expect(written.json()).toMatchObject({ role: 'agent', author: 'Priya', content: 'Hi, this is Priya from the returns team. Let me look at your order.' });
    expect(await t.app.services.sessionStore.get(chat.sessionId)).toMatchObject({ status: 'human' });
    const stored = await t.app.inject({ method: 'GET', url: `/api/sessions/${chat.sessionId}/messages`, headers: chat.headers });
    expect(stored.json().messages.at(-1)).toMatchObject({ role: 'agent', author: 'Priya' });

    const calls = model.calls.length;
    const relayed = await chat.send('Thanks Priya, it is order 5521');
    expect(relayed).toMatchObject({ outcome: 'relayed', reply: '', status: 'human' });
    expect(model.calls.length).toBe(calls);
    expect((await write('Found it.')).json()).toMatchObject({ author: 'Support team' }); // the default name

    expect((await write('   ')).statusCode).toBe(400);
    expect((await write('x', { author: 'Priya', cc: 'someone' })).statusCode).toBe(400);
    await t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
    const late = await write('One more thing');
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('CONFLICT');
  });

  it('resolves the ticket of a session that has expired, and of one the customer ended', async () => {
    const expired = await startChat(t.app);
    const first = await expired.send('Transfer me to an agent');
    await t.app.services.sessionStore.delete(expired.sessionId); // as the store's expiry does
    const ended = await startChat(t.app);
    const second = await ended.send('Transfer me to an agent');
    expect((await t.app.inject({ method: 'DELETE', url: `/api/sessions/${ended.sessionId}`, headers: ended.headers })).statusCode).toBe(204);

    for (const ticketId of [first.ticketId, second.ticketId]) {
      const resolved = await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/resolve`, headers: adminHeaders() });
      expect(resolved.statusCode).toBe(200);
      expect(resolved.json().status).toBe('resolved');
    }
    const conversation = (await t.app.services.repositories.tickets.get(first.ticketId!))!.conversationId;
    expect(await t.app.services.repositories.conversations.get(conversation)).toMatchObject({ status: 'resolved' });
  });

  // The team and the customer act at once: whichever takes the session's lock first, the conversation ends up
  // either with the agent, or with the humans and an open ticket to tell them (never waiting on a closed ticket).
  it.each(['the team first', 'the customer first'])('keeps ticket, conversation and session consistent when they race (%s)', async (order) => {
    const chat = await startChat(t.app);
    const handed = await chat.send('I want to talk to a person');
    const { sessionStore, repositories } = t.app.services;
    const lock = await sessionStore.acquireLock(chat.sessionId); // both wait behind this
    // A slow database (as PostgreSQL across a network can be) widens any gap between the team's writes.
    const updateStatus = repositories.conversations.updateStatus;
    repositories.conversations.updateStatus = async (id, status) => {
      if (status === 'resolved') await new Promise((resolve) => setTimeout(resolve, 50));
      return updateStatus(id, status);
    };
    onTestFinished(() => void (repositories.conversations.updateStatus = updateStatus));
    const resolve = () => t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
    const ask = () => chat.send('Let me talk to a human please');
    const first = order === 'the team first' ? resolve() : ask();
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the first one queue for the lock
    const second = order === 'the team first' ? ask() : resolve();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await lock.release();
    await Promise.all([first, second]);

    const session = (await sessionStore.get(chat.sessionId))!;
    const conversation = (await repositories.conversations.get(session.conversationId!))!;
    const open = await repositories.tickets.findActiveByConversation(conversation.id);
    expect(conversation.status).toBe(session.status);
    if (session.status === 'waiting_for_human') expect(open?.id).toBe(session.metadata.ticketId);
    else expect(open).toBeNull();
    expect(await repositories.tickets.get(handed.ticketId!)).toMatchObject({ status: 'resolved' });
    if (order === 'the team first') expect(open?.id).not.toBe(handed.ticketId); // the customer's new request opened a new ticket
  });
});

describe('the team acting while the session is busy or going', () => {
  it('refuses a message that arrives after the ticket was resolved, even when both waited for the same lock', async () => {
    const chat = await startChat(t.app);
    const handed = await chat.send('Let me speak with an agent');
    const lock = await t.app.services.sessionStore.acquireLock(chat.sessionId);
    const resolving = t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const writing = t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/messages`, headers: adminHeaders(), payload: { content: 'Hello?' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await lock.release();
    expect((await resolving).statusCode).toBe(200);
    expect((await writing).statusCode).toBe(409); // the ticket was open when it asked, resolved when its turn came
    expect(await t.app.services.sessionStore.get(chat.sessionId)).toMatchObject({ status: 'resolved' });
  });

  it('stores a message once when the session ends while it is being written', async () => {
    const chat = await startChat(t.app);
    const handed = await chat.send('Let me speak with an agent');
    const { repositories, sessionStore } = t.app.services;
    const append = repositories.messages.append;
    repositories.messages.append = async (input) => {
      const stored = await append(input);
      if (input.role === 'agent') await sessionStore.delete(chat.sessionId); // the customer leaves meanwhile
      return stored;
    };
    onTestFinished(() => void (repositories.messages.append = append));
    const written = await t.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/messages`, headers: adminHeaders(), payload: { content: 'Only once' } });
    expect(written.statusCode).toBe(201);
    const stored = await repositories.messages.listByConversation((await repositories.tickets.get(handed.ticketId!))!.conversationId, { limit: 100 });
    expect(stored.items.filter((m) => m.content === 'Only once')).toHaveLength(1);
  });
});

describe('the tickets API while a turn holds the session', () => {
  it('answers 409 SESSION_BUSY (retryable) after SESSION_LOCK_TIMEOUT_SECONDS and leaves the ticket open', async () => {
    const quick = await buildAgentApp({ SESSION_LOCK_TIMEOUT_SECONDS: '1' }, model);
    try {
      const chat = await startChat(quick.app);
      const handed = await chat.send('Can I speak to an agent?');
      const lock = await quick.app.services.sessionStore.acquireLock(chat.sessionId, { leaseMs: 10_000 });
      const busy = await quick.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
      expect(busy.statusCode).toBe(409);
      expect(busy.json().error.code).toBe('SESSION_BUSY');
      expect(await quick.app.services.repositories.tickets.get(handed.ticketId!)).toMatchObject({ status: 'open' });
      await lock.release();
      const retried = await quick.app.inject({ method: 'POST', url: `/api/tickets/${handed.ticketId}/resolve`, headers: adminHeaders() });
      expect(retried.statusCode).toBe(200);
    } finally {
      await quick.close();
    }
  });
});
