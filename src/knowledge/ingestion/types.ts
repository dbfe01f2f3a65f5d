/**
 * The shapes of the KnowledgeBase's API (service.ts): what ingestion takes and returns, the jobs it queues,
 * search options and the status /health shows.
 */
import type { KnowledgeDocument } from '../../storage/index.js';
import type { Embedder, KnowledgeIndex, ParsedDocument } from '../types.js';
import type { SerializedInput } from './prepare.js';
import type { IngestionQueue, JobInfo, JobProcessor, QueueStats } from './queue.js';

export interface KnowledgeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

/** A job's data: the parsed document, or (when it would be too large for the queue) the input to parse again. */
export type IngestionPayload = { documentId: string } & ({ document: ParsedDocument } | { input: SerializedInput });
export interface IngestionResult {
  documentId: string;
  /** 'deleted' when the document was removed before or while it was indexed. */
  status: 'indexed' | 'deleted';
  chunkCount: number;
}
export type KnowledgeQueue = IngestionQueue<IngestionPayload, IngestionResult>;

export interface QueueHandlers {
  process: JobProcessor<IngestionPayload, IngestionResult>;
  /** For a job dropped unprocessed (an in-process queue shutting down): its document is marked failed. */
  discarded: (payload: IngestionPayload) => Promise<void>;
}

export interface EmbedderLoad {
  embedder: Embedder | null;
  /** Why there is no embedder (shown in /health). */
  notice?: string;
}

export interface IngestOptions {
  isSample?: boolean;
  /** Chunks embedded so far, for progress bars. */
  onProgress?: (progress: { documentId: string; chunks: number; embedded: number }) => void;
}

export interface SearchOptions {
  /** Results wanted (default RAG_SEARCH_K, at most 100). */
  k?: number;
  /** Drop results scoring below this, 0..1 (default RAG_SIMILARITY_THRESHOLD). */
  minScore?: number;
  /** Turn a long message into a focused query first (default true; short queries pass through unchanged). */
  extract?: boolean;
}

export interface IngestOutcome {
  document: KnowledgeDocument;
  duplicate: boolean;
  /** Present when the document was queued rather than indexed before returning. */
  job?: JobInfo<IngestionResult>;
}

export interface KnowledgeStatus {
  /** not_loaded: nothing has needed it yet (test runs load it on first use). */
  state: 'not_loaded' | 'loading' | 'ready' | 'failed';
  mode: 'hybrid' | 'lexical-only' | null;
  /** The embedding model's id, "lexical-only", or null until it has loaded. */
  embeddingModel: string | null;
  notice?: string;
  index: KnowledgeIndex['kind'] | null;
  /** null when the figure could not be read in time. */
  documents: number | null;
  chunks: number | null;
  queue: QueueStats | null;
}
