/**
 * Knowledge documents: one row per uploaded or ingested file (or URL), identified by the hash of its content so
 * the same file is never indexed twice. The chunks and vectors live in the knowledge index, not here.
 */
import type { Updateable } from 'kysely';
import { ConflictError } from '../../errors.js';
import {
  afterPosition,
  assertOneOf,
  fromBool,
  fromJson,
  fromTimestamp,
  isUniqueViolation,
  pageSize,
  rowPosition,
  toBool,
  toJson,
  toPage,
  toTimestamp,
  type Page,
  type PageRequest,
} from '../columns.js';
import { DOCUMENT_STATUSES, type DocumentRow, type DocumentsTable, type DocumentStatus } from '../schema.js';
import { deleteById, newId, type RepositoryContext } from './context.js';

export type { DocumentStatus } from '../schema.js';

export interface KnowledgeDocument {
  id: string;
  title: string;
  /** The original file name or URL. */
  source: string;
  mimeType: string;
  contentHash: string;
  sizeBytes: number;
  status: DocumentStatus;
  /** Why indexing failed (status 'failed'). */
  error: string | null;
  chunkCount: number;
  metadata: Record<string, unknown>;
  /** Shipped sample content (development), which the console can tell apart and remove. */
  isSample: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewDocument {
  id?: string;
  title: string;
  source: string;
  mimeType: string;
  contentHash: string;
  sizeBytes: number;
  status?: DocumentStatus;
  metadata?: Record<string, unknown>;
  isSample?: boolean;
}

export interface DocumentStatusUpdate {
  status: DocumentStatus;
  /** Cleared unless given (a retried document that now indexes loses its old error). */
  error?: string | null;
  chunkCount?: number;
}

export interface DocumentPatch {
  title?: string;
  metadata?: Record<string, unknown>;
}

export interface DocumentListQuery extends PageRequest {
  status?: DocumentStatus | DocumentStatus[];
  isSample?: boolean;
}

export function toDocument(row: DocumentRow): KnowledgeDocument {
  return {
    id: row.id,
    title: row.title,
    source: row.source,
    mimeType: row.mime_type,
    contentHash: row.content_hash,
    sizeBytes: Number(row.size_bytes),
    status: row.status,
    error: row.error,
    chunkCount: Number(row.chunk_count),
    metadata: fromJson<Record<string, unknown>>(row.metadata, {}),
    isSample: fromBool(row.is_sample),
    createdAt: fromTimestamp(row.created_at),
    updatedAt: fromTimestamp(row.updated_at),
  };
}

export function createDocumentRepository({ db, now }: RepositoryContext) {
  async function findByHash(contentHash: string): Promise<KnowledgeDocument | null> {
    const row = await db.selectFrom('documents').selectAll().where('content_hash', '=', contentHash).executeTakeFirst();
    return row ? toDocument(row) : null;
  }

  return {
    /** Throws ConflictError (details.existingId) when a document with the same content hash exists. */
    async create(input: NewDocument): Promise<KnowledgeDocument> {
      const status = assertOneOf(input.status ?? 'pending', DOCUMENT_STATUSES, 'document status');
      const at = toTimestamp(now());
      try {
        const row = await db
          .insertInto('documents')
          .values({
            id: input.id ?? newId(),
            title: input.title,
            source: input.source,
            mime_type: input.mimeType,
            content_hash: input.contentHash,
            size_bytes: input.sizeBytes,
            status,
            error: null,
            chunk_count: 0,
            metadata: toJson(input.metadata ?? {}),
            is_sample: toBool(input.isSample ?? false),
            created_at: at,
            updated_at: at,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toDocument(row);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const existing = await findByHash(input.contentHash);
        throw new ConflictError(
          existing ? `This content is already in the knowledge base as "${existing.title}"` : 'A document with this id already exists',
          { cause: error, details: existing ? { existingId: existing.id } : { id: input.id } },
        );
      }
    },

    findByHash,

    async get(id: string): Promise<KnowledgeDocument | null> {
      const row = await db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toDocument(row) : null;
    },

    /** Newest first. */
    async list(query: DocumentListQuery = {}): Promise<Page<KnowledgeDocument>> {
      const limit = pageSize(query.limit);
      let q = db.selectFrom('documents').selectAll();
      if (query.status !== undefined) {
        const statuses = Array.isArray(query.status) ? query.status : [query.status];
        if (statuses.length === 0) return { items: [], nextCursor: null };
        q = q.where('status', 'in', statuses);
      }
      if (query.isSample !== undefined) q = q.where('is_sample', '=', toBool(query.isSample));
      if (query.cursor) q = q.where(afterPosition(query.cursor, 'desc'));
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      return toPage(rows, limit, toDocument, rowPosition);
    },

    async count(query: { status?: DocumentStatus } = {}): Promise<number> {
      let q = db.selectFrom('documents').select((eb) => eb.fn.countAll().as('count'));
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      const row = await q.executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async updateStatus(id: string, update: DocumentStatusUpdate): Promise<KnowledgeDocument | null> {
      const set: Updateable<DocumentsTable> = {
        status: assertOneOf(update.status, DOCUMENT_STATUSES, 'document status'),
        error: update.error ?? null,
        updated_at: toTimestamp(now()),
      };
      if (update.chunkCount !== undefined) set.chunk_count = update.chunkCount;
      const row = await db.updateTable('documents').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toDocument(row) : null;
    },

    async update(id: string, patch: DocumentPatch): Promise<KnowledgeDocument | null> {
      const set: Updateable<DocumentsTable> = { updated_at: toTimestamp(now()) };
      if (patch.title !== undefined) set.title = patch.title;
      if (patch.metadata !== undefined) set.metadata = toJson(patch.metadata);
      const row = await db.updateTable('documents').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toDocument(row) : null;
    },

    delete(id: string): Promise<boolean> {
      return deleteById(db, 'documents', id);
    },
  };
}

export type DocumentRepository = ReturnType<typeof createDocumentRepository>;
