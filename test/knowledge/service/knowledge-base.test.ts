/**
 * KnowledgeBase on a real SQLite file: all-or-nothing indexing when the embedder fails (a closed model, a real
 * failure, not a mock), retrying a failed document by uploading it again, chunk size capped at what the model
 * reads, concurrent identical uploads, and the development sample articles.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../../src/config/index.js';
import { createKnowledgeBase } from '../../../src/knowledge/ingestion/index.js';
import { loadSampleKnowledge, SAMPLE_DOCUMENTS } from '../../../src/knowledge/sample-data/index.js';
import type { KnowledgeBase, KnowledgeIngestEvent, KnowledgeSearchEvent } from '../../../src/knowledge/service.js';
import { createRepositories, migrateToLatest, openDatabase, type DatabaseHandle, type Repositories } from '../../../src/storage/index.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { buildTestApp, tempDir } from '../../helpers/app.js';
import { eventually, requireModelFiles } from './helpers.js';

const logger = createLogger(loadSettings({ ENVIRONMENT: 'test', LOG_LEVEL: 'silent' }));

async function openStore(): Promise<{ settings: Settings; database: DatabaseHandle; repositories: Repositories }> {
  const file = path.join(tempDir('frontline-kb'), 'kb.db');
  const settings = loadSettings({ ENVIRONMENT: 'test', DATABASE_URL: `sqlite:///${file}`, ...requireModelFiles() });
  const database = await openDatabase(settings.database.target);
  await migrateToLatest(database);
  return { settings, database, repositories: createRepositories(database) };
}

const article = (n: number) => ({
  title: `Article ${n}`,
  content: `# Article ${n}\n\n## Delivery\n\nParcel number ${n} ships within ${n} business days.\n\n## Returns\n\nReturns of parcel ${n} are free.\n`,
});

describe('KnowledgeBase with the real embedding model', () => {
  let store: Awaited<ReturnType<typeof openStore>>;
  let kb: KnowledgeBase;

  beforeAll(async () => {
    store = await openStore();
    kb = await createKnowledgeBase(store.settings, { database: store.database, documents: store.repositories.documents, logger, queue: 'none' });
  });
  afterAll(async () => {
    await kb?.close();
    await store?.database.close();
  });

  it('is not loaded until needed, then caps chunks at the 256 tokens MiniLM reads (RAG_CHUNK_SIZE is 500)', async () => {
    expect((await kb.status()).state).toBe('not_loaded');
    const { document } = await kb.ingest({ title: 'Long policy', content: `# Long policy\n\n${'Refunds are issued to the original card within ten days. '.repeat(120)}` });
    expect(await kb.status()).toMatchObject({ state: 'ready', mode: 'hybrid', documents: 1 });
    const { index, embedder, chunkSize } = await kb.components();
    expect(chunkSize).toBe(256);
    const chunks = await index.getChunks(Array.from({ length: document.chunkCount }, (_, i) => `${document.id}:${i}`));
    expect(chunks).toHaveLength(document.chunkCount);
    expect(document.chunkCount).toBeGreaterThan(3);
    for (const chunk of chunks) expect(embedder!.countTokens(chunk.text)).toBeLessThanOrEqual(256);
  });

  it('indexes concurrent uploads of the same content once', async () => {
    const before = await (await kb.components()).index.countChunks();
    const [a, b] = await Promise.all([kb.ingest(article(1)), kb.ingest(article(1))]);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect(a.document.id).toBe(b.document.id);
    const indexed = a.duplicate ? b : a;
    expect(await (await kb.components()).index.countChunks()).toBe(before + indexed.document.chunkCount);
  });

  it('leaves no chunk behind and marks the document failed when embedding fails; uploading it again retries', async () => {
    const { index, embedder } = await kb.components();
    const before = await index.countChunks();
    await embedder!.close(); // every embedding call now fails, as when the model's worker dies
    const failure = (await kb.ingest(article(2)).then(() => undefined, (error: unknown) => error)) as Error;
    expect(failure).toBeInstanceOf(Error);
    expect(failure.message).toMatch(/closed/);
    expect(await index.countChunks()).toBe(before);
    const failed = (await store.repositories.documents.list({ status: 'failed' })).items;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ title: 'Article 2', chunkCount: 0, error: expect.stringMatching(/closed/) });

    // A knowledge base without a model (lexical-only) on the same database retries the failed document.
    const lexical = await createKnowledgeBase(store.settings, { database: store.database, documents: store.repositories.documents, logger, embedder: null, queue: 'none' });
    try {
      const retried = await lexical.ingest(article(2));
      expect(retried).toMatchObject({ duplicate: false, document: { id: failed[0]!.id, status: 'indexed', error: null } });
      expect(await index.countChunks(failed[0]!.id)).toBe(retried.document.chunkCount);
      expect((await lexical.search('how long does parcel 2 take to ship', { minScore: 0 }))[0]).toMatchObject({ documentId: failed[0]!.id });
      expect(await lexical.status()).toMatchObject({ mode: 'lexical-only', embeddingModel: 'lexical-only', notice: expect.any(String) });
    } finally {
      await lexical.close();
    }
  });
});

describe('KnowledgeBase metrics', () => {
  it('counts searches and indexing attempts, reports each to the observer, and survives an observer that throws', async () => {
    const store = await openStore();
    const searches: KnowledgeSearchEvent[] = [];
    const ingests: KnowledgeIngestEvent[] = [];
    const observer = {
      onSearch: (event: KnowledgeSearchEvent) => {
        searches.push(event);
        throw new Error('a broken metrics hook');
      },
      onIngest: (event: KnowledgeIngestEvent) => void ingests.push(event),
    };
    const kb = await createKnowledgeBase(store.settings, { database: store.database, documents: store.repositories.documents, logger, embedder: null, queue: 'none', observer });
    try {
      const indexed = [(await kb.ingest(article(3))).document, (await kb.ingest(article(4))).document];
      expect(ingests).toEqual(indexed.map((d) => ({ documentId: d.id, outcome: 'indexed', chunks: d.chunkCount, seconds: expect.any(Number) })));
      expect((await kb.search('when does parcel 3 ship'))[0]).toMatchObject({ documentId: indexed[0]!.id });
      const brief = `You are a customer. ${'You want to know when parcel 4 ships and whether its return is free. '.repeat(4)}Be polite.`;
      await kb.search(brief);
      expect(searches).toHaveLength(2);
      expect(searches[0]).toMatchObject({ mode: 'lexical-only', subQueries: 0, results: expect.any(Number), seconds: expect.any(Number) });
      expect(searches[0]!.error).toBeUndefined();
      expect(searches[1]!.subQueries).toBeGreaterThan(0);

      // Real failures: the index closed under the knowledge base.
      await (await kb.components()).index.close();
      await expect(kb.search('parcel')).rejects.toThrow(/closed/);
      await expect(kb.ingest(article(5))).rejects.toThrow(/closed/);
      expect(searches[2]).toMatchObject({ results: 0, error: expect.any(Error) });
      expect(ingests[2]).toMatchObject({ outcome: 'failed', chunks: 0 });
      expect(kb.stats()).toEqual({
        searches: 3,
        failedSearches: 1,
        searchSeconds: expect.any(Number),
        documentsIndexed: 2,
        chunksIndexed: indexed[0]!.chunkCount + indexed[1]!.chunkCount,
        failedIngestions: 1,
      });
    } finally {
      await kb.close();
      await store.database.close();
    }
  });
});

describe('sample knowledge', () => {
  it('loads the sample articles once, marked as samples, and they answer common questions', async () => {
    const store = await openStore();
    const kb = await createKnowledgeBase(store.settings, { database: store.database, documents: store.repositories.documents, logger, embedder: null, queue: 'none' });
    try {
      expect(await loadSampleKnowledge(kb, store.repositories.documents, logger)).toEqual({ indexed: SAMPLE_DOCUMENTS.length, duplicates: 0 });
      const samples = (await store.repositories.documents.list({ isSample: true })).items;
      expect(samples.map((d) => d.title).sort()).toEqual(SAMPLE_DOCUMENTS.map((d) => d.title).sort());
      expect(samples.every((d) => d.status === 'indexed' && d.chunkCount > 0)).toBe(true);
      expect(await loadSampleKnowledge(kb, store.repositories.documents, logger)).toMatchObject({ skipped: expect.any(String), indexed: 0 });
      expect((await kb.search('I forgot my password', { minScore: 0 }))[0]).toMatchObject({ title: 'Your account and password' });
      expect((await kb.search('when will my refund arrive', { minScore: 0 }))[0]).toMatchObject({ title: 'Returns and refunds' });
    } finally {
      await kb.close();
      await store.database.close();
    }
  });

  it('is loaded at start when DEV_SAMPLE_DATA is on, and never in production', async () => {
    const env = { ADMIN_API_KEY: 'fl_admin_sample-test-key', DEV_SAMPLE_DATA: 'true', EMBEDDING_MODEL: 'frontline-test/no-such-model' };
    const dev = await buildTestApp(env);
    try {
      const loaded = await eventually(async () => {
        const page = await dev.app.services.repositories.documents.list({ isSample: true, status: 'indexed' });
        return page.items.length === SAMPLE_DOCUMENTS.length ? page.items : undefined;
      });
      expect(loaded.every((d) => d.isSample)).toBe(true);
    } finally {
      await dev.close();
    }
    const prod = await buildTestApp({ ...env, ENVIRONMENT: 'production' });
    try {
      await eventually(async () => ((await prod.app.services.knowledge.status()).state === 'ready' ? true : undefined));
      await eventually(async () => (prod.logs().includes('DEV_SAMPLE_DATA is ignored in production') ? true : undefined));
      expect(await prod.app.services.repositories.documents.count()).toBe(0);
    } finally {
      await prod.close();
    }
  });
});
