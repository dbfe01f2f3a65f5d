/**
 * The in-process ingestion queue (the embedded default): a FIFO of at most maxLength waiting jobs, `concurrency`
 * running at once, and the states of the last historyLimit finished jobs for polling. Nothing survives a restart:
 * jobs still waiting at close are failed and handed to onDiscarded so their documents can say so.
 */
import { randomUUID } from 'node:crypto';
import {
  failureOf,
  queueFull,
  queueLimits,
  type IngestionQueue,
  type JobData,
  type JobInfo,
  type JobProcessor,
  type QueueLimits,
  type QueueStats,
} from './queue.js';

export interface MemoryQueueOptions<D extends JobData> extends QueueLimits {
  /** Called for each job still waiting when the queue closes. */
  onDiscarded?: (data: D) => Promise<void> | void;
  onError?: (message: string, error: unknown) => void;
}

interface Entry<D, R> {
  info: JobInfo<R>;
  data: D | undefined;
  finished: Promise<void>;
  finish: () => void;
}

export class MemoryIngestionQueue<D extends JobData, R> implements IngestionQueue<D, R> {
  readonly kind = 'memory' as const;
  private readonly limits: Required<QueueLimits>;
  /** Every known job in creation order; finished ones are trimmed to historyLimit. */
  private readonly jobs = new Map<string, Entry<D, R>>();
  private readonly waiting: Entry<D, R>[] = [];
  private readonly running = new Set<Promise<void>>();
  private finishedCount = 0;
  private counts = { completed: 0, failed: 0 };
  private closed = false;

  constructor(
    private readonly processor: JobProcessor<D, R>,
    private readonly options: MemoryQueueOptions<D> = {},
  ) {
    this.limits = queueLimits(options);
  }

  async enqueue(data: D): Promise<JobInfo<R>> {
    if (this.closed) throw new Error('the ingestion queue is closed');
    if (this.waiting.length >= this.limits.maxLength) throw queueFull(this.limits.maxLength);
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const entry: Entry<D, R> = {
      info: { id: randomUUID(), documentId: data.documentId, status: 'queued', createdAt: new Date() },
      data,
      finished,
      finish,
    };
    this.jobs.set(entry.info.id, entry);
    this.waiting.push(entry);
    const snapshot = { ...entry.info };
    this.pump();
    return snapshot;
  }

  async get(jobId: string): Promise<JobInfo<R> | null> {
    const entry = this.jobs.get(jobId);
    return entry ? { ...entry.info } : null;
  }

  async waitFor(jobId: string, timeoutMs = 10 * 60_000): Promise<JobInfo<R>> {
    const entry = this.jobs.get(jobId);
    if (!entry) throw new Error(`ingestion job ${jobId} is unknown`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`ingestion job ${jobId} did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([entry.finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return { ...entry.info };
  }

  async stats(): Promise<QueueStats> {
    return {
      kind: this.kind,
      waiting: this.waiting.length,
      active: this.running.size,
      ...this.counts,
      maxLength: this.limits.maxLength,
      concurrency: this.limits.concurrency,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.waiting.splice(0)) {
      const data = entry.data!;
      this.settle(entry, 'failed', undefined, new Error('the server stopped before this job ran'));
      await Promise.resolve(this.options.onDiscarded?.(data)).catch((error) => this.options.onError?.('discarding a job failed', error));
    }
    await Promise.all(this.running);
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.limits.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      entry.info.status = 'running';
      entry.info.startedAt = new Date();
      const data = entry.data!;
      // Through then(): a processor that throws synchronously fails its job instead of the caller.
      const run: Promise<void> = Promise.resolve()
        .then(() => this.processor(data, { id: entry.info.id }))
        .then(
          (result) => this.settle(entry, 'completed', result),
          (error: unknown) => this.settle(entry, 'failed', undefined, error),
        )
        .finally(() => {
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }

  private settle(entry: Entry<D, R>, status: 'completed' | 'failed', result?: R, error?: unknown): void {
    entry.info.status = status;
    entry.info.finishedAt = new Date();
    if (status === 'completed') entry.info.result = result;
    else entry.info.error = failureOf(error);
    entry.data = undefined; // a parsed document can be large: keep only the state
    this.counts[status]++;
    this.finishedCount++;
    entry.finish();
    this.trimHistory();
  }

  /** Drops the oldest finished jobs beyond historyLimit (waiting and running ones are never dropped). */
  private trimHistory(): void {
    for (const [id, entry] of this.jobs) {
      if (this.finishedCount <= this.limits.historyLimit) return;
      if (entry.info.finishedAt) {
        this.jobs.delete(id);
        this.finishedCount--;
      }
    }
  }
}
