/**
 * The knowledge API (admin key required): list, read, upload (multipart file or JSON text) and delete documents,
 * follow ingestion jobs, and search. Uploads are inspected and parsed before the answer, so every refusal is a
 * 4xx on the upload itself and nothing of a refused file reaches the index. Then:
 * - PROCESS_UPLOADS_ASYNC=false: 201 with the document once it is searchable;
 * - otherwise: 202 { jobId, documentId, status } with Location: <prefix>/knowledge/jobs/<jobId>;
 * - the same content again: 200 with the existing document and duplicate: true.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { NotFoundError, UnsupportedMediaTypeError } from '../../errors.js';
import { requireAdminKey } from '../auth/admin.js';
import { errorResponses, noContent } from '../plugins/errors.js';
import type { Services } from '../services.js';
import { readMultipartUpload } from './multipart.js';
import {
  acceptedView,
  documentListView,
  documentParams,
  documentView,
  jobParams,
  jobView,
  listQuery,
  searchBody,
  searchView,
  textUploadBody,
  toDocumentView,
  toJobView,
  uploadedView,
} from './schemas.js';

const secured = { description: 'Needs `Authorization: Bearer <ADMIN_API_KEY>`.', security: [{ adminKey: [] }] };
const tags = ['knowledge'];
const errors = errorResponses(400, 401, 404, 429, 503);
const notUploadable = () =>
  new UnsupportedMediaTypeError('Send a file as multipart/form-data (field "file"), or JSON { title, content, format?, metadata? }');

export async function knowledgeRoutes(app: FastifyInstance, options: { services: Services }) {
  const { knowledge, settings } = options.services;
  const { maxFileSize } = settings.files;
  const routes = app.withTypeProvider<ZodTypeProvider>();

  app.addHook('onRequest', requireAdminKey(settings.security.adminApiKey));
  // Scoped to this plugin: only these routes accept multipart bodies. The file limit is enforced while reading.
  await app.register(multipart, { limits: { fileSize: maxFileSize, files: 1 } });

  routes.get(
    '/knowledge/documents',
    {
      schema: {
        tags,
        summary: 'Documents in the knowledge base, newest first, a page at a time',
        querystring: listQuery,
        response: { 200: documentListView, ...errors },
        ...secured,
      },
    },
    async (request) => {
      const { limit, cursor, status, sample } = request.query;
      const page = await knowledge.listDocuments({ limit, cursor, status, ...(sample ? { isSample: sample === 'true' } : {}) });
      return { documents: page.items.map(toDocumentView), nextCursor: page.nextCursor };
    },
  );

  routes.get(
    '/knowledge/documents/:id',
    { schema: { tags, summary: 'One document and its indexing status', params: documentParams, response: { 200: documentView, ...errors }, ...secured } },
    async (request) => {
      const document = await knowledge.getDocument(request.params.id);
      if (!document) throw new NotFoundError(`No document with id ${request.params.id}`);
      return toDocumentView(document);
    },
  );

  routes.post(
    '/knowledge/documents',
    {
      // JSON text may be as large as a file (MAX_FILE_SIZE), plus JSON escaping; the service checks the exact size.
      bodyLimit: Math.max(settings.api.bodyLimit, Math.ceil(maxFileSize * 1.25) + 64 * 1024),
      // Fastify parses text/plain too; say what is expected rather than fail the JSON schema.
      preValidation: async (request) => {
        if (!request.isMultipart() && !/^application\/json\b/i.test(request.headers['content-type'] ?? '')) throw notUploadable();
      },
      schema: {
        tags,
        summary: 'Add a document: a multipart file upload ("file" field) or JSON text',
        body: textUploadBody.nullish(),
        response: { 200: uploadedView, 201: uploadedView, 202: acceptedView, ...errorResponses(413, 415, 422), ...errors },
        ...secured,
      },
    },
    async (request, reply) => {
      const input = request.isMultipart() ? await readMultipartUpload(request, maxFileSize) : request.body;
      if (!input) throw notUploadable();
      const outcome = await knowledge.submit(input);
      if (outcome.duplicate) return reply.code(200).send({ ...toDocumentView(outcome.document), duplicate: true });
      if (outcome.job) {
        reply.header('Location', `${settings.api.prefix}/knowledge/jobs/${outcome.job.id}`);
        return reply.code(202).send({ jobId: outcome.job.id, documentId: outcome.document.id, status: outcome.job.status });
      }
      return reply.code(201).send({ ...toDocumentView(outcome.document), duplicate: false });
    },
  );

  routes.delete(
    '/knowledge/documents/:id',
    {
      schema: {
        tags,
        summary: 'Delete a document with every chunk and vector',
        params: documentParams,
        response: { 204: noContent, ...errors },
        ...secured,
      },
    },
    async (request, reply) => {
      if (!(await knowledge.deleteDocument(request.params.id))) throw new NotFoundError(`No document with id ${request.params.id}`);
      return reply.code(204).send();
    },
  );

  routes.get(
    '/knowledge/jobs/:id',
    { schema: { tags, summary: 'The state of an ingestion job (poll after a 202)', params: jobParams, response: { 200: jobView, ...errors }, ...secured } },
    async (request) => {
      const job = await knowledge.getJob(request.params.id);
      if (!job) throw new NotFoundError(`No ingestion job with id ${request.params.id} (finished jobs are kept for a while only)`);
      return toJobView(job, await knowledge.getDocument(job.documentId));
    },
  );

  routes.post(
    '/knowledge/search',
    { schema: { tags, summary: 'Hybrid (keyword + semantic) search with citations', body: searchBody, response: { 200: searchView, ...errors }, ...secured } },
    async (request) => {
      const results = await knowledge.search(request.body.query, { k: request.body.k });
      return { results: results.map(({ documentId, title, chunkId, score, snippet, location }) => ({ documentId, title, chunkId, score, snippet, location })) };
    },
  );
}
