/**
 * KnowledgeBase: the one home of the ingestion and search pipeline, used by the HTTP routes, the CLI and the
 * development sample data.
 *
 *   ingest:  prepare (inspect + parse + hash; every refusal thrown before any write)
 *            -> dedupe by content hash -> documents row 'pending'
 *            -> chunk -> embed (batched) -> index.addDocumentChunks (all or nothing) -> 'indexed' with chunkCount;
 *            on failure 'failed' with the reason and no chunk left behind.
 *   search:  search plan (a long text -> its need + need sentences as sub-queries) -> query embeddings in one
 *            batch (unless lexical-only) -> hybrid search ranking documents (for a long text, re-ranked by the
 *            references its best documents share) -> results above the relevance threshold. Each search and
 *            each indexing attempt is counted (stats()) and reported to the observer.
 *
 * The embedding model and the index open in start(), not in the constructor: loading a model takes seconds, and
 * the service must answer (health, sessions) meanwhile or without one. Without a model the knowledge base runs
 * lexical-only and status() says why.
 */
import { NotFoundError, isAppError } from '../errors.js';
import type { DocumentListQuery, DocumentRepository, KnowledgeDocument, Page } from '../storage/index.js';
import type { DatabaseHandle } from '../storage/database.js';
import { chunkDocument } from './chunker.js';
import { createKnowledgeIndex, hybridSearch, type HybridSearchOptions, type KnowledgeIndexOptions } from './index/index.js';
import { IndexingFailedError } from './ingestion/errors.js';
import { deserializeInput, prepareInput, type IngestInput, type PreparedDocument } from './ingestion/prepare.js';
import type { JobInfo } from './ingestion/queue.js';
import type {
  EmbedderLoad,
  IngestionPayload,
  IngestionResult,
  IngestOptions,
  IngestOutcome,
  KnowledgeIngestEvent,
  KnowledgeLogger,
  KnowledgeObserver,
  KnowledgeSearchEvent,
  KnowledgeStats,
  KnowledgeQueue,
  KnowledgeStatus,
  QueueHandlers,
  SearchOptions,
} from './ingestion/types.js';
import { planSearch, type SearchPlan } from './query/index.js';
import type { Embedder, IndexedChunk, KnowledgeIndex, ParsedDocument, SearchResult } from './types.js';
import type { UploadLimits } from './upload/index.js';

export type * from './ingestion/types.js';

export interface KnowledgeBaseOptions {
  documents: DocumentRepository;
  database: DatabaseHandle;
  logger: KnowledgeLogger;
  /** RAG_CHUNK_SIZE / RAG_CHUNK_OVERLAP, in the embedder's tokens (capped at what the model reads). */
  chunkSize: number;
  chunkOverlap: number;
  /**
   * RAG_SEARCH_K: results per search by default. (RAG_SIMILARITY_THRESHOLD is not a search default: search()
   * ranks and reports each result's `relevance`; the agent, or a caller passing minScore, decides what is
   * relevant enough.)
   */
  searchK: number;
  upload: UploadLimits;
  loadEmbedder: () => Promise<EmbedderLoad>;
  indexOptions?: Omit<KnowledgeIndexOptions, 'dimension' | 'embeddingModel'>;
  searchOptions?: HybridSearchOptions;
  /** Builds the queue uploads wait in. Without one, submit() indexes in the caller (what the CLI does). */
  queue?: (handlers: QueueHandlers) => Promise<KnowledgeQueue>;
  /** true (PROCESS_UPLOADS_ASYNC): submit() answers once the job is queued; false: once it is indexed. */
  async?: boolean;
  /** Metrics hooks (searches, their latency, documents and chunks indexed, failures). */
  observer?: KnowledgeObserver;
}

interface Core {
  index: KnowledgeIndex;
  embedder: Embedder | null;
  chunkSize: number;
  chunkOverlap: number;
  countTokens: (text: string) => number;
}

/** Chunks embedded per embedder call: big enough for full batches, small enough for a live progress bar. */
const EMBED_SLICE = 256;
const MAX_K = 100;

/** The promise's value, or `fallback` when it fails or takes longer than `ms`. */
async function within<T, F>(promise: Promise<T>, fallback: F, ms = 1000): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** About 1.3 tokens per word, as English WordPiece/BPE tokenizers give; used when there is no tokenizer. */
export function estimateTokens(text: string): number {
  const words = text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;
  return Math.ceil(words * 1.3);
}

export class KnowledgeBase {
  private core: Promise<Core> | undefined;
  private loaded: Core | undefined;
  private startError: Error | undefined;
  private notice: string | undefined;
  private closing: Promise<void> | undefined;
  private queue: KnowledgeQueue | undefined;
  private readonly totals: KnowledgeStats = { searches: 0, failedSearches: 0, searchSeconds: 0, documentsIndexed: 0, chunksIndexed: 0, failedIngestions: 0 };

  private constructor(private readonly options: KnowledgeBaseOptions) {}

  /** Builds the knowledge base and its queue (which connects to Redis when it is BullMQ); start() loads the model. */
  static async create(options: KnowledgeBaseOptions): Promise<KnowledgeBase> {
    if (!Number.isInteger(options.chunkSize) || options.chunkSize < 16) throw new RangeError(`chunkSize must be an integer >= 16, got ${options.chunkSize}`);
    const kb = new KnowledgeBase(options);
    // A BullMQ worker may take a job as soon as it exists: the knowledge base it calls must exist first.
    kb.queue = await options.queue?.({
      process: (payload) => kb.runJob(payload),
      discarded: (payload) => kb.markFailed(payload.documentId, new Error('The server stopped before this document was indexed; upload it again.')),
    });
    return kb;
  }

  /** Loads the embedder and opens the index; idempotent. Rejects only when the index cannot open. */
  start(): Promise<void> {
    this.core ??= this.open().then(
      (core) => (this.loaded = core),
      (error: Error) => {
        this.startError = error;
        throw error;
      },
    );
    return this.core.then(() => undefined);
  }

  private async open(): Promise<Core> {
    const { embedder, notice } = await this.options.loadEmbedder();
    this.notice = notice;
    let index: KnowledgeIndex;
    try {
      index = await createKnowledgeIndex(this.options.database, {
        ...this.options.indexOptions,
        dimension: embedder?.dimension,
        embeddingModel: embedder?.modelId,
      });
    } catch (error) {
      await embedder?.close();
      throw error;
    }
    // A chunk longer than the model reads would be embedded from its start only.
    const modelMax = (embedder as { maxTokens?: number } | null)?.maxTokens;
    const chunkSize = modelMax ? Math.min(this.options.chunkSize, modelMax) : this.options.chunkSize;
    if (chunkSize < this.options.chunkSize) {
      this.options.logger.info({ configured: this.options.chunkSize, chunkSize, model: embedder?.modelId }, 'chunk size capped at what the embedding model reads');
    }
    return {
      index,
      embedder,
      chunkSize,
      chunkOverlap: Math.min(this.options.chunkOverlap, Math.floor(chunkSize / 2)),
      countTokens: embedder ? (text) => embedder.countTokens(text) : estimateTokens,
    };
  }

  private ready(): Promise<Core> {
    return this.start().then(() => this.loaded!);
  }

  /** The parts behind the knowledge base, for tests and tools (e.g. counting chunks). */
  async components(): Promise<{ index: KnowledgeIndex; embedder: Embedder | null; chunkSize: number }> {
    const { index, embedder, chunkSize } = await this.ready();
    return { index, embedder, chunkSize };
  }

  /** Inspects and parses without writing anything; throws the 4xx AppError that describes a bad input. */
  prepare(input: IngestInput): Promise<PreparedDocument> {
    return prepareInput(input, this.options.upload);
  }

  /** Prepares, registers and indexes before returning (the CLI, sample data). */
  async ingest(input: IngestInput, options: IngestOptions = {}): Promise<IngestOutcome> {
    const prepared = await this.prepare(input);
    const { document, duplicate } = await this.register(prepared, options);
    if (duplicate) return { document, duplicate };
    return { document: await this.indexDocument(document.id, prepared.document, options), duplicate: false };
  }

  /**
   * What an upload does: prepare and register now, then queue the indexing. Synchronous mode waits for the job
   * and returns the indexed document (or throws INDEXING_FAILED); asynchronous mode returns the queued job.
   */
  async submit(input: IngestInput | PreparedDocument): Promise<IngestOutcome> {
    const prepared = 'contentHash' in input ? input : await this.prepare(input);
    const { document, duplicate, created } = await this.register(prepared);
    if (duplicate) return { document, duplicate };
    if (!this.queue) return { document: await this.indexDocument(document.id, prepared.document), duplicate: false };
    let job: JobInfo<IngestionResult>;
    try {
      job = await this.queue.enqueue(this.payloadFor(document.id, prepared));
    } catch (error) {
      // Not queued: leave the documents table as it was (a retried failed document stays failed).
      if (created) await this.options.documents.delete(document.id);
      else await this.options.documents.updateStatus(document.id, { status: 'failed', error: (error as Error).message });
      throw error;
    }
    if (this.options.async) return { document, duplicate: false, job };
    const finished = await this.queue.waitFor(job.id);
    const current = await this.options.documents.get(document.id);
    if (!current || finished.result?.status === 'deleted') throw new NotFoundError(`"${document.title}" was deleted while it was being indexed`);
    if (finished.status === 'failed') {
      throw new IndexingFailedError(`"${document.title}" was read but could not be indexed: ${finished.error?.message}. Upload it again to retry.`, {
        details: { documentId: document.id, reason: finished.error },
      });
    }
    return { document: current, duplicate: false };
  }

  /** The memory queue carries the parsed document; Redis gets whichever of it and the original input is smaller. */
  private payloadFor(documentId: string, prepared: PreparedDocument): IngestionPayload {
    if (this.queue?.kind !== 'bullmq') return { documentId, document: prepared.document };
    const parsedBytes = Buffer.byteLength(JSON.stringify(prepared.document));
    return parsedBytes <= this.options.upload.maxFileSize ? { documentId, document: prepared.document } : { documentId, input: prepared.serialized() };
  }

  private async runJob(payload: IngestionPayload): Promise<IngestionResult> {
    let document: ParsedDocument;
    try {
      document = 'document' in payload ? payload.document : (await this.prepare(deserializeInput(payload.input))).document;
    } catch (error) {
      await this.markFailed(payload.documentId, error);
      throw error;
    }
    const indexed = await this.indexDocument(payload.documentId, document).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    return { documentId: payload.documentId, status: indexed ? 'indexed' : 'deleted', chunkCount: indexed?.chunkCount ?? 0 };
  }

  /**
   * Dedupe by content hash, then a 'pending' row. The same content again is a duplicate unless its earlier
   * upload failed, in which case this upload retries it.
   */
  private async register(prepared: PreparedDocument, options: IngestOptions = {}): Promise<{ document: KnowledgeDocument; duplicate: boolean; created: boolean }> {
    const { documents } = this.options;
    const existing = await documents.findByHash(prepared.contentHash);
    if (existing && existing.status !== 'failed') return { document: existing, duplicate: true, created: false };
    if (existing) {
      await documents.update(existing.id, { title: prepared.document.title, metadata: prepared.metadata });
      const retried = await documents.updateStatus(existing.id, { status: 'pending', chunkCount: 0 });
      return { document: retried ?? existing, duplicate: false, created: false };
    }
    try {
      const document = await documents.create({
        title: prepared.document.title,
        source: prepared.source,
        mimeType: prepared.mimeType,
        contentHash: prepared.contentHash,
        sizeBytes: prepared.sizeBytes,
        metadata: prepared.metadata,
        isSample: options.isSample ?? false,
      });
      return { document, duplicate: false, created: true };
    } catch (error) {
      // Two uploads of the same content at once: the second one finds the first.
      const existingId = isAppError(error) && error.code === 'CONFLICT' ? (error.details?.existingId as string | undefined) : undefined;
      const raced = existingId ? await documents.get(existingId) : null;
      if (raced) return { document: raced, duplicate: true, created: false };
      throw error;
    }
  }

  /** Chunk, embed, index: all or nothing. Throws NotFoundError when the document was deleted meanwhile. */
  async indexDocument(documentId: string, parsed: ParsedDocument, options: IngestOptions = {}): Promise<KnowledgeDocument> {
    const { documents, logger } = this.options;
    if (!(await documents.get(documentId))) throw new NotFoundError(`Document ${documentId} no longer exists`);
    const started = performance.now();
    let core: Core | undefined;
    try {
      core = await this.ready();
      const chunks = chunkDocument(parsed, { documentId, chunkSize: core.chunkSize, chunkOverlap: core.chunkOverlap, countTokens: core.countTokens });
      let indexed: IndexedChunk[] = chunks;
      if (core.embedder) {
        const vectors: Float32Array[] = [];
        for (let i = 0; i < chunks.length; i += EMBED_SLICE) {
          vectors.push(...(await core.embedder.embedDocuments(chunks.slice(i, i + EMBED_SLICE).map((c) => c.text))));
          options.onProgress?.({ documentId, chunks: chunks.length, embedded: vectors.length });
        }
        indexed = chunks.map((chunk, i) => ({ ...chunk, vector: vectors[i] }));
      } else {
        options.onProgress?.({ documentId, chunks: chunks.length, embedded: 0 });
      }
      await core.index.addDocumentChunks(documentId, indexed);
      const updated = await documents.updateStatus(documentId, { status: 'indexed', chunkCount: chunks.length });
      if (!updated) {
        // Deleted while it was being indexed: take back what was just added.
        await core.index.removeDocument(documentId);
        throw new NotFoundError(`Document ${documentId} was deleted while it was being indexed`);
      }
      logger.info({ documentId, title: updated.title, chunks: chunks.length, vectors: core.embedder !== null }, 'document indexed');
      this.totals.documentsIndexed++;
      this.totals.chunksIndexed += chunks.length;
      this.notify('onIngest', { documentId, outcome: 'indexed', chunks: chunks.length, seconds: (performance.now() - started) / 1000 });
      return updated;
    } catch (error) {
      if (error instanceof NotFoundError) throw error;
      await core?.index.removeDocument(documentId).catch((err) => logger.error({ err, documentId }, 'removing the chunks of a failed document failed'));
      await this.markFailed(documentId, error, (performance.now() - started) / 1000);
      throw error;
    }
  }

  private async markFailed(documentId: string, error: unknown, seconds?: number): Promise<void> {
    this.totals.failedIngestions++;
    this.notify('onIngest', { documentId, outcome: 'failed', chunks: 0, ...(seconds !== undefined ? { seconds } : {}) });
    const message = error instanceof Error ? error.message : String(error);
    this.options.logger.warn({ documentId, reason: message }, 'document could not be indexed');
    await this.options.documents
      .updateStatus(documentId, { status: 'failed', error: message, chunkCount: 0 })
      .catch((err) => this.options.logger.error({ err, documentId }, 'marking a document failed did not work'));
  }

  /** Removes the document's chunks, vectors and row; false when there was no such document. */
  async deleteDocument(id: string): Promise<boolean> {
    const { index } = await this.ready();
    if (!(await this.options.documents.get(id))) return false;
    await index.removeDocument(id);
    await this.options.documents.delete(id);
    // Again, in case a job added chunks between the two steps above (it sees the row gone and stops).
    await index.removeDocument(id);
    return true;
  }

  getDocument(id: string): Promise<KnowledgeDocument | null> {
    return this.options.documents.get(id);
  }

  listDocuments(query: DocumentListQuery = {}): Promise<Page<KnowledgeDocument>> {
    return this.options.documents.list(query);
  }

  async getJob(jobId: string): Promise<JobInfo<IngestionResult> | null> {
    return (await this.queue?.get(jobId)) ?? null;
  }

  /**
   * Searches as the agent does: a long message becomes its extracted need plus one sub-query per need sentence
   * (query/plan.ts), all embedded in one batch and fused by document (index/hybrid.ts). Results below minScore
   * (on `relevance` when present) are dropped, so an empty list means nothing relevant was found.
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    const started = performance.now();
    let plan: SearchPlan | undefined;
    let mode: KnowledgeSearchEvent['mode'] = 'lexical-only';
    try {
      const { index, embedder } = await this.ready();
      if (embedder) mode = 'hybrid';
      const raw = query.trim();
      if (!raw) return [];
      plan = options.extract === false ? { text: raw, weight: 1, subQueries: [] } : planSearch(raw);
      const k = Math.min(MAX_K, Math.max(1, Math.floor(options.k ?? this.options.searchK)));
      // The sub-queries (sentences of similar length) in one batch, the long main query apart: in one batch it
      // would pad every sentence to its length.
      const vectors = embedder
        ? (await Promise.all([embedder.embedQuery(plan.text), embedder.embedQueries(plan.subQueries.map((sub) => sub.text))])).flat()
        : [];
      const results = await hybridSearch(
        index,
        {
          text: plan.text,
          vector: vectors[0],
          k,
          minScore: options.minScore ?? 0,
          weight: plan.weight,
          subQueries: plan.subQueries.map((sub, i) => ({ ...sub, vector: vectors[i + 1] })),
          ...(plan.referenceBoost ? { referenceBoost: plan.referenceBoost } : {}),
        },
        {
          ...this.options.searchOptions,
          ...(plan.rrfK !== undefined ? { rrfK: plan.rrfK } : {}),
          ...(options.maxChunksPerDocument !== undefined ? { maxChunksPerDocument: options.maxChunksPerDocument } : {}),
        },
      );
      this.recordSearch(started, { results: results.length, mode, subQueries: plan.subQueries.length });
      return results;
    } catch (error) {
      this.recordSearch(started, { results: 0, mode, subQueries: plan?.subQueries.length ?? 0, error });
      throw error;
    }
  }

  /** Totals since this knowledge base was created (a copy). */
  stats(): KnowledgeStats {
    return { ...this.totals };
  }

  private recordSearch(started: number, event: Omit<KnowledgeSearchEvent, 'seconds'>): void {
    const seconds = (performance.now() - started) / 1000;
    this.totals.searches++;
    this.totals.searchSeconds += seconds;
    if (event.error !== undefined) this.totals.failedSearches++;
    this.notify('onSearch', { ...event, seconds });
  }

  private notify<K extends keyof KnowledgeObserver>(hook: K, event: Parameters<NonNullable<KnowledgeObserver[K]>>[0]): void {
    try {
      (this.options.observer?.[hook] as ((e: typeof event) => void) | undefined)?.(event);
    } catch (error) {
      this.options.logger.warn({ err: error, hook }, 'a knowledge observer threw; ignored');
    }
  }

  /** For /health: never throws, never waits for the model to load, and gives up on a figure after a second. */
  async status(): Promise<KnowledgeStatus> {
    const core = this.loaded;
    const [documents, chunks, queue] = await Promise.all([
      within(this.options.documents.count(), null),
      core ? within(core.index.countChunks(), null) : null,
      this.queue ? within(this.queue.stats(), null) : null,
    ]);
    const notice = this.startError ? `the knowledge index could not open: ${this.startError.message}` : this.notice;
    return {
      state: core ? 'ready' : this.startError ? 'failed' : this.core ? 'loading' : 'not_loaded',
      mode: core ? (core.embedder ? 'hybrid' : 'lexical-only') : null,
      embeddingModel: core ? (core.embedder?.modelId ?? 'lexical-only') : null,
      ...(notice ? { notice } : {}),
      index: core?.index.kind ?? null,
      documents,
      chunks,
      queue,
    };
  }

  /** Lets running jobs finish, then closes the index and the embedder; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue?.close();
      const core = await this.core?.catch(() => undefined);
      await core?.index.close();
      await core?.embedder?.close();
    })();
    return this.closing;
  }
}
