/**
 * createKnowledgeBase(settings, ...): the knowledge base as the settings describe it.
 * - Embedder: EMBEDDING_MODEL through createEmbedder; null (lexical-only) with the reason kept for /health.
 * - Queue: BullMQ when REDIS_URL is set and PROCESS_UPLOADS_ASYNC=true, otherwise in process. Synchronous uploads
 *   (PROCESS_UPLOADS_ASYNC=false) still pass through the in-process queue and wait, so concurrent uploads never
 *   index more than `concurrency` documents at once.
 */
import { createHash } from 'node:crypto';
import type { Settings } from '../../config/index.js';
import type { DatabaseHandle } from '../../storage/database.js';
import type { DocumentRepository } from '../../storage/index.js';
import { createEmbedder, type CreateEmbedderOptions } from '../embedder/index.js';
import { KnowledgeBase, type EmbedderLoad, type KnowledgeLogger, type KnowledgeObserver, type KnowledgeQueue, type QueueHandlers } from '../service.js';
import type { Embedder } from '../types.js';
import { BullmqIngestionQueue } from './bullmq-queue.js';
import { MemoryIngestionQueue } from './memory-queue.js';
import type { QueueLimits } from './queue.js';

export interface KnowledgeSetup {
  database: DatabaseHandle;
  documents: DocumentRepository;
  logger: KnowledgeLogger;
  /** Use this embedder instead of loading EMBEDDING_MODEL (null: lexical-only). It is closed with the knowledge base. */
  embedder?: Embedder | null;
  embedderOptions?: CreateEmbedderOptions;
  /** 'settings' (default): as described above; 'none': no queue, uploads index in the caller (the CLI). */
  queue?: 'settings' | 'none';
  queueLimits?: QueueLimits;
  /** BullMQ queue name; default one per database, so deployments sharing a Redis never take each other's jobs. */
  queueName?: string;
  /** Metrics hooks: see KnowledgeObserver. */
  observer?: KnowledgeObserver;
}

export function ingestionQueueKind(settings: Pick<Settings, 'files' | 'redis'>): 'bullmq' | 'memory' {
  return settings.files.processAsync && settings.redis.url ? 'bullmq' : 'memory';
}

function defaultQueueName(database: DatabaseHandle): string {
  return `frontline-ingestion-${createHash('sha256').update(database.label).digest('hex').slice(0, 12)}`;
}

/** createEmbedder, with its lexical-only warning kept as the notice /health shows. */
async function loadEmbedder(settings: Settings, setup: KnowledgeSetup): Promise<EmbedderLoad> {
  if (setup.embedder !== undefined) {
    return { embedder: setup.embedder, ...(setup.embedder ? {} : { notice: 'no embedding model was given: keyword search only' }) };
  }
  let notice: string | undefined;
  const logger = {
    info: (obj: object, msg?: string) => setup.logger.info(obj, msg),
    debug: (obj: object, msg?: string) => setup.logger.debug?.(obj, msg),
    warn: (obj: object, msg?: string) => {
      notice = msg;
      setup.logger.warn(obj, msg);
    },
  };
  const embedder = await createEmbedder(settings, logger, setup.embedderOptions);
  return embedder ? { embedder } : { embedder, notice: notice ?? 'no embedding model: keyword search only' };
}

export function createKnowledgeBase(settings: Settings, setup: KnowledgeSetup): Promise<KnowledgeBase> {
  const { knowledge, files } = settings;
  const onError = (message: string, error: unknown) => setup.logger.warn({ err: error }, message);
  const limits = setup.queueLimits ?? {};
  const queue = async (handlers: QueueHandlers): Promise<KnowledgeQueue> => {
    if (ingestionQueueKind(settings) === 'bullmq') {
      return BullmqIngestionQueue.create(handlers.process, {
        ...limits,
        redisUrl: settings.redis.url!,
        password: settings.redis.password,
        connectTimeoutMs: settings.redis.connectTimeoutMs,
        name: setup.queueName ?? defaultQueueName(setup.database),
        onError,
      });
    }
    return new MemoryIngestionQueue(handlers.process, { ...limits, onDiscarded: handlers.discarded, onError });
  };
  return KnowledgeBase.create({
    documents: setup.documents,
    database: setup.database,
    logger: setup.logger,
    chunkSize: knowledge.chunkSize,
    chunkOverlap: knowledge.chunkOverlap,
    searchK: knowledge.searchK,
    upload: { maxFileSize: files.maxFileSize, allowedTypes: files.allowedTypes },
    loadEmbedder: () => loadEmbedder(settings, setup),
    ...(setup.queue === 'none' ? {} : { queue }),
    async: files.processAsync,
    ...(setup.observer ? { observer: setup.observer } : {}),
  });
}
