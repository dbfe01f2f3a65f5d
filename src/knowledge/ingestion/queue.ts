/**
 * The ingestion queue: where the slow half of an upload (chunk, embed, index) waits for a worker once the fast
 * half (inspect, parse, dedupe) has answered the request. One interface, two implementations:
 * - memory-queue.ts: in this process, a bounded FIFO with 1-2 jobs at a time and a bounded history of job states;
 * - bullmq-queue.ts: a BullMQ queue in Redis and a worker in every instance (REDIS_URL + PROCESS_UPLOADS_ASYNC).
 * Both are generic over the job's data and result so one conformance test covers both.
 */
import { AppError } from '../../errors.js';
import { IngestionQueueFullError } from './errors.js';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed';

/** Every job names the document it works on, so a poller can follow the document too. */
export interface JobData {
  documentId: string;
}

export interface JobFailure {
  message: string;
  /** The AppError code when the processor threw one. */
  code?: string;
}

export interface JobInfo<R = unknown> {
  id: string;
  documentId: string;
  status: JobStatus;
  result?: R;
  error?: JobFailure;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

export interface QueueStats {
  kind: 'memory' | 'bullmq';
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  maxLength: number;
  concurrency: number;
}

export type JobProcessor<D extends JobData, R> = (data: D, job: { id: string }) => Promise<R>;

export interface IngestionQueue<D extends JobData = JobData, R = unknown> {
  readonly kind: 'memory' | 'bullmq';
  /** Queues a job; throws IngestionQueueFullError (503, retryable) when maxLength jobs are already waiting. */
  enqueue(data: D): Promise<JobInfo<R>>;
  /** The job's state; null when unknown or dropped from the bounded history. */
  get(jobId: string): Promise<JobInfo<R> | null>;
  /** Resolves once the job has completed or failed (or rejects after timeoutMs). */
  waitFor(jobId: string, timeoutMs?: number): Promise<JobInfo<R>>;
  stats(): Promise<QueueStats>;
  /** Stops taking jobs and lets the running ones finish. */
  close(): Promise<void>;
}

export interface QueueLimits {
  /** Jobs processed at once (1-2: embedding already uses every core through its worker thread). Default 1. */
  concurrency?: number;
  /** Jobs allowed to wait; past it enqueue refuses. Default 100. */
  maxLength?: number;
  /** Finished jobs whose state is kept for polling. Default 1000. */
  historyLimit?: number;
}

export const DEFAULT_QUEUE_LIMITS = { concurrency: 1, maxLength: 100, historyLimit: 1000 } as const;

/** Validated limits with defaults (options are checked when an object is built). */
export function queueLimits(limits: QueueLimits = {}): Required<QueueLimits> {
  const resolved = { ...DEFAULT_QUEUE_LIMITS, ...limits };
  const check = (name: keyof QueueLimits, min: number, max: number) => {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  };
  check('concurrency', 1, 16);
  check('maxLength', 1, 100_000);
  check('historyLimit', 1, 1_000_000);
  return resolved;
}

export function queueFull(maxLength: number): IngestionQueueFullError {
  return new IngestionQueueFullError(
    `${maxLength} documents are already waiting to be indexed. Try again in a minute, or upload fewer files at once.`,
    { details: { maxLength } },
  );
}

export function failureOf(error: unknown): JobFailure {
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof AppError ? { message, code: error.code } : { message };
}

/** Polls `read` until the job has finished; shared by both implementations' waitFor. */
export async function pollUntilFinished<R>(
  read: () => Promise<JobInfo<R> | null>,
  jobId: string,
  timeoutMs: number,
  intervalMs = 50,
): Promise<JobInfo<R>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await read();
    if (!info) throw new Error(`ingestion job ${jobId} is unknown`);
    if (info.status === 'completed' || info.status === 'failed') return info;
    if (Date.now() >= deadline) throw new Error(`ingestion job ${jobId} did not finish within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
