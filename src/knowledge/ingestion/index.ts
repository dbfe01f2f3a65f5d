/** Ingestion: preparing uploads, the queue they wait in (in process or BullMQ), and the settings-driven setup. */
export { BullmqIngestionQueue, type BullmqQueueOptions } from './bullmq-queue.js';
export { IndexingFailedError, IngestionQueueFullError } from './errors.js';
export { MemoryIngestionQueue, type MemoryQueueOptions } from './memory-queue.js';
export { deserializeInput, isFileInput, prepareInput, type FileInput, type IngestInput, type PreparedDocument, type SerializedInput, type TextFormat, type TextInput } from './prepare.js';
export { DEFAULT_QUEUE_LIMITS, type IngestionQueue, type JobData, type JobFailure, type JobInfo, type JobProcessor, type JobStatus, type QueueLimits, type QueueStats } from './queue.js';
export { createKnowledgeBase, ingestionQueueKind, type KnowledgeSetup } from './setup.js';
export type {
  EmbedderLoad,
  IngestionPayload,
  IngestionResult,
  IngestOptions,
  IngestOutcome,
  KnowledgeIngestEvent,
  KnowledgeLogger,
  KnowledgeObserver,
  KnowledgeQueue,
  KnowledgeSearchEvent,
  KnowledgeStats,
  KnowledgeStatus,
  QueueHandlers,
  SearchOptions,
} from './types.js';
