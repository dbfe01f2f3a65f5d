/**
 * The behaviour every Notifier must have. webhook.test.ts and email.test.ts run it against each implementation,
 * each with a real receiver (an HTTP server, an SMTP server).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotificationDispatcher } from '../../../src/agent/notify/dispatcher.js';
import { NotificationError } from '../../../src/agent/notify/errors.js';
import type { Notifier } from '../../../src/agent/notify/types.js';
import { captureLogger, failure, PRIVATE_TEXT, sampleNotice } from './helpers.js';

export interface NotifierHarness {
  notifier: Notifier;
  /** What the receiver accepted so far, in order. */
  received(): { deliveryId: string; ticketId: string }[];
  close(): Promise<void>;
}

export interface NotifierTarget {
  /** A notifier wired to a live receiver. */
  start(): Promise<NotifierHarness>;
  /** A notifier whose endpoint is down (nothing listens on its port). */
  unreachable(): Promise<Notifier>;
}


export function runNotifierConformance(name: string, target: NotifierTarget): void {
  describe(`Notifier conformance: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    const start = async () => {
      const harness = await target.start();
      cleanups.push(async () => {
        await harness.notifier.close();
        await harness.close();
      });
      return harness;
    };
    const unreachable = async () => {
      const notifier = await target.unreachable();
      cleanups.push(() => notifier.close());
      return notifier;
    };
    afterEach(async () => {
      await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    });

    it('delivers a notice the receiver can attribute to its ticket and delivery', async () => {
      const { notifier, received } = await start();
      expect(notifier.name).toBe(name);
      const notice = sampleNotice();
      await notifier.deliver(notice);
      expect(received()).toEqual([{ deliveryId: notice.deliveryId, ticketId: notice.ticketId }]);
    });

    it('reports a down endpoint as a retryable NotificationError that names the channel, not the content', async () => {
      const notifier = await unreachable();
      const error = await failure(notifier.deliver(sampleNotice()));
      expect(error).toMatchObject({ retryable: true, notifier: name, code: 'NOTIFICATION_FAILED' });
      expect(error.message).not.toContain(PRIVATE_TEXT);
    });

    it('does not start a delivery whose signal is already aborted', async () => {
      const { notifier, received } = await start();
      const controller = new AbortController();
      controller.abort();
      await failure(notifier.deliver(sampleNotice(), controller.signal));
      expect(received()).toEqual([]);
    });

    it('goes through the dispatcher: delivered once; a down endpoint retried, then given up, with nothing private logged', async () => {
      const { notifier, received } = await start();
      const { logger, text } = captureLogger();
      const dispatcher = new NotificationDispatcher([notifier, await unreachable()], { maxAttempts: 2, baseDelayMs: 2, logger });
      const notice = sampleNotice();
      dispatcher.dispatch(notice);
      await vi.waitFor(() => expect(dispatcher.stats()).toEqual({ delivered: 1, failed: 1, retried: 1, pending: 0 }));
      expect(received().map((r) => r.deliveryId)).toEqual([notice.deliveryId]);
      expect(text()).toContain(notice.ticketId);
      expect(text()).not.toContain(PRIVATE_TEXT);
      await dispatcher.drain(1000);
    });

    it('closes more than once', async () => {
      const { notifier } = await start();
      await notifier.close();
      await expect(notifier.close()).resolves.toBeUndefined();
    });
  });
}
