/**
 * The IngestionQueue contract, run against both implementations: in process, and BullMQ on the real Redis at
 * 127.0.0.1 (a queue name of its own, obliterated afterwards). Jobs complete with their result or fail with the
 * processor's error and code, run `concurrency` at a time, refuse to queue past maxLength, and keep a bounded
 * history of finished jobs.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors.js';
import {
  BullmqIngestionQueue,
  MemoryIngestionQueue,
  type IngestionQueue,
  type JobProcessor,
  type QueueLimits,
} from '../../../src/knowledge/ingestion/index.js';
import { PrivateRedis } from '../../helpers/processes.js';
import { REDIS_TEST_URL } from '../../helpers/services.js';

interface Data {
  documentId: string;
  /** 'fail' throws an AppError; 'crash' a plain Error; 'wait' blocks until released. */
  action?: 'fail' | 'crash' | 'wait';
}
type Result = { echoed: string };

interface Target {
  name: string;
  create(processor: JobProcessor<Data, Result>, limits: QueueLimits): Promise<IngestionQueue<Data, Result> & { cleanup?(): Promise<void> }>;
}

const targets: Target[] = [
  { name: 'in process', create: async (processor, limits) => new MemoryIngestionQueue(processor, limits) },
  {
    name: 'BullMQ on Redis',
    create: async (processor, limits) => {
      const name = `frontline-test-${randomBytes(6).toString('hex')}`;
      const queue = await BullmqIngestionQueue.create(processor, { ...limits, redisUrl: REDIS_TEST_URL, name });
      return Object.assign(queue, { cleanup: () => obliterate(name) });
    },
  },
];

/** Removes a test queue's keys through a connection of its own (the queue under test may be closed by then). */
async function obliterate(name: string): Promise<void> {
  const connection = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix: 'frontline:bull' });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
    await connection.quit();
  }
}

for (const target of targets) {
  describe(`ingestion queue conformance: ${target.name}`, () => {
    let queue: (IngestionQueue<Data, Result> & { cleanup?(): Promise<void> }) | undefined;
    const gates: (() => void)[] = [];
    let running = 0;
    let maxRunning = 0;

    const processor: JobProcessor<Data, Result> = async (data, job) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        if (data.action === 'wait') await new Promise<void>((resolve) => gates.push(resolve));
        if (data.action === 'fail') throw new NotFoundError(`document ${data.documentId} is gone`);
        if (data.action === 'crash') throw new Error('the embedder exploded');
        return { echoed: `${data.documentId}/${job.id}` };
      } finally {
        running--;
      }
    };
    const open = async (limits: QueueLimits = {}) => (queue = await target.create(processor, limits));
    const releaseAll = () => gates.splice(0).forEach((release) => release());

    afterEach(async () => {
      releaseAll();
      await queue?.close();
      await queue?.cleanup?.();
      queue = undefined;
      running = maxRunning = 0;
    });

    it('runs a job to completion and keeps its result', async () => {
      const q = await open();
      const queued = await q.enqueue({ documentId: 'doc-1' });
      expect(queued).toMatchObject({ documentId: 'doc-1', status: 'queued' });
      const done = await q.waitFor(queued.id, 10_000);
      expect(done).toMatchObject({ id: queued.id, documentId: 'doc-1', status: 'completed', result: { echoed: `doc-1/${queued.id}` } });
      expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.createdAt.getTime());
      expect(await q.get(queued.id)).toMatchObject({ status: 'completed' });
      expect(await q.get('no-such-job')).toBeNull();
    });

    it('records a failure with its message and AppError code', async () => {
      const q = await open();
      const coded = await q.waitFor((await q.enqueue({ documentId: 'doc-2', action: 'fail' })).id, 10_000);
      expect(coded).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND', message: 'document doc-2 is gone' } });
      const plain = await q.waitFor((await q.enqueue({ documentId: 'doc-3', action: 'crash' })).id, 10_000);
      expect(plain.status).toBe('failed');
      expect(plain.error).toEqual({ message: 'the embedder exploded' });
      expect(await q.stats()).toMatchObject({ kind: q.kind, failed: 2, completed: 0 });
    });

    it('runs at most `concurrency` jobs at once and refuses past maxLength with 503 INGESTION_QUEUE_FULL', async () => {
      const q = await open({ concurrency: 1, maxLength: 2 });
      const first = await q.enqueue({ documentId: 'a', action: 'wait' });
      await expect.poll(async () => (await q.get(first.id))?.status, { timeout: 10_000 }).toBe('running');
      const waiting = [await q.enqueue({ documentId: 'b' }), await q.enqueue({ documentId: 'c' })];
      const refusal = await q.enqueue({ documentId: 'd' }).catch((error: unknown) => error);
      expect(refusal).toMatchObject({ code: 'INGESTION_QUEUE_FULL', statusCode: 503, retryable: true });
      expect(await q.stats()).toMatchObject({ waiting: 2, active: 1, maxLength: 2, concurrency: 1 });
      releaseAll();
      for (const job of [first, ...waiting]) expect((await q.waitFor(job.id, 10_000)).status).toBe('completed');
      expect(maxRunning).toBe(1);
    });

    it('keeps the state of the last historyLimit finished jobs only', async () => {
      const q = await open({ historyLimit: 2 });
      const ids: string[] = [];
      for (const documentId of ['h1', 'h2', 'h3']) {
        const job = await q.enqueue({ documentId });
        await q.waitFor(job.id, 10_000);
        ids.push(job.id);
      }
      await expect.poll(async () => q.get(ids[0]!), { timeout: 10_000 }).toBeNull();
      expect(await q.get(ids[2]!)).toMatchObject({ status: 'completed' });
    });

    it('lets a running job finish when closed', async () => {
      const q = await open();
      const job = await q.enqueue({ documentId: 'slow', action: 'wait' });
      await expect.poll(async () => (await q.get(job.id))?.status, { timeout: 10_000 }).toBe('running');
      const closing = q.close();
      setTimeout(releaseAll, 50);
      await closing;
      expect(running).toBe(0);
      await expect(q.enqueue({ documentId: 'late' })).rejects.toThrow(/closed/);
    });
  });
}

describe('in-process queue at shutdown', () => {
  it('fails jobs still waiting and hands them to onDiscarded', async () => {
    const discarded: string[] = [];
    let release!: () => void;
    const queue = new MemoryIngestionQueue<Data, Result>(
      async (data) => {
        if (data.action === 'wait') await new Promise<void>((resolve) => (release = resolve));
        return { echoed: data.documentId };
      },
      { onDiscarded: (data) => void discarded.push(data.documentId) },
    );
    const running = await queue.enqueue({ documentId: 'first', action: 'wait' });
    const waiting = await queue.enqueue({ documentId: 'second' });
    const closing = queue.close();
    release();
    await closing;
    expect(await queue.get(running.id)).toMatchObject({ status: 'completed' });
    expect(await queue.get(waiting.id)).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/stopped/) } });
    expect(discarded).toEqual(['second']);
  });

  it('validates its limits when built', () => {
    expect(() => new MemoryIngestionQueue(async () => ({}), { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => new MemoryIngestionQueue(async () => ({}), { maxLength: 1.5 })).toThrow(/maxLength/);
  });
});

describe('BullMQ queue when Redis goes away', () => {
  // "At once" is what the test's own timeout checks: a refusal that waited for Redis would run it out.
  it('refuses uploads and status reads at once with 503 SERVICE_UNAVAILABLE, and works again when Redis is back', { timeout: 30_000 }, async () => {
    const redis = await PrivateRedis.start();
    const queue = await BullmqIngestionQueue.create<Data, Result>(async (data) => ({ echoed: data.documentId }), { redisUrl: redis.url, connectTimeoutMs: 1000 });
    try {
      expect((await queue.waitFor((await queue.enqueue({ documentId: 'before' })).id, 10_000)).status).toBe('completed');
      redis.pause();
      await expect(queue.enqueue({ documentId: 'during' })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', statusCode: 503 });
      await expect(queue.stats()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      redis.resume();
      await expect.poll(async () => queue.enqueue({ documentId: 'after' }).then((job) => job.status, () => 'refused'), { timeout: 10_000 }).toBe('queued');
    } finally {
      redis.resume();
      await queue.close();
      await redis.stop();
    }
  });
});
