/**
 * The console in a real browser (Debian's Chromium, playwright-core): an agent logs in, finds the customer who
 * asked for a human in the queue, reads the conversation and what the agent knew, takes it, answers (the customer
 * gets the message) and resolves it (the conversation goes back to the agent).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/server/auth/accounts.js';
import type { TestApp } from '../helpers/app.js';
import { buildAgentApp, startChat } from '../agent/helpers.js';
import { ADMIN_KEY } from '../knowledge/service/helpers.js';
import { CHROMIUM, launchChromium } from './browser.js';

const PASSWORD = 'a long passphrase for the console test';
let t: TestApp;
let browser: Browser;
let base: string;

beforeAll(async () => {
  t = await buildAgentApp();
  await createAccount(t.app.services.repositories.users, { email: 'noor@example.com', displayName: 'Noor', role: 'agent', password: PASSWORD });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the console', () => {
  it('lets an agent log in, take a hand-off, answer the customer and resolve it', async () => {
    expect(fs.existsSync(CHROMIUM)).toBe(true);
    const chat = await startChat(t.app, { customerId: 'cust-console' });
    await chat.send('Hi, my order number is 771234.');
    const handed = await chat.send('I need to talk to a person about my order');
    expect(handed.outcome).toBe('escalated');

    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/console`);
    await page.getByLabel('E-mail').fill('noor@example.com');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Noor (agent)').waitFor();

    await page.locator('aside li button', { hasText: '771234' }).first().click();
    await page.locator('.transcript li.customer', { hasText: 'I need to talk to a person about my order' }).waitFor();
    await page.locator('.facts', { hasText: '771234' }).waitFor();
    await page.getByRole('button', { name: 'Take it' }).click();
    await page.getByText('· yours').waitFor();

    await page.getByLabel('Your reply').fill('Hello, Noor here. Let me check order 771234.');
    await page.getByRole('button', { name: 'Send' }).dblclick(); // sent once all the same
    await page.locator('.transcript li.agent', { hasText: 'Let me check order 771234.' }).waitFor();
    await page.waitForTimeout(300); // room for a second request, were there one
    const stored = (await t.app.inject({ method: 'GET', url: `/api/tickets/${handed.ticketId}`, headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();
    expect(stored.messages.filter((m: { role: string }) => m.role === 'agent')).toHaveLength(1);
    const seen = await t.app.inject({ method: 'GET', url: `/api/sessions/${chat.sessionId}/messages`, headers: chat.headers });
    expect(seen.json().messages.at(-1)).toMatchObject({ role: 'agent', author: 'Noor', content: 'Hello, Noor here. Let me check order 771234.' });

    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByLabel('Your reply').waitFor({ state: 'detached' });
    expect(await t.app.services.repositories.tickets.get(handed.ticketId!)).toMatchObject({ status: 'resolved' });
    expect(await t.app.services.sessionStore.get(chat.sessionId)).toMatchObject({ status: 'resolved' });
  });

  it('is served with scripts from its own origin only, and needs the build', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/console' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    const asset = await t.app.inject({ method: 'GET', url: script! });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    const outside = await t.app.inject({ method: 'GET', url: '/console/assets/..%2F..%2Fwidget.js' });
    expect([403, 404]).toContain(outside.statusCode);
    expect(outside.body).not.toContain('frontline-chat');
  });
});
