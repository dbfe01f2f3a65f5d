/** The webhook notifier against a real node:http receiver: signatures, retries, timeouts, Retry-After. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotificationDispatcher } from '../../../src/agent/notify/dispatcher.js';
import { NotificationError } from '../../../src/agent/notify/errors.js';
import { parseRetryAfter, signWebhookPayload, verifyWebhookSignature, WebhookNotifier } from '../../../src/agent/notify/webhook.js';
import { captureLogger, closedPort, sampleNotice, startWebhookReceiver, type Responder, type WebhookReceiver } from './helpers.js';
import { runNotifierConformance } from './notifier.suite.js';

const SECRET = 'test-webhook-secret-0123456789abcdef';

runNotifierConformance('webhook', {
  async start() {
    const receiver = await startWebhookReceiver();
    return {
      notifier: new WebhookNotifier({ url: receiver.url, secret: SECRET }),
      received: () =>
        receiver.requests.map((r) => ({ deliveryId: String(r.headers['x-frontline-delivery']), ticketId: JSON.parse(r.rawBody).ticketId })),
      close: () => receiver.close(),
    };
  },
  async unreachable() {
    return new WebhookNotifier({ url: `http://127.0.0.1:${await closedPort()}/hook`, secret: SECRET });
  },
});

describe('webhook notifier', () => {
  const receivers: WebhookReceiver[] = [];
  const receiver = async (responder?: Responder) => {
    const started = await startWebhookReceiver(responder);
    receivers.push(started);
    return started;
  };
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  function dispatcherFor(url: string, options: { timeoutMs?: number; maxAttempts?: number } = {}) {
    const capture = captureLogger();
    const notifier = new WebhookNotifier({ url, secret: SECRET, userAgent: 'Frontline/9.9.9', timeoutMs: options.timeoutMs });
    const dispatcher = new NotificationDispatcher([notifier], { maxAttempts: options.maxAttempts ?? 5, baseDelayMs: 2, maxDelayMs: 20, logger: capture.logger });
    return { dispatcher, notifier, ...capture };
  }

  it('signs every attempt and retries 500s with the same delivery id until a 200', async () => {
    const hook = await receiver((attempt) => ({ status: attempt <= 2 ? 500 : 200 }));
    const { dispatcher } = dispatcherFor(hook.url);
    const notice = sampleNotice();
    dispatcher.dispatch(notice);
    await vi.waitFor(() => expect(dispatcher.stats()).toEqual({ delivered: 1, failed: 0, retried: 2, pending: 0 }));

    expect(hook.requests).toHaveLength(3);
    for (const request of hook.requests) {
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'Frontline/9.9.9',
        'x-frontline-event': 'ticket.created',
        'x-frontline-delivery': notice.deliveryId,
      });
      expect(request.headers['x-frontline-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature(request.rawBody, request.headers['x-frontline-signature'] as string, SECRET)).toBe(true);
      expect(JSON.parse(request.rawBody)).toEqual(notice);
    }
  });

  it('does not retry a 400, nor follow a redirect', async () => {
    for (const status of [400, 302]) {
      const hook = await receiver(() => ({ status, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
      const { dispatcher, notifier } = dispatcherFor(hook.url);
      dispatcher.dispatch(sampleNotice());
      await vi.waitFor(() => expect(dispatcher.stats()).toMatchObject({ failed: 1, retried: 0, pending: 0 }));
      expect(hook.requests).toHaveLength(1);
      const error = await notifier.deliver(sampleNotice()).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ retryable: false, details: { status } });
    }
  });

  it('gives up after ESCALATION_WEBHOOK_MAX_ATTEMPTS', async () => {
    const hook = await receiver(() => ({ status: 503 }));
    const { dispatcher, lines } = dispatcherFor(hook.url, { maxAttempts: 3 });
    dispatcher.dispatch(sampleNotice());
    await vi.waitFor(() => expect(dispatcher.stats()).toEqual({ delivered: 0, failed: 1, retried: 2, pending: 0 }));
    expect(hook.requests).toHaveLength(3);
    expect(lines().find((line) => line.msg === 'escalation notice not delivered')).toMatchObject({ outcome: 'attempts exhausted', attempt: 3 });
  });

  it('times out a receiver that never answers, and retries it', async () => {
    const hook = await receiver((attempt) => (attempt === 1 ? 'hang' : { status: 204 }));
    const { dispatcher, notifier } = dispatcherFor(hook.url, { timeoutMs: 150 });
    dispatcher.dispatch(sampleNotice());
    await vi.waitFor(() => expect(dispatcher.stats()).toEqual({ delivered: 1, failed: 0, retried: 1, pending: 0 }));
    expect(hook.requests).toHaveLength(2);

    hook.respond(() => 'hang');
    const error = await notifier.deliver(sampleNotice()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotificationError);
    expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('did not answer within 150 ms') });
  });

  it('waits as long as a 429 Retry-After asks before trying again', async () => {
    const hook = await receiver((attempt) => (attempt === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const { dispatcher, lines } = dispatcherFor(hook.url);
    dispatcher.dispatch(sampleNotice());
    await vi.waitFor(() => expect(dispatcher.stats()).toMatchObject({ delivered: 1, retried: 1 }), { timeout: 5000 });
    expect(lines().find((line) => line.msg?.toString().includes('will retry'))).toMatchObject({ retryInMs: 1000 });
    // A lower bound only: the retry came no sooner than asked (timers never fire early).
    expect(hook.requests[1]!.at - hook.requests[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('keeps the URL path and query (they often hold a token) out of errors and logs', async () => {
    const hook = await receiver(() => ({ status: 500 }));
    const { dispatcher, text, notifier } = dispatcherFor(hook.url, { maxAttempts: 1 });
    dispatcher.dispatch(sampleNotice());
    await vi.waitFor(() => expect(dispatcher.stats().failed).toBe(1));
    const error = (await notifier.deliver(sampleNotice()).catch((caught: unknown) => caught)) as Error;
    for (const output of [text(), error.message]) {
      expect(output).toContain('127.0.0.1');
      expect(output).not.toContain('in-the-url');
      expect(output).not.toContain(SECRET);
    }
  });

  it('refuses bad options when built', () => {
    expect(() => new WebhookNotifier({ url: 'ftp://example.com', secret: SECRET })).toThrow(TypeError);
    expect(() => new WebhookNotifier({ url: 'https://example.com', secret: '' })).toThrow(TypeError);
    expect(() => new WebhookNotifier({ url: 'https://example.com', secret: SECRET, timeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('verifyWebhookSignature', () => {
  const body = JSON.stringify(sampleNotice());
  const now = Date.parse('2025-06-02T10:00:00Z');
  const t = now / 1000;

  it('accepts the signature of the raw body within the tolerance', () => {
    const header = signWebhookPayload(body, SECRET, t);
    expect(verifyWebhookSignature(body, header, SECRET, { now })).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), header, SECRET, { now: now + 299_000 })).toBe(true);
    // Rotating secrets: any of them may match.
    expect(verifyWebhookSignature(body, header, ['new-secret', SECRET], { now })).toBe(true);
  });

  it('refuses a changed body, another secret, an old timestamp and malformed headers', () => {
    const header = signWebhookPayload(body, SECRET, t);
    expect(verifyWebhookSignature(`${body} `, header, SECRET, { now })).toBe(false);
    expect(verifyWebhookSignature(body, header, 'another-secret', { now })).toBe(false);
    expect(verifyWebhookSignature(body, header, SECRET, { now: now + 301_000 })).toBe(false);
    expect(verifyWebhookSignature(body, header, SECRET, { now: now + 3_600_000, toleranceSeconds: 3600 })).toBe(true);
    const v1 = header.split(',v1=')[1]!;
    for (const bad of [undefined, '', 'garbage', `v1=${v1}`, `t=${t}`, `t=${t},v1=abc`, `t=${t + 1},v1=${v1}`, `t=x,v1=${v1}`]) {
      expect(verifyWebhookSignature(body, bad, SECRET, { now })).toBe(false);
    }
    expect(verifyWebhookSignature(body, header, '', { now })).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-06-02T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 02 Jun 2025 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 02 Jun 2025 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
