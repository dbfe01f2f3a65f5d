/**
 * The production knowledge index: chunks, text search (tsvector + GIN, ts_rank) and vectors (bytea) in
 * PostgreSQL; vector search in process over an exact VectorMatrix (see vector-matrix.ts) that each instance
 * loads at start and keeps current:
 * - every write appends to knowledge_changes and sends NOTIFY on `channel` in its transaction (delivered at
 *   commit); a pool client dedicated to LISTEN turns notifications into an incremental refresh (reload the
 *   changed documents' vectors);
 * - knowledge_changes' sequence lets an instance that missed notifications (its LISTEN connection dropped) catch
 *   up on reconnect, and a slow poll (pollIntervalMs) guards against anything else;
 * - an instance sees its own writes as soon as the write returns (it refreshes before returning), and a search
 *   waits for a refresh already under way.
 * Memory is bounded by maxInMemoryVectors: a write that would exceed it is refused (VectorIndexFullError).
 * 250,000 x 384-d vectors use ~520 MB (see vector-matrix.ts for the arithmetic).
 */
import type pg from 'pg';
import type { PostgresHandle } from '../../storage/database.js';
import type { Candidate, Chunk, IndexedChunk, KnowledgeIndex } from '../types.js';
import { acceptsQueryVector, checkChunk, toChunk, type ChunkRow } from './chunk-rows.js';
import { InvalidChunkError, VectorIndexFullError } from './errors.js';
import { ensurePostgresSchema, PG_CHANGES, PG_CHUNKS, PG_FTS, PG_TSVECTOR, withKnowledgeLock } from './postgres-schema.js';
import { queryTerms, tsQueryText } from './query-text.js';
import { VectorMatrix, type StoredVector } from './vector-matrix.js';
import { bytesToVector, vectorToBytes } from './vector-math.js';
import { validateDimension, type VectorSettings } from './vector-settings.js';

export interface PostgresKnowledgeIndexOptions extends VectorSettings {
  /** Maximum vectors held in memory (default 250,000); writes beyond are refused. */
  maxInMemoryVectors?: number;
  /** NOTIFY channel shared by every instance (default 'frontline_knowledge'). */
  channel?: string;
  /** Safety-net poll of knowledge_changes in ms (default 30,000; 0 disables). */
  pollIntervalMs?: number;
  onWarning?: (message: string, error?: unknown) => void;
}

const CHANGES_KEPT = 10_000;
const LOAD_PAGE = 2_000;
const INSERT_BATCH = 500;

export async function createPostgresKnowledgeIndex(
  handle: PostgresHandle,
  options: PostgresKnowledgeIndexOptions = {},
): Promise<PostgresKnowledgeIndex> {
  validateDimension(options.dimension);
  const channel = options.channel ?? 'frontline_knowledge';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new RangeError(`channel must be a lower-case SQL identifier, got ${channel}`);
  const dimension = await ensurePostgresSchema(handle.pool, options, channel);
  const index = new PostgresKnowledgeIndex(handle.pool, { ...options, channel }, dimension);
  await index.start();
  return index;
}

export class PostgresKnowledgeIndex implements KnowledgeIndex {
  readonly kind = 'postgres' as const;
  private readonly channel: string;
  private readonly maxInMemory: number;
  private matrix: VectorMatrix | undefined;
  private lastSeq = 0;
  private syncing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private listener: pg.PoolClient | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresKnowledgeIndexOptions & { channel: string },
    private readonly dimension: number | undefined,
  ) {
    this.channel = options.channel;
    this.maxInMemory = options.maxInMemoryVectors ?? 250_000;
  }

  /** Vectors held in memory and the bytes reserved for them (for /health, logs and the benchmark). */
  get memoryStats(): { vectors: number; reservedBytes: number } {
    return { vectors: this.matrix?.size ?? 0, reservedBytes: this.matrix?.reservedBytes ?? 0 };
  }

  /** @internal Loads the vectors and starts listening; called once by createPostgresKnowledgeIndex. */
  async start(): Promise<void> {
    if (this.dimension === undefined) return;
    // Listen first: a change committed while loading is then either in the load or announced afterwards.
    await this.listen();
    await this.reloadAll();
    const interval = this.options.pollIntervalMs ?? 30_000;
    if (interval > 0) {
      this.pollTimer = setInterval(() => void this.refresh().catch(() => undefined), interval);
      this.pollTimer.unref();
    }
  }

  async addDocumentChunks(documentId: string, chunks: IndexedChunk[]): Promise<void> {
    this.assertOpen();
    const seen = new Set<string>();
    for (const chunk of chunks) checkChunk(documentId, chunk, seen, this.dimension);
    const vectors = chunks.filter((chunk) => chunk.vector).length;
    // The capacity check counts what other instances added; it runs before the lock so that the refresh's own
    // pool connection is never awaited while this write holds one (a small pool could otherwise deadlock). The
    // matrix's hard cap still stops a race between two instances that both pass it.
    if (vectors > 0) await this.refreshQuietly();
    await withKnowledgeLock(this.pool, async (client) => {
      if (vectors > 0) {
        const { rows } = await client.query<{ n: number }>(
          `select count(*)::int as n from ${PG_CHUNKS} where document_id = $1 and embedding is not null`,
          [documentId],
        );
        const after = (this.matrix?.size ?? 0) - (rows[0]?.n ?? 0) + vectors;
        if (after > this.maxInMemory) {
          throw new VectorIndexFullError(
            `Adding ${vectors} vectors would hold ${after} in memory, over maxInMemoryVectors (${this.maxInMemory})`,
            { details: { maxInMemoryVectors: this.maxInMemory } },
          );
        }
      }
      await client.query(`delete from ${PG_CHUNKS} where document_id = $1`, [documentId]);
      for (let from = 0; from < chunks.length; from += INSERT_BATCH) await this.insertBatch(client, chunks.slice(from, from + INSERT_BATCH));
      await client.query(`insert into ${PG_FTS} (id, tsv) select id, ${PG_TSVECTOR} from ${PG_CHUNKS} where document_id = $1`, [documentId]);
      await this.recordChange(client, documentId);
    });
    await this.refreshQuietly();
  }

  async removeDocument(documentId: string): Promise<number> {
    this.assertOpen();
    const removed = await withKnowledgeLock(this.pool, async (client) => {
      const { rowCount } = await client.query(`delete from ${PG_CHUNKS} where document_id = $1`, [documentId]);
      if ((rowCount ?? 0) > 0) await this.recordChange(client, documentId);
      return rowCount ?? 0;
    });
    await this.refreshQuietly();
    return removed;
  }

  async lexicalSearch(text: string, limit: number): Promise<Candidate[]> {
    this.assertOpen();
    const query = tsQueryText(queryTerms(text));
    if (!query || limit <= 0) return [];
    // ts_rank rather than ts_rank_cd: over an OR of terms, cover density finds little that term frequency does
    // not, and costs ~3x more per matching row (90-120 ms against 34-36 ms for 3,600 matches of 100k chunks).
    // Normalisation 1 divides by 1 + log(length), so long chunks do not win by sheer size; the default weights
    // make a title (A) match count 2.5 times a text (B) match.
    const { rows } = await this.pool.query<{ id: string; score: number }>(
      `select id, ts_rank(tsv, query, 1) as score
       from ${PG_FTS}, to_tsquery('english', $1) as query
       where tsv @@ query
       order by score desc, id
       limit $2`,
      [query, Math.floor(limit)],
    );
    return rows.map((row) => ({ chunkId: row.id, score: Number(row.score) }));
  }

  async vectorSearch(vector: Float32Array, limit: number): Promise<Candidate[]> {
    this.assertOpen();
    if (!acceptsQueryVector(vector, this.dimension) || limit <= 0) return [];
    await this.syncing; // a refresh under way (a notification just arrived) finishes first
    return this.matrix?.search(vector, Math.floor(limit)) ?? [];
  }

  async similarities(vector: Float32Array, chunkIds: string[]): Promise<(number | undefined)[]> {
    this.assertOpen();
    if (chunkIds.length === 0 || !acceptsQueryVector(vector, this.dimension)) return chunkIds.map(() => undefined);
    await this.syncing;
    return this.matrix?.similarities(vector, chunkIds) ?? chunkIds.map(() => undefined);
  }

  async getChunks(chunkIds: string[]): Promise<Chunk[]> {
    this.assertOpen();
    if (chunkIds.length === 0) return [];
    const { rows } = await this.pool.query<ChunkRow>(
      `select id, document_id, ordinal, title, text, token_count, location from ${PG_CHUNKS} where id = any($1::text[])`,
      [chunkIds],
    );
    const byId = new Map(rows.map((row) => [row.id, toChunk(row)]));
    return chunkIds.flatMap((id) => byId.get(id) ?? []);
  }

  async countChunks(documentId?: string): Promise<number> {
    this.assertOpen();
    const { rows } =
      documentId === undefined
        ? await this.pool.query<{ n: number }>(`select count(*)::int as n from ${PG_CHUNKS}`)
        : await this.pool.query<{ n: number }>(`select count(*)::int as n from ${PG_CHUNKS} where document_id = $1`, [documentId]);
    return rows[0]?.n ?? 0;
  }

  /** Applies every change committed so far (by any instance) to the in-memory vectors. */
  refresh(): Promise<void> {
    if (this.dimension === undefined || this.closed) return Promise.resolve();
    // Coalesce: a burst of notifications while one refresh waits to run needs just that one.
    if (this.queued) return this.queued;
    const run = this.syncing.then(() => {
      this.queued = undefined;
      return this.applyChanges();
    });
    this.queued = run;
    this.syncing = run.catch((error: unknown) => this.options.onWarning?.('Refreshing the in-memory knowledge vectors failed', error));
    return run;
  }

  /**
   * A refresh after a committed write must not turn the write into a failure: the change is stored, and the next
   * notification, poll or write brings the vectors up to date.
   */
  private async refreshQuietly(): Promise<void> {
    await this.refresh().catch(() => undefined); // refresh() already reported it through onWarning
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    await this.syncing;
    const listener = this.listener;
    this.listener = undefined;
    // Destroyed rather than returned to the pool: a pooled connection must not keep listening or our handlers.
    listener?.release(true);
    this.matrix?.dispose(); // the pool belongs to the DatabaseHandle
    this.matrix = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The knowledge index has been closed');
  }

  private async insertBatch(client: pg.PoolClient, chunks: IndexedChunk[]): Promise<void> {
    try {
      await client.query(
        `insert into ${PG_CHUNKS} (id, document_id, ordinal, title, text, token_count, location, embedding)
         select * from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[], $8::bytea[])`,
        [
          chunks.map((chunk) => chunk.id),
          chunks.map((chunk) => chunk.documentId),
          chunks.map((chunk) => chunk.ordinal),
          chunks.map((chunk) => chunk.title),
          chunks.map((chunk) => chunk.text),
          chunks.map((chunk) => chunk.tokenCount),
          chunks.map((chunk) => JSON.stringify(chunk.location ?? {})),
          chunks.map((chunk) => (chunk.vector ? vectorToBytes(chunk.vector) : null)),
        ],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new InvalidChunkError(`A chunk id of this document is already used by another document`, { cause: error });
      }
      throw error;
    }
  }

  private async recordChange(client: pg.PoolClient, documentId: string): Promise<void> {
    const { rows } = await client.query<{ seq: string }>(`insert into ${PG_CHANGES} (document_id) values ($1) returning seq`, [documentId]);
    const seq = rows[0]!.seq;
    await client.query('select pg_notify($1, $2)', [this.channel, seq]);
    await client.query(`delete from ${PG_CHANGES} where seq <= $1::bigint - ${CHANGES_KEPT}`, [seq]);
  }

  private async applyChanges(): Promise<void> {
    if (!this.matrix || this.closed) return;
    const { rows } = await this.pool.query<{ seq: string; document_id: string; oldest: string }>(
      `select seq, document_id, (select min(seq) from ${PG_CHANGES}) as oldest from ${PG_CHANGES} where seq > $1 order by seq`,
      [this.lastSeq],
    );
    if (rows.length === 0) return;
    if (Number(rows[0]!.oldest) > this.lastSeq + 1) return this.reloadAll(); // fell behind the kept log (or a gap)
    const documents = [...new Set(rows.map((row) => row.document_id))];
    const { rows: vectors } = await this.pool.query<{ id: string; document_id: string; embedding: Buffer }>(
      `select id, document_id, embedding from ${PG_CHUNKS} where document_id = any($1::text[]) and embedding is not null`,
      [documents],
    );
    this.matrix.replaceDocuments(documents, vectors.map(toStoredVector));
    this.lastSeq = Number(rows[rows.length - 1]!.seq);
  }

  /** Builds a fresh matrix from every stored vector (keyset pages, bounded memory), then swaps it in. */
  private async reloadAll(): Promise<void> {
    const { rows: counts } = await this.pool.query<{ n: number; seq: string }>(
      `select (select count(*)::int from ${PG_CHUNKS} where embedding is not null) as n,
              (select coalesce(max(seq), 0) from ${PG_CHANGES}) as seq`,
    );
    const count = counts[0]?.n ?? 0;
    const matrix = new VectorMatrix({ dimension: this.dimension!, maxRows: this.maxInMemory, initialCapacity: Math.max(1024, Math.min(count, this.maxInMemory)) });
    for (let after = ''; ; ) {
      const { rows } = await this.pool.query<{ id: string; document_id: string; embedding: Buffer }>(
        `select id, document_id, embedding from ${PG_CHUNKS} where embedding is not null and id > $1 order by id limit ${LOAD_PAGE}`,
        [after],
      );
      for (const row of rows) {
        const stored = toStoredVector(row);
        matrix.set(stored.documentId, stored.chunkId, stored.vector);
      }
      if (rows.length < LOAD_PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
    this.matrix?.dispose();
    this.matrix = matrix;
    // Changes committed during the load are replayed by the next refresh (re-applying one is harmless).
    this.lastSeq = Number(counts[0]?.seq ?? 0);
  }

  private async listen(): Promise<void> {
    const client = await this.pool.connect();
    client.on('notification', (message) => {
      if (message.channel === this.channel) void this.refresh().catch(() => undefined);
    });
    client.on('error', (error) => this.reconnect(client, error));
    client.on('end', () => this.reconnect(client, new Error('the LISTEN connection ended')));
    try {
      await client.query(`listen ${this.channel}`);
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    this.listener = client;
  }

  /** The LISTEN connection broke: drop it, reconnect with backoff, then catch up on what was missed. */
  private reconnect(client: pg.PoolClient, error: unknown, attempt = 0): void {
    if (attempt === 0) {
      if (this.listener !== client) return; // 'error' and 'end' both fire for one failure: handle it once
      this.listener = undefined;
      client.release(true);
      if (!this.closed) this.options.onWarning?.('The knowledge index lost its LISTEN connection; reconnecting', error);
    }
    if (this.closed) return;
    const delay = Math.min(30_000, 500 * 2 ** attempt);
    this.reconnectTimer = setTimeout(() => {
      this.listen()
        .then(() => this.refresh())
        .catch((next: unknown) => this.reconnect(client, next, attempt + 1));
    }, delay);
    this.reconnectTimer.unref();
  }
}

function toStoredVector(row: { id: string; document_id: string; embedding: Buffer }): StoredVector {
  return { documentId: row.document_id, chunkId: row.id, vector: bytesToVector(row.embedding) };
}
