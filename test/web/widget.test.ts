/**
 * The chat widget in a real browser (Debian's Chromium driven by playwright-core), embedded the way a business
 * embeds it: a page on another origin with one script tag and one element. It streams a cited answer, hands over
 * to a human whose messages arrive live, keeps the conversation across a reload, and shows HTML as text.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedModel, type CallOptions, type ScriptedResponse } from '../../src/llm/index.js';
import type { TestApp } from '../helpers/app.js';
import { addArticle, buildAgentApp, REFUND_ARTICLE } from '../agent/helpers.js';
import { adminHeaders } from '../knowledge/service/helpers.js';
import { launchChromium } from './browser.js';

let respond: (call: CallOptions) => ScriptedResponse = () => ({ text: 'unset' });
const model = createScriptedModel({ loop: true, steps: [(call) => respond(call)] });
let site: http.Server;
let t: TestApp;
let browser: Browser;
let siteUrl: string;

beforeAll(async () => {
  // The business's own site, on another origin than Frontline.
  let apiOrigin = '';
  site = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    // With rules that reach every element, as some sites have: the widget must stay where and how it is.
    response.end(`<!doctype html><html><head><style>* { font-size: 40px; line-height: 3; } [open] { position: static; }</style></head><body><h1>Acme</h1>
      <script src="${apiOrigin}/widget.js" defer></script>
      <frontline-chat heading="Acme support" open></frontline-chat></body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  t = await buildAgentApp({ CORS_ORIGINS: siteUrl }, model);
  await addArticle(t.app, 'Returns and refunds', REFUND_ARTICLE);
  await addArticle(t.app, 'Warranty <img src=x onerror="window.pwned=2">', '# Warranty\nEvery product has a two-year warranty against manufacturing defects.');
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  apiOrigin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await new Promise((resolve) => site?.close(resolve));
});

async function openSite(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(siteUrl);
  await page.locator('frontline-chat .status', { hasText: 'online' }).waitFor();
  return page;
}

/** Runs in the page: a computed style property of an element (the test itself has no DOM types). */
function computedStyle(node: unknown, property: string): string {
  return (globalThis as unknown as { getComputedStyle(node: unknown): Record<string, string> }).getComputedStyle(node)[property]!;
}

async function ask(page: Page, text: string): Promise<void> {
  await page.locator('frontline-chat textarea').fill(text);
  await page.locator('frontline-chat textarea').press('Enter');
}

describe('the <frontline-chat> widget', () => {
  it('is served as a script any site may load, cached by ETag', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/widget.js' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(first.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(first.body).toContain('frontline-chat');
    const again = await t.app.inject({ method: 'GET', url: '/widget.js', headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('answers with the streamed reply and its sources, and keeps the conversation across a reload', async () => {
    respond = () => ({ text: 'You can return any unused item within 30 days of delivery [1].', chunkDelayMs: 5 });
    const page = await openSite();
    await ask(page, 'How long do I have to return an item?');
    const answer = page.locator('frontline-chat .msg.assistant').last();
    await expect.poll(() => answer.textContent()).toContain('within 30 days of delivery [1].');
    expect(await answer.locator('ol li').allTextContents()).toEqual(['Returns and refunds']);
    expect(await page.locator('frontline-chat .msg.customer').allTextContents()).toEqual(['How long do I have to return an item?']);
    // The page's own rules do not move or restyle it.
    expect(await page.locator('frontline-chat').evaluate(computedStyle, 'position')).toBe('fixed');
    expect(await answer.evaluate(computedStyle, 'fontSize')).toBe('14px');

    await page.reload();
    await page.locator('frontline-chat .status', { hasText: 'online' }).waitFor();
    await expect.poll(() => page.locator('frontline-chat .msg').allTextContents()).toEqual([
      'How long do I have to return an item?',
      expect.stringContaining('within 30 days of delivery [1].'),
    ]);
  });

  it('hands over to a human whose messages and hand-back arrive live', async () => {
    const page = await openSite();
    await ask(page, 'I want to talk to a real person please');
    await expect.poll(() => page.locator('frontline-chat .msg.assistant').last().textContent()).toMatch(/team/i);

    const queue = await t.app.inject({ method: 'GET', url: '/api/tickets?order=desc&limit=1', headers: adminHeaders() });
    const ticketId = queue.json().tickets[0].id as string;
    await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/messages`, headers: adminHeaders(), payload: { content: 'Hi, Priya here. How can I help?', author: 'Priya' } });
    await page.locator('frontline-chat .note', { hasText: 'Priya joined the conversation' }).waitFor();
    const fromPriya = page.locator('frontline-chat .msg.agent').last();
    await expect.poll(() => fromPriya.textContent()).toBe('PriyaHi, Priya here. How can I help?');

    await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/resolve`, headers: adminHeaders() });
    await page.locator('frontline-chat .note', { hasText: 'resolved' }).waitFor();
  });

  it('comes back after the connection drops, with what the team wrote and what the customer typed meanwhile', async () => {
    const page = await openSite();
    await ask(page, 'Can I speak to a human?');
    await expect.poll(() => page.locator('frontline-chat .msg.assistant').last().textContent()).toMatch(/team/i);
    const ticketId = (await t.app.inject({ method: 'GET', url: '/api/tickets?order=desc&limit=1', headers: adminHeaders() })).json().tickets[0].id;

    // The connection drops (closed under the widget, as a network failure would).
    await page.locator('frontline-chat').evaluate((chat) => (chat as unknown as { client: { socket: { close(code: number): void } } }).client.socket.close(3000));
    await page.locator('frontline-chat .status', { hasText: 'reconnecting' }).waitFor();
    // Written while the widget is away: no socket hears it. The customer types too.
    await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/messages`, headers: adminHeaders(), payload: { content: 'Sorry for the wait!', author: '<b>Noor</b>' } });
    await ask(page, 'Typed while offline');
    await page.locator('frontline-chat .status', { hasText: 'online' }).waitFor({ timeout: 10_000 });
    const shown = () => page.locator('frontline-chat .msg').allTextContents();
    await expect.poll(shown).toEqual([
      'Can I speak to a human?',
      expect.stringMatching(/team/i),
      '<b>Noor</b>Sorry for the wait!', // a name is text too
      'Typed while offline',
    ]);
    // ...and the message typed offline did reach the team, once.
    const detail = (await t.app.inject({ method: 'GET', url: `/api/tickets/${ticketId}`, headers: adminHeaders() })).json();
    expect(detail.messages.filter((m: { content: string }) => m.content === 'Typed while offline')).toHaveLength(1);
    expect(await page.locator('frontline-chat b').count()).toBe(0);
  });

  it('keeps one chat when the page moves it, sends on Enter and breaks lines on Shift+Enter', async () => {
    respond = () => ({ text: 'Every product has a two-year warranty [1].' });
    const page = await openSite();
    await page.locator('frontline-chat').evaluate((chat) => {
      const parent = chat.parentElement!;
      chat.remove();
      parent.append(chat); // as frameworks do when they re-render
    });
    await page.locator('frontline-chat .status', { hasText: 'online' }).waitFor();
    expect(await page.locator('frontline-chat .panel').count()).toBe(1);
    const input = page.locator('frontline-chat textarea');
    await input.fill('What warranty');
    await input.press('Shift+Enter');
    await input.pressSequentially('do you give?');
    await input.press('Enter');
    await expect.poll(() => page.locator('frontline-chat .msg.customer').allTextContents()).toEqual(['What warranty\ndo you give?']);
    const answer = page.locator('frontline-chat .msg.assistant').last();
    await expect.poll(() => answer.locator('ol li').allTextContents()).toContain('Warranty <img src=x onerror="window.pwned=2">');
    expect(await page.locator('frontline-chat img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('shows markup in a reply as text: nothing a reply says can run in the host page', async () => {
    respond = () => ({ text: 'See <img src=x onerror="window.pwned=1"> and <b>this</b> [1].' });
    const page = await openSite();
    await ask(page, 'How long do I have to return an item?');
    const answer = page.locator('frontline-chat .msg.assistant').last();
    await expect.poll(() => answer.textContent()).toContain('<img src=x onerror="window.pwned=1">');
    expect(await page.locator('frontline-chat img, frontline-chat b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
  });
});
