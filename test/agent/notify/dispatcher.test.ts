/**
 * NotificationDispatcher: retries, giving up, the pending bound, drain and close. Scripted notifiers stand in for
 * the channels here (the real ones run in webhook.test.ts, email.test.ts and the last test below).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../../src/config/index.js';
import { NotificationDispatcher, type DispatcherOptions } from '../../../src/agent/notify/dispatcher.js';
import { NotificationError } from '../../../src/agent/notify/errors.js';
import { createNotificationDispatcher, createNotifiers } from '../../../src/agent/notify/index.js';
import type { HandoffNotice, Notifier } from '../../../src/agent/notify/types.js';
import { verifyWebhookSignature } from '../../../src/agent/notify/webhook.js';
import { captureLogger, PRIVATE_TEXT, readMime, sampleNotice, startSmtpReceiver, startWebhookReceiver } from './helpers.js';

type Step = 'ok' | 'retry' | 'fail' | 'crash' | 'hang' | { retryAfterMs: number };

/** A notifier that plays `steps` in order (the last one repeats) and records every call. */
function scripted(name: string, steps: Step[]) {
  const calls: { notice: HandoffNotice; signal?: AbortSignal }[] = [];
  let closed = 0;
  const notifier: Notifier = {
    name,
    async deliver(notice, signal) {
      calls.push({ notice, signal });
      const step = steps[Math.min(calls.length, steps.length) - 1]!;
      if (step === 'ok') return;
      if (step === 'crash') throw new TypeError('a bug, not a delivery failure');
      if (step === 'hang') {
        return new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(new NotificationError(name, 'cancelled', { retryable: true }))),
        );
      }
      const retryAfterMs = typeof step === 'object' ? step.retryAfterMs : undefined;
      throw new NotificationError(name, `${name} said no`, { retryable: step !== 'fail', retryAfterMs });
    },
    async close() {
      closed += 1;
    },
  };
  return { notifier, calls, closedCount: () => closed };
}

/** A notifier whose deliveries wait until the test releases them. */
function gated(name = 'gated') {
  const waiting: (() => void)[] = [];
  const notifier: Notifier = {
    name,
    deliver: () => new Promise<void>((resolve) => waiting.push(resolve)),
    close: async () => undefined,
  };
  return { notifier, waiting, releaseAll: () => waiting.splice(0).forEach((release) => release()) };
}

const open: NotificationDispatcher[] = [];
function dispatcher(notifiers: Notifier[], options: Partial<DispatcherOptions> = {}) {
  const capture = captureLogger();
  const made = new NotificationDispatcher(notifiers, { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 10, logger: capture.logger, ...options });
  open.push(made);
  return { dispatcher: made, ...capture };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

describe('NotificationDispatcher', () => {
  it('retries a retryable failure with the same notice until it is delivered', async () => {
    const webhook = scripted('webhook', ['retry', 'retry', 'ok']);
    const { dispatcher: d, lines } = dispatcher([webhook.notifier]);
    const notice = sampleNotice();
    d.dispatch(notice);
    await vi.waitFor(() => expect(d.stats()).toEqual({ delivered: 1, failed: 0, retried: 2, pending: 0 }));
    expect(webhook.calls.map((c) => c.notice)).toEqual([notice, notice, notice]);
    expect(lines().filter((l) => l.msg === 'escalation notice delivered')).toEqual([
      expect.objectContaining({ notifier: 'webhook', ticketId: notice.ticketId, deliveryId: notice.deliveryId, attempt: 3 }),
    ]);
  });

  it('gives up after maxAttempts, or at once when retrying cannot help, and logs ids but no content', async () => {
    const flaky = scripted('flaky', ['retry']);
    const refused = scripted('refused', ['fail']);
    const buggy = scripted('buggy', ['crash']);
    const { dispatcher: d, lines, text } = dispatcher([flaky.notifier, refused.notifier, buggy.notifier], { maxAttempts: 3 });
    const notice = sampleNotice();
    d.dispatch(notice);
    await vi.waitFor(() => expect(d.stats()).toEqual({ delivered: 0, failed: 3, retried: 2, pending: 0 }));
    expect([flaky.calls.length, refused.calls.length, buggy.calls.length]).toEqual([3, 1, 1]);
    const outcomes = Object.fromEntries(lines().filter((l) => l.level === 50).map((l) => [l.notifier, l.outcome]));
    expect(outcomes).toEqual({ flaky: 'attempts exhausted', refused: 'not retryable', buggy: 'not retryable' });
    expect(text()).toContain(notice.ticketId);
    for (const secretish of [PRIVATE_TEXT, notice.summary, 'Let me talk to a']) expect(text()).not.toContain(secretish);
  });

  it('delivers to each notifier independently', async () => {
    const down = scripted('down', ['fail']);
    const up = scripted('up', ['ok']);
    const { dispatcher: d } = dispatcher([down.notifier, up.notifier]);
    d.dispatch(sampleNotice());
    await vi.waitFor(() => expect(d.stats()).toEqual({ delivered: 1, failed: 1, retried: 0, pending: 0 }));
    expect(d.channels).toEqual(['down', 'up']);
  });

  it('backs off exponentially with jitter, up to maxDelayMs, and honours Retry-After up to maxRetryAfterMs', async () => {
    const backoff = scripted('backoff', ['retry', 'retry', 'retry', 'retry', 'ok']);
    const { dispatcher: d, lines } = dispatcher([backoff.notifier], { maxAttempts: 5, baseDelayMs: 4, maxDelayMs: 10, random: () => 0 });
    d.dispatch(sampleNotice());
    await vi.waitFor(() => expect(d.stats().delivered).toBe(1));
    // Equal jitter with random() = 0: half of 4, 8, min(16, 10), min(32, 10).
    expect(lines().filter((l) => l.retryInMs !== undefined).map((l) => l.retryInMs)).toEqual([2, 4, 5, 5]);

    const polite = scripted('polite', [{ retryAfterMs: 30 }, { retryAfterMs: 3_600_000 }, 'ok']);
    const second = dispatcher([polite.notifier], { maxRetryAfterMs: 40 });
    second.dispatcher.dispatch(sampleNotice());
    await vi.waitFor(() => expect(second.dispatcher.stats().delivered).toBe(1));
    expect(second.lines().filter((l) => l.retryInMs !== undefined).map((l) => l.retryInMs)).toEqual([30, 40]);
  });

  it('drops past maxPending with a warning, counted as failed', async () => {
    const slow = gated();
    const { dispatcher: d, lines } = dispatcher([slow.notifier], { maxPending: 2 });
    const notices = [sampleNotice(), sampleNotice(), sampleNotice()];
    for (const notice of notices) d.dispatch(notice);
    expect(d.stats()).toEqual({ delivered: 0, failed: 1, retried: 0, pending: 2 });
    expect(lines().find((l) => l.msg === 'escalation notice dropped')).toMatchObject({
      level: 40,
      ticketId: notices[2]!.ticketId,
      reason: 'more than 2 deliveries pending',
    });
    await vi.waitFor(() => expect(slow.waiting).toHaveLength(2));
    slow.releaseAll();
    await vi.waitFor(() => expect(d.stats()).toEqual({ delivered: 2, failed: 1, retried: 0, pending: 0 }));
  });

  it('never throws from dispatch, even when a notifier throws synchronously', () => {
    const rude: Notifier = {
      name: 'rude',
      deliver: () => {
        throw new Error('synchronous');
      },
      close: async () => undefined,
    };
    const { dispatcher: d } = dispatcher([rude]);
    const { dispatch } = d; // bound: can be handed over as a plain function
    expect(() => dispatch(sampleNotice())).not.toThrow();
    return vi.waitFor(() => expect(d.stats()).toMatchObject({ failed: 1, pending: 0 }));
  });

  it('drain waits for deliveries in flight, then refuses new notices', async () => {
    const slow = gated();
    const { dispatcher: d, lines } = dispatcher([slow.notifier]);
    d.dispatch(sampleNotice());
    await vi.waitFor(() => expect(slow.waiting).toHaveLength(1));
    setTimeout(() => slow.releaseAll(), 20);
    await d.drain(10_000);
    expect(d.stats()).toEqual({ delivered: 1, failed: 0, retried: 0, pending: 0 });
    d.dispatch(sampleNotice());
    expect(d.stats()).toMatchObject({ failed: 1, pending: 0 });
    expect(lines().at(-1)).toMatchObject({ msg: 'escalation notice dropped', reason: 'the dispatcher is shutting down' });
  });

  it('drain cancels what is still running at the deadline, waiting retries included, through the AbortSignal', async () => {
    const stuck = scripted('stuck', ['hang']);
    const sleepy = scripted('sleepy', ['retry']);
    const { dispatcher: d, lines } = dispatcher([stuck.notifier, sleepy.notifier], { baseDelayMs: 60_000, maxDelayMs: 60_000 });
    d.dispatch(sampleNotice());
    await vi.waitFor(() => expect(d.stats().retried).toBe(1)); // sleepy now waits a minute to retry
    await d.drain(20);
    expect(d.stats()).toEqual({ delivered: 0, failed: 2, retried: 1, pending: 0 });
    expect(stuck.calls[0]!.signal?.aborted).toBe(true);
    expect(lines().filter((l) => l.outcome === 'cancelled at shutdown').map((l) => l.notifier).sort()).toEqual(['sleepy', 'stuck']);
  });

  it('close drains, closes every notifier once, and may be called again', async () => {
    const a = scripted('a', ['ok']);
    const b = scripted('b', ['ok']);
    const { dispatcher: d } = dispatcher([a.notifier, b.notifier]);
    await Promise.all([d.close(), d.close()]);
    await d.close();
    expect([a.closedCount(), b.closedCount()]).toEqual([1, 1]);
  });

  it('checks its options when built', () => {
    const { logger } = captureLogger();
    for (const bad of [{ maxAttempts: 0 }, { maxAttempts: 21 }, { maxPending: 0 }, { baseDelayMs: -1 }, { baseDelayMs: 100, maxDelayMs: 10 }, { maxAttempts: 1.5 }]) {
      expect(() => new NotificationDispatcher([], { logger, ...bad })).toThrow(RangeError);
    }
  });
});

describe('createNotifiers and createNotificationDispatcher', () => {
  it('build nothing when no channel is configured', () => {
    const { logger } = captureLogger();
    expect(createNotifiers(loadSettings({}), logger)).toEqual([]);
    const d = createNotificationDispatcher(loadSettings({}), logger);
    open.push(d);
    expect(() => d.dispatch(sampleNotice())).not.toThrow();
    expect(d.stats()).toEqual({ delivered: 0, failed: 0, retried: 0, pending: 0 });
  });

  it('deliver a notice from the settings to a real webhook receiver and SMTP server', async () => {
    const hook = await startWebhookReceiver((attempt) => ({ status: attempt === 1 ? 502 : 200 }));
    const smtp = await startSmtpReceiver();
    try {
      const settings = loadSettings({
        APP_NAME: 'Acme Help',
        APP_VERSION: '1.2.3',
        ESCALATION_WEBHOOK_URL: hook.url,
        ESCALATION_WEBHOOK_SECRET: 'settings-secret-0123456789',
        ESCALATION_WEBHOOK_MAX_ATTEMPTS: '2',
        ESCALATION_NOTIFICATION_EMAIL: 'ops@example.com, lead@example.com',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
      });
      const { logger } = captureLogger();
      expect(createNotifiers(settings, logger).map((n) => n.name)).toEqual(['webhook', 'email']);
      const d = createNotificationDispatcher(settings, logger, { baseDelayMs: 2 });
      open.push(d);
      const notice = sampleNotice();
      d.dispatch(notice);
      await vi.waitFor(() => expect(d.stats()).toEqual({ delivered: 2, failed: 0, retried: 1, pending: 0 }));
      expect(hook.requests[1]!.headers['user-agent']).toBe('Frontline/1.2.3');
      expect(verifyWebhookSignature(hook.requests[1]!.rawBody, String(hook.requests[1]!.headers['x-frontline-signature']), 'settings-secret-0123456789')).toBe(true);
      expect(smtp.messages[0]!.to).toEqual(['ops@example.com', 'lead@example.com']);
      expect(readMime(smtp.messages[0]!.raw).headers.subject).toMatch(/^\[Acme Help\] Ticket /);
    } finally {
      await hook.close();
      await smtp.close();
    }
  });
});
