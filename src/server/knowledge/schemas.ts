/** The knowledge API's request and response shapes (they validate requests and describe the API in /openapi.json). */
import { z } from 'zod';
import type { IngestionResult } from '../../knowledge/service.js';
import type { JobInfo } from '../../knowledge/ingestion/index.js';
import { DOCUMENT_STATUSES, type KnowledgeDocument } from '../../storage/index.js';

export const documentParams = z.object({ id: z.string().min(1).max(128).describe('Document id') });
export const jobParams = z.object({ id: z.string().min(1).max(128).describe('Ingestion job id') });

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  status: z.enum(DOCUMENT_STATUSES).optional(),
  sample: z.enum(['true', 'false']).optional().describe('Only sample documents (true) or only your own (false)'),
});

export const textUploadBody = z
  .object({
    title: z.string().min(1).max(500),
    content: z.string().describe('The document text; at most MAX_FILE_SIZE bytes'),
    format: z.enum(['markdown', 'text', 'html']).default('markdown'),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .describe('Text sent as JSON; to upload a file, send multipart/form-data with a "file" field (and optional "title", "metadata")');

export const searchBody = z
  .object({
    query: z.string().min(1).max(10_000),
    k: z.number().int().min(1).max(100).optional().describe('Results wanted (default RAG_SEARCH_K)'),
  })
  .strict();

export const documentView = z.object({
  id: z.string(),
  title: z.string(),
  source: z.string(),
  mimeType: z.string(),
  sizeBytes: z.number(),
  contentHash: z.string(),
  status: z.enum(DOCUMENT_STATUSES),
  error: z.string().nullable(),
  chunkCount: z.number(),
  metadata: z.record(z.string(), z.unknown()),
  isSample: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const documentListView = z.object({ documents: z.array(documentView), nextCursor: z.string().nullable() });

export const uploadedView = documentView.extend({ duplicate: z.boolean() });

export const acceptedView = z.object({
  jobId: z.string(),
  documentId: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
});

export const jobView = acceptedView.extend({
  error: z.object({ message: z.string(), code: z.string().optional() }).optional(),
  result: z.object({ documentId: z.string(), status: z.string(), chunkCount: z.number() }).optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  document: documentView.nullable().describe('The document as it is now (null once deleted)'),
});

const location = z.object({
  sectionPath: z.array(z.string()).optional(),
  page: z.number().optional(),
  sheet: z.string().optional(),
  rowStart: z.number().optional(),
  rowEnd: z.number().optional(),
});

export const searchView = z.object({
  results: z.array(
    z.object({
      documentId: z.string(),
      title: z.string(),
      chunkId: z.string(),
      score: z.number().describe('Rank-based, 0..1: orders the results'),
      relevance: z.number().optional().describe('Cosine similarity of question and passage, 0..1 (absent without an embedding model)'),
      snippet: z.string(),
      location,
    }),
  ),
});

export function toDocumentView(document: KnowledgeDocument): z.infer<typeof documentView> {
  return { ...document, createdAt: document.createdAt.toISOString(), updatedAt: document.updatedAt.toISOString() };
}

export function toJobView(job: JobInfo<IngestionResult>, document: KnowledgeDocument | null): z.infer<typeof jobView> {
  return {
    jobId: job.id,
    documentId: job.documentId,
    status: job.status,
    ...(job.error ? { error: job.error } : {}),
    ...(job.result ? { result: job.result } : {}),
    createdAt: job.createdAt.toISOString(),
    ...(job.startedAt ? { startedAt: job.startedAt.toISOString() } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
    document: document ? toDocumentView(document) : null,
  };
}
