/**
 * The embedded knowledge index: chunks, FTS5 (BM25) and sqlite-vec vectors in the application's own SQLite file,
 * through the better-sqlite3 connection of its DatabaseHandle.
 *
 * Vector search has two exact modes:
 * - 'memory' (default): the vectors are loaded from vec0 into an in-process VectorMatrix (the same code the
 *   PostgreSQL index uses). sqlite-vec 0.1.9's vec0 KNN is an exact full scan of float32 blobs: 160-220 ms per
 *   query over 100k x 384 on this machine, against 5-10 ms for the matrix (bench/knowledge/search.bench.ts).
 * - 'vec0': every query runs `embedding match ? and k = ?` in sqlite-vec; no memory beyond SQLite's. Used when
 *   asked for, and automatically when the index outgrows `maxInMemoryVectors`.
 * Other processes sharing the file are followed through knowledge_changes: `PRAGMA data_version` (a cheap
 * counter SQLite bumps when another connection commits) tells when to look, and only changed documents reload.
 *
 * Writes run inside Kysely's connection mutex so they never interleave with a Kysely transaction on the same
 * single connection; each write is one synchronous IMMEDIATE transaction (all or nothing).
 */
import type Database from 'better-sqlite3';
import type { SqliteHandle } from '../../storage/database.js';
import type { Candidate, Chunk, IndexedChunk, KnowledgeIndex } from '../types.js';
import { acceptsQueryVector, checkChunk, toChunk, type ChunkRow } from './chunk-rows.js';
import { InvalidChunkError, VectorIndexFullError } from './errors.js';
import { fts5MatchQuery, queryTerms } from './query-text.js';
import { CHANGES, CHUNKS, ensureSqliteSchema, FTS, VECTORS } from './sqlite-schema.js';
import { selectInformativeTerms, SqliteTermStatistics } from './sqlite-terms.js';
import { VectorMatrix, type StoredVector } from './vector-matrix.js';
import { validateDimension, type VectorSettings } from './vector-settings.js';
import { bytesToVector, cosine, vectorToBytes } from './vector-math.js';

export interface SqliteKnowledgeIndexOptions extends VectorSettings {
  /** 'memory' (default) or 'vec0'; see the file comment. */
  vectorSearch?: 'memory' | 'vec0';
  /** Above this many vectors the index switches to 'vec0' rather than grow the process (default 500,000). */
  maxInMemoryVectors?: number;
  /**
   * Query terms found in more than this fraction of chunks are left out of the lexical query (default 0.5, where
   * FTS5's BM25 gives them no weight anyway; see sqlite-terms.ts). 1 keeps every term.
   */
  maxTermFraction?: number;
  /** BM25 column weights (default title 2, text 1: a title match says more than a body match). */
  bm25Weights?: { title: number; text: number };
  onWarning?: (message: string, error?: unknown) => void;
}

/** sqlite-vec refuses k above this. */
const VEC0_MAX_K = 4096;
/** Changes kept for lagging connections; one that falls further behind reloads everything. */
const CHANGES_KEPT = 10_000;

export async function createSqliteKnowledgeIndex(
  handle: SqliteHandle,
  options: SqliteKnowledgeIndexOptions = {},
): Promise<SqliteKnowledgeIndex> {
  validateDimension(options.dimension);
  const index = new SqliteKnowledgeIndex(handle, options);
  await handle.db.connection().execute(async () => index.init());
  return index;
}

export class SqliteKnowledgeIndex implements KnowledgeIndex {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly weights: { title: number; text: number };
  private readonly maxInMemory: number;
  private dimension: number | undefined;
  private matrix: VectorMatrix | undefined;
  private lastSeq = 0;
  private dataVersion = -1;
  private chunkTotal: { count: number; dataVersion: number } | undefined;
  private termStatistics!: SqliteTermStatistics;
  private closed = false;
  private statements!: ReturnType<SqliteKnowledgeIndex['prepare']>;

  constructor(
    private readonly handle: SqliteHandle,
    private readonly options: SqliteKnowledgeIndexOptions,
  ) {
    this.db = handle.sqlite;
    this.weights = options.bm25Weights ?? { title: 2, text: 1 };
    this.maxInMemory = options.maxInMemoryVectors ?? 500_000;
  }

  /** How vector queries run now: 'memory', 'vec0', or 'none' (no vectors: lexical-only). */
  get vectorMode(): 'memory' | 'vec0' | 'none' {
    return this.dimension === undefined ? 'none' : this.matrix ? 'memory' : 'vec0';
  }

  /** Vectors held in memory and the bytes reserved for them (for /health, logs and the benchmark). */
  get memoryStats(): { vectors: number; reservedBytes: number } {
    return { vectors: this.matrix?.size ?? 0, reservedBytes: this.matrix?.reservedBytes ?? 0 };
  }

  /** @internal Runs under the connection mutex (see createSqliteKnowledgeIndex). */
  init(): void {
    this.dimension = ensureSqliteSchema(this.db, this.options);
    this.statements = this.prepare();
    this.termStatistics = new SqliteTermStatistics(this.db);
    if (this.dimension !== undefined && this.options.vectorSearch !== 'vec0') this.loadAllVectors();
  }

  private prepare() {
    const db = this.db;
    const withVectors = this.dimension !== undefined;
    return {
      insertChunk: db.prepare(
        `insert into ${CHUNKS} (id, document_id, ordinal, title, text, token_count, location) values (?, ?, ?, ?, ?, ?, ?)`,
      ),
      documentPks: db.prepare(`select pk from ${CHUNKS} where document_id = ?`).pluck(),
      deleteChunks: db.prepare(`delete from ${CHUNKS} where document_id = ?`),
      insertChange: db.prepare(`insert into ${CHANGES} (document_id) values (?)`),
      pruneChanges: db.prepare(`delete from ${CHANGES} where seq <= (select max(seq) from ${CHANGES}) - ${CHANGES_KEPT}`),
      changesSince: db.prepare(`select seq, document_id from ${CHANGES} where seq > ? order by seq`),
      oldestChange: db.prepare(`select min(seq) from ${CHANGES}`).pluck(),
      latestChange: db.prepare(`select coalesce(max(seq), 0) from ${CHANGES}`).pluck(),
      lexical: db.prepare(
        `select c.id as id, m.score as score from (
           select rowid, bm25(${FTS}, ?, ?) as score from ${FTS} where ${FTS} match ? order by score limit ?
         ) m join ${CHUNKS} c on c.pk = m.rowid order by m.score, c.id`,
      ),
      chunksByIds: db.prepare(
        `select id, document_id, ordinal, title, text, token_count, location from ${CHUNKS}
         where id in (select value from json_each(?))`,
      ),
      countAll: db.prepare(`select count(*) from ${CHUNKS}`).pluck(),
      countDocument: db.prepare(`select count(*) from ${CHUNKS} where document_id = ?`).pluck(),
      ...(withVectors
        ? {
            insertVector: db.prepare(`insert into ${VECTORS} (rowid, embedding) values (?, ?)`),
            deleteVectors: db.prepare(`delete from ${VECTORS} where rowid in (select value from json_each(?))`),
            countVectors: db.prepare(`select count(*) from ${VECTORS}`).pluck(),
            allVectors: db.prepare(
              `select c.document_id as documentId, c.id as chunkId, v.embedding as embedding
               from ${VECTORS} v join ${CHUNKS} c on c.pk = v.rowid`,
            ),
            documentVectors: db.prepare(
              `select c.document_id as documentId, c.id as chunkId, v.embedding as embedding
               from ${CHUNKS} c join ${VECTORS} v on v.rowid = c.pk where c.document_id = ?`,
            ),
            vectorsByIds: db.prepare(
              `select c.id as id, v.embedding as embedding from ${CHUNKS} c join ${VECTORS} v on v.rowid = c.pk
               where c.id in (select value from json_each(?))`,
            ),
            knn: db.prepare(
              `with knn as (select rowid, distance from ${VECTORS} where embedding match ? and k = ?)
               select c.id as id, knn.distance as distance from knn join ${CHUNKS} c on c.pk = knn.rowid
               order by knn.distance, c.id`,
            ),
          }
        : {}),
    };
  }

  async addDocumentChunks(documentId: string, chunks: IndexedChunk[]): Promise<void> {
    this.assertOpen();
    await this.exclusive(() => {
      this.db
        .transaction(() => {
          // Re-adding a document replaces it, so re-ingesting an edited file never leaves stale chunks behind.
          this.deleteDocumentRows(documentId);
          const seen = new Set<string>();
          for (const chunk of chunks) {
            checkChunk(documentId, chunk, seen, this.dimension);
            const { lastInsertRowid } = this.insertChunk(chunk);
            if (chunk.vector) this.statements.insertVector!.run(BigInt(lastInsertRowid), vectorToBytes(chunk.vector));
          }
          this.recordChange(documentId);
        })
        .immediate();
      this.indexChanged();
      this.syncVectors(true);
    });
  }

  async removeDocument(documentId: string): Promise<number> {
    this.assertOpen();
    return this.exclusive(() => {
      const removed = this.db
        .transaction(() => {
          const count = this.deleteDocumentRows(documentId);
          if (count > 0) this.recordChange(documentId);
          return count;
        })
        .immediate();
      this.indexChanged();
      this.syncVectors(true);
      return removed;
    });
  }

  async lexicalSearch(text: string, limit: number): Promise<Candidate[]> {
    this.assertOpen();
    return this.lexicalNow(text, limit);
  }

  async vectorSearch(vector: Float32Array, limit: number): Promise<Candidate[]> {
    this.assertOpen();
    if (!acceptsQueryVector(vector, this.dimension) || limit <= 0) return [];
    this.syncVectors();
    if (this.matrix) return this.matrix.search(vector, Math.floor(limit));
    return this.vec0Search(vector, limit);
  }

  async similarities(vector: Float32Array, chunkIds: string[]): Promise<(number | undefined)[]> {
    this.assertOpen();
    if (chunkIds.length === 0 || !acceptsQueryVector(vector, this.dimension)) return chunkIds.map(() => undefined);
    this.syncVectors();
    if (this.matrix) return this.matrix.similarities(vector, chunkIds);
    const rows = this.statements.vectorsByIds!.all(JSON.stringify(chunkIds)) as { id: string; embedding: Buffer }[];
    const stored = new Map(rows.map((row) => [row.id, bytesToVector(row.embedding)]));
    return chunkIds.map((id) => {
      const other = stored.get(id);
      return other ? cosine(vector, other) : undefined;
    });
  }

  /**
   * Both candidate lists at once (hybrid.ts uses this when present): the full-text query runs on this thread
   * while the vector scan's helper thread works through the matrix, so a hybrid search costs about the longer
   * of the two rather than their sum.
   */
  async searchBoth(text: string, vector: Float32Array, limit: number): Promise<{ lexical: Candidate[]; dense: Candidate[] }> {
    this.assertOpen();
    if (!acceptsQueryVector(vector, this.dimension) || limit <= 0) return { lexical: this.lexicalNow(text, limit), dense: [] };
    this.syncVectors();
    if (!this.matrix) return { lexical: this.lexicalNow(text, limit), dense: this.vec0Search(vector, limit) };
    let lexical: Candidate[] = [];
    const dense = this.matrix.search(vector, Math.floor(limit), () => {
      lexical = this.lexicalNow(text, limit);
    });
    return { lexical, dense };
  }

  private lexicalNow(text: string, limit: number): Candidate[] {
    const terms = queryTerms(text);
    if (terms.length === 0 || limit <= 0) return [];
    const maxFraction = this.options.maxTermFraction ?? 0.5;
    let informative = terms;
    if (maxFraction < 1) {
      // The total first: it notices another connection's writes, which also invalidate the terms' counts.
      const total = this.totalChunks();
      informative = selectInformativeTerms(terms, this.termStatistics.documentFrequencies(terms), total, maxFraction);
    }
    const match = fts5MatchQuery(informative);
    if (!match) return [];
    const rows = this.statements.lexical.all(this.weights.title, this.weights.text, match, Math.floor(limit)) as {
      id: string;
      score: number;
    }[];
    // bm25() is "lower is better" (negative); flip it so every signal reads "higher is better".
    return rows.map((row) => ({ chunkId: row.id, score: -row.score }));
  }

  private vec0Search(vector: Float32Array, limit: number): Candidate[] {
    const k = Math.min(Math.floor(limit), VEC0_MAX_K);
    const rows = this.statements.knn!.all(vectorToBytes(vector), k) as { id: string; distance: number }[];
    // vec0's cosine distance is 1 - cosine similarity.
    return rows.map((row) => ({ chunkId: row.id, score: 1 - row.distance }));
  }

  /**
   * Merges the full-text index's segments into one (FTS5 'optimize'). Each write adds a segment and FTS5 merges
   * them only gradually, so after a bulk ingestion queries read many; run this once the ingestion is done.
   */
  async optimize(): Promise<void> {
    this.assertOpen();
    await this.exclusive(() => this.db.prepare(`insert into ${FTS} (${FTS}) values ('optimize')`).run());
  }

  async getChunks(chunkIds: string[]): Promise<Chunk[]> {
    this.assertOpen();
    if (chunkIds.length === 0) return [];
    const rows = this.statements.chunksByIds.all(JSON.stringify(chunkIds)) as ChunkRow[];
    const byId = new Map(rows.map((row) => [row.id, toChunk(row)]));
    return chunkIds.flatMap((id) => byId.get(id) ?? []);
  }

  async countChunks(documentId?: string): Promise<number> {
    this.assertOpen();
    const count = documentId === undefined ? this.statements.countAll.get() : this.statements.countDocument.get(documentId);
    return Number(count);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.matrix?.dispose(); // the connection belongs to the DatabaseHandle; only the memory is ours
    this.matrix = undefined;
  }

  /** The number of chunks, cached (with the terms' chunk counts) until this or another connection writes. */
  private totalChunks(): number {
    const dataVersion = Number(this.db.pragma('data_version', { simple: true }));
    if (this.chunkTotal?.dataVersion !== dataVersion) {
      this.termStatistics.forget();
      this.chunkTotal = { count: Number(this.statements.countAll.get()), dataVersion };
    }
    return this.chunkTotal.count;
  }

  /** This connection wrote chunks: the cached counts are stale. */
  private indexChanged(): void {
    this.chunkTotal = undefined;
    this.termStatistics.forget();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The knowledge index has been closed');
  }

  private exclusive<T>(run: () => T): Promise<T> {
    return this.handle.db.connection().execute(async () => run());
  }

  private insertChunk(chunk: IndexedChunk): Database.RunResult {
    try {
      return this.statements.insertChunk.run(
        chunk.id,
        chunk.documentId,
        chunk.ordinal,
        chunk.title,
        chunk.text,
        chunk.tokenCount,
        JSON.stringify(chunk.location ?? {}),
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new InvalidChunkError(`Chunk id ${chunk.id} is already used by another document`, { cause: error });
      }
      throw error;
    }
  }

  /** Deletes a document's chunks (the trigger removes their FTS rows) and vectors; returns how many. */
  private deleteDocumentRows(documentId: string): number {
    const pks = this.statements.documentPks.all(documentId) as number[];
    if (pks.length === 0) return 0;
    this.statements.deleteVectors?.run(JSON.stringify(pks));
    this.statements.deleteChunks.run(documentId);
    return pks.length;
  }

  private recordChange(documentId: string): void {
    this.statements.insertChange.run(documentId);
    this.statements.pruneChanges.run();
  }

  private loadAllVectors(): void {
    const count = Number(this.statements.countVectors!.get());
    if (count > this.maxInMemory) return this.fallBackToVec0(count);
    const matrix = new VectorMatrix({ dimension: this.dimension!, maxRows: this.maxInMemory, initialCapacity: Math.max(1024, count) });
    // One read transaction: the vectors and the change counter come from the same snapshot.
    this.db.transaction(() => {
      this.lastSeq = Number(this.statements.latestChange.get());
      for (const stored of this.storedVectors()) matrix.set(stored.documentId, stored.chunkId, stored.vector);
    })();
    this.matrix = matrix;
    this.dataVersion = Number(this.db.pragma('data_version', { simple: true }));
  }

  /** Brings the matrix up to date with changes committed by any connection (`force`: including this one). */
  private syncVectors(force = false): void {
    const matrix = this.matrix;
    if (!matrix) return;
    const version = Number(this.db.pragma('data_version', { simple: true }));
    if (!force && version === this.dataVersion) return;
    this.dataVersion = version;
    try {
      this.db.transaction(() => {
        const changes = this.statements.changesSince.all(this.lastSeq) as { seq: number; document_id: string }[];
        if (changes.length === 0) return;
        const oldest = Number(this.statements.oldestChange.get());
        if (oldest > this.lastSeq + 1) {
          matrix.clear(); // this connection fell behind the kept changes: start over
          for (const stored of this.storedVectors()) matrix.set(stored.documentId, stored.chunkId, stored.vector);
        } else {
          const documents = new Set(changes.map((change) => change.document_id));
          matrix.replaceDocuments(documents, this.storedVectors(documents));
        }
        this.lastSeq = changes[changes.length - 1]!.seq;
      })();
    } catch (error) {
      if (!(error instanceof VectorIndexFullError)) throw error;
      this.fallBackToVec0(matrix.size);
    }
  }

  /** Every stored vector, or those of `documents`, streamed from SQLite (never all in a JavaScript array). */
  private *storedVectors(documents?: Iterable<string>): Iterable<StoredVector> {
    const toStored = (row: RawVectorRow) => ({ documentId: row.documentId, chunkId: row.chunkId, vector: bytesToVector(row.embedding) });
    if (!documents) {
      for (const row of this.statements.allVectors!.iterate() as Iterable<RawVectorRow>) yield toStored(row);
      return;
    }
    for (const documentId of documents) {
      for (const row of this.statements.documentVectors!.iterate(documentId) as Iterable<RawVectorRow>) yield toStored(row);
    }
  }

  private fallBackToVec0(count: number): void {
    this.matrix?.dispose();
    this.matrix = undefined;
    this.options.onWarning?.(
      `The knowledge index holds ${count}+ vectors, over maxInMemoryVectors (${this.maxInMemory}): vector search runs in ` +
        `sqlite-vec (exact, slower) instead of in memory`,
    );
  }
}

interface RawVectorRow {
  documentId: string;
  chunkId: string;
  embedding: Buffer;
}
