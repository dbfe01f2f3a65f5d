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
  /**
   * Drop results below this, 0..1 (default 0: keep all): compared with each result's `relevance` (cosine
   * similarity, absolute) when it has one, else with its rank-based `score` (lexical-only mode). Pass
   * RAG_SIMILARITY_THRESHOLD to get only relevant results, so that an empty list means "nothing relevant".
   */
  minScore?: number;
  /**
   * Turn a long message into a focused query and its need sentences into sub-queries first (default true; short
   * queries pass through unchanged). false searches the text as written.
   */
  extract?: boolean;
  /** Passages shown per document (default 1: each result is a different document's best passage). */
  maxChunksPerDocument?: number;
}

/** One search, reported to KnowledgeObserver.onSearch once it has finished or failed. */
export interface KnowledgeSearchEvent {
  seconds: number;
  results: number;
  mode: 'hybrid' | 'lexical-only';
  /** Sub-queries searched besides the main query (need sentences of a long message). */
  subQueries: number;
  /** The error when the search failed (results is then 0). */
  error?: unknown;
}

/** One document indexing attempt, reported to KnowledgeObserver.onIngest. */
export interface KnowledgeIngestEvent {
  documentId: string;
  outcome: 'indexed' | 'failed';
  /** Chunks stored (0 on failure). */
  chunks: number;
  /** Time spent chunking, embedding and indexing; absent for a document failed before indexing began. */
  seconds?: number;
}

/**
 * Hooks for metrics (prom-client counters and histograms in the server): called synchronously after the event;
 * what they throw is swallowed, so an observer can never break a search or an upload.
 */
export interface KnowledgeObserver {
  onSearch?(event: KnowledgeSearchEvent): void;
  onIngest?(event: KnowledgeIngestEvent): void;
}

/** Totals since the knowledge base was created (KnowledgeBase.stats()), for tools and tests. */
export interface KnowledgeStats {
  searches: number;
  failedSearches: number;
  /** Sum of the searches' durations. */
  searchSeconds: number;
  documentsIndexed: number;
  chunksIndexed: number;
  failedIngestions: number;
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
