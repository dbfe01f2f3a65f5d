/**
 * Escalation end to end: the reasons, the ticket (summary, reasons, known facts), the session waiting for a
 * human, the signed webhook the team receives, the message the customer sees, silence while a human has the
 * conversation, and a fresh start (no hand-off loop) once it is resolved.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/agent/notify/index.js';
import type { HandoffNotice } from '../../src/agent/notify/types.js';
import { ALREADY_WITH_TEAM } from '../../src/agent/handoff.js';
import { createScriptedModel } from '../../src/llm/index.js';
import type { TestApp } from '../helpers/app.js';
import { addArticle, buildAgentApp, REFUND_ARTICLE, startChat, transcript } from './helpers.js';
import { eventually } from '../knowledge/service/helpers.js';

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

    // A human resolves the ticket (the console will do this through the tickets API).
    await t.app.services.repositories.tickets.resolve(handed.ticketId!);
    await t.app.services.sessionStore.update(chat.sessionId, { status: 'resolved' });

    const after = await chat.send('Thanks. One more thing: how long do I have to return an item?');
    expect(after.outcome).toBe('answered');
    expect(after.status).toBe('active');
    expect(after.sessionStats.failureCount).toBe(0);
    const unknown = await chat.send('Do you sponsor hot air balloon festivals?');
    expect(unknown.outcome).toBe('unknown'); // one failure since reopening: offered, not forced
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
