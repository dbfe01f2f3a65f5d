/**
 * The ingestion queue in Redis (REDIS_URL set and PROCESS_UPLOADS_ASYNC=true): a BullMQ queue shared by every
 * instance, and a worker in each, so an upload answered by one instance may be indexed by another and job
 * state survives the instance that took the upload. Job state is BullMQ's; finished jobs are kept to
 * historyLimit (removeOnComplete/removeOnFail) and slimmed to their document id once processed, so Redis never
 * holds more than the waiting payloads (each bounded by the caller) plus small records.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ServiceUnavailableError, isAppError } from '../../errors.js';
import {
  pollUntilFinished,
  queueFull,
  queueLimits,
  type IngestionQueue,
  type JobData,
  type JobFailure,
  type JobInfo,
  type JobProcessor,
  type QueueLimits,
  type QueueStats,
} from './queue.js';

export interface BullmqQueueOptions extends QueueLimits {
  redisUrl: string;
  password?: string;
  /** Queue name; instances sharing one name share the work. Default 'frontline-ingestion'. */
  name?: string;
  /** Redis key prefix. Default 'frontline:bull'. */
  prefix?: string;
  /** Run a worker in this process (default true); false only queues (e.g. a CLI submitting to the servers). */
  worker?: boolean;
  connectTimeoutMs?: number;
  onError?: (message: string, error: unknown) => void;
}

const JOB_NAME = 'ingest';
/** failedReason carries the AppError code in front of the message: "CODE: message". */
const CODED = /^([A-Z][A-Z0-9_]{2,}): ([\s\S]*)$/;

function decodeFailure(reason: string | undefined): JobFailure {
  const match = CODED.exec(reason ?? '');
  return match ? { code: match[1], message: match[2]! } : { message: reason || 'unknown failure' };
}

/** Redis errors become 503 SERVICE_UNAVAILABLE (retryable) rather than an unexplained 500. */
async function unavailableAsAppError<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new ServiceUnavailableError(`The ingestion queue (Redis) is unavailable: ${(error as Error).message}. Try again shortly.`, { cause: error });
  }
}

export class BullmqIngestionQueue<D extends JobData, R> implements IngestionQueue<D, R> {
  readonly kind = 'bullmq' as const;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly queue: Queue,
    private readonly worker: Worker | undefined,
    private readonly clients: Redis[],
    private readonly limits: Required<QueueLimits>,
  ) {}

  /** Connects (failing fast when Redis does not answer) and starts the worker. */
  static async create<D extends JobData, R>(processor: JobProcessor<D, R>, options: BullmqQueueOptions): Promise<BullmqIngestionQueue<D, R>> {
    const limits = queueLimits(options);
    const name = options.name ?? 'frontline-ingestion';
    const prefix = options.prefix ?? 'frontline:bull';
    const onError = options.onError ?? (() => undefined);
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    // The worker blocks on Redis: no command timeout and no retry limit (BullMQ requires both). The queue's own
    // connection fails fast instead, so an upload or /health never waits on a Redis that is away.
    const connect = (blocking: boolean) =>
      new Redis(options.redisUrl, {
        password: options.password,
        connectTimeout: timeoutMs,
        lazyConnect: true,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
        ...(blocking ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, commandTimeout: timeoutMs, enableOfflineQueue: false }),
      }).on('error', (error) => onError('ingestion queue: redis connection error', error));
    const clients = [connect(false)];
    try {
      await clients[0]!.connect();
      await clients[0]!.ping();
    } catch (error) {
      clients[0]!.disconnect();
      throw error;
    }
    const queue = new Queue(name, { connection: clients[0]!, prefix });
    queue.on('error', (error) => onError('ingestion queue error', error));
    let worker: Worker | undefined;
    if (options.worker ?? true) {
      clients.push(connect(true));
      worker = new Worker(
        name,
        async (job: Job) => {
          try {
            return await processor(job.data as D, { id: job.id! });
          } catch (error) {
            throw new Error(isAppError(error) ? `${error.code}: ${error.message}` : (error as Error).message, { cause: error });
          } finally {
            // The payload (a parsed document) is no longer needed; keep only what JobInfo shows.
            await job.updateData({ documentId: (job.data as D).documentId }).catch((error) => onError('slimming a job failed', error));
          }
        },
        { connection: clients[1]!, prefix, concurrency: limits.concurrency },
      );
      worker.on('error', (error) => onError('ingestion worker error', error));
    }
    return new BullmqIngestionQueue<D, R>(queue, worker, clients, limits);
  }

  async enqueue(data: D): Promise<JobInfo<R>> {
    if (this.closing) throw new Error('the ingestion queue is closed');
    const job = await unavailableAsAppError(async () => {
      if ((await this.queue.count()) >= this.limits.maxLength) throw queueFull(this.limits.maxLength);
      return this.queue.add(JOB_NAME, data, {
        jobId: randomUUID(),
        attempts: 1,
        removeOnComplete: { count: this.limits.historyLimit },
        removeOnFail: { count: this.limits.historyLimit },
      });
    });
    return { id: job.id!, documentId: data.documentId, status: 'queued', createdAt: new Date(job.timestamp) };
  }

  async get(jobId: string): Promise<JobInfo<R> | null> {
    const found = await unavailableAsAppError(async () => {
      // State first, then the job: a job read before it failed and a state read after would lack failedReason.
      const state = await this.queue.getJobState(jobId);
      if (state === 'unknown') return null;
      const job = await this.queue.getJob(jobId);
      return job ? { job, state } : null;
    });
    if (!found) return null;
    const { job, state } = found;
    const status = state === 'completed' ? 'completed' : state === 'failed' ? 'failed' : state === 'active' ? 'running' : 'queued';
    return {
      id: job.id!,
      documentId: (job.data as JobData).documentId,
      status,
      ...(status === 'completed' ? { result: job.returnvalue as R } : {}),
      ...(status === 'failed' ? { error: decodeFailure(job.failedReason) } : {}),
      createdAt: new Date(job.timestamp),
      ...(job.processedOn ? { startedAt: new Date(job.processedOn) } : {}),
      ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn) } : {}),
    };
  }

  waitFor(jobId: string, timeoutMs = 10 * 60_000): Promise<JobInfo<R>> {
    return pollUntilFinished(() => this.get(jobId), jobId, timeoutMs, 100);
  }

  async stats(): Promise<QueueStats> {
    const counts = await unavailableAsAppError(() => this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'));
    return {
      kind: this.kind,
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      maxLength: this.limits.maxLength,
      concurrency: this.limits.concurrency,
    };
  }

  /** Lets this instance's running jobs finish; waiting jobs stay in Redis for the next worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.worker?.close();
      await this.queue.close();
      // The connections were given to BullMQ, which leaves them open: they are ours to close.
      await Promise.all(this.clients.map((client) => client.quit().catch(() => client.disconnect())));
    })();
    return this.closing;
  }
}
