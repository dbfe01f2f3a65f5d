/**
 * The knowledge API over HTTP on SQLite with the real embedding model: real files uploaded and found with the
 * right citation, every bad upload refused with its 4xx and the index and documents table left exactly as they
 * were, duplicates, deletion, the admin key, JSON text, asynchronous uploads with job polling, and lexical-only
 * mode when no model is available.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import * as fixtures from '../knowledge/parsers/fixtures.js';
import {
  ADMIN_KEY,
  adminHeaders,
  counts,
  eventually,
  multipart,
  requireModelFiles,
  search,
  uploadFile,
  uploadText,
  type SearchHit,
} from '../knowledge/service/helpers.js';

const MAX_FILE_SIZE = 2 * 1024 * 1024;
const syncEnv = () => ({ ADMIN_API_KEY: ADMIN_KEY, PROCESS_UPLOADS_ASYNC: 'false', MAX_FILE_SIZE: String(MAX_FILE_SIZE), ...requireModelFiles() });

describe('knowledge API (sqlite, real embedding model)', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  const uploaded: Record<string, Buffer> = {};

  const hitIn = (hits: SearchHit[], documentId: string) => {
    const hit = hits.find((h) => h.documentId === documentId);
    if (!hit) throw new Error(`no result from document ${documentId} in ${JSON.stringify(hits)}`);
    return hit;
  };

  beforeAll(async () => {
    t = await buildTestApp(syncEnv());
    await t.app.services.knowledge.start();
  });
  afterAll(async () => t?.close());

  it('runs hybrid search on the real model, and says so in /health and GET /', async () => {
    const health = (await t.app.inject({ url: '/health' })).json();
    expect(health.knowledge).toMatchObject({ state: 'ready', mode: 'hybrid', embeddingModel: 'sentence-transformers/all-MiniLM-L6-v2', index: 'sqlite' });
    const info = (await t.app.inject({ url: '/' })).json();
    expect(info.features.knowledgeBase).toEqual({ mode: 'hybrid', embeddingModel: 'sentence-transformers/all-MiniLM-L6-v2', uploads: 'sync' });
  });

  it('indexes real PDF, DOCX, XLSX, CSV and HTML uploads, answering 201 once each is searchable', async () => {
    const files: [string, Buffer][] = [
      ['policy.pdf', await fixtures.twoPagePdf()],
      ['handbook.docx', await fixtures.docxWithHeadingsAndTable()],
      ['fees.xlsx', await fixtures.xlsxTwoSheets()],
      ['card_faq.csv', fixtures.csvFile()],
      ['refunds.html', fixtures.htmlWithBoilerplate()],
    ];
    for (const [filename, buffer] of files) {
      const response = await uploadFile(t.app, filename, buffer);
      expect(response.statusCode, response.body).toBe(201);
      const body = response.json();
      expect(body).toMatchObject({ source: filename, status: 'indexed', duplicate: false, error: null, isSample: false });
      expect(body.chunkCount).toBeGreaterThan(0);
      expect(await (await t.app.services.knowledge.components()).index.countChunks(body.id)).toBe(body.chunkCount);
      ids[filename] = body.id;
      uploaded[filename] = buffer;
    }
  });

  it('finds page 2 of the PDF, with its title, page and section', async () => {
    const hit = (await search(t.app, 'How long does international delivery take?'))[0]!;
    expect(hit).toMatchObject({ documentId: ids['policy.pdf'], title: 'Refund and Shipping Policy', location: { page: 2, sectionPath: ['Shipping'] } });
    expect(hit.snippet).toContain('seven and ten days');
    expect(hit.chunkId).toMatch(new RegExp(`^${ids['policy.pdf']}:`));
    const refund = hitIn(await search(t.app, 'refund within 30 days of purchase to the original card', 5), ids['policy.pdf']!);
    expect(refund.location).toMatchObject({ page: 1, sectionPath: ['Refunds'] });
  });

  it('finds the DOCX table under its heading, and the XLSX row range on the right sheet', async () => {
    const hotel = (await search(t.app, 'nightly hotel cap in London'))[0]!;
    expect(hotel).toMatchObject({ documentId: ids['handbook.docx'], title: 'Employee Travel Handbook', location: { sectionPath: ['Booking travel'] } });
    expect(hotel.snippet).toContain('220 GBP');
    const limits = (await search(t.app, 'Platinum account daily ATM limit'))[0]!;
    expect(limits).toMatchObject({ documentId: ids['fees.xlsx'], title: 'Fees and Limits', location: { sheet: 'Limits', rowStart: 2, rowEnd: 5 } });
    const fees = hitIn(await search(t.app, 'wire transfer fee', 5), ids['fees.xlsx']!);
    expect(fees.location).toMatchObject({ sheet: 'Fees', rowStart: 2, rowEnd: 4 });
  });

  it('finds CSV rows and the HTML article section, with none of the page boilerplate indexed', async () => {
    const freeze = (await search(t.app, 'Can I freeze my card?'))[0]!;
    expect(freeze).toMatchObject({ documentId: ids['card_faq.csv'], title: 'card faq', location: { rowStart: 2 } });
    const card = (await search(t.app, 'how long do card refunds take to appear on my statement'))[0]!;
    expect(card).toMatchObject({ documentId: ids['refunds.html'], title: 'Refund policy', location: { sectionPath: ['Refund policy', 'Card payments'] } });
    const { index } = await t.app.services.knowledge.components();
    const htmlChunks = await index.getChunks(Array.from({ length: 10 }, (_, i) => `${ids['refunds.html']}:${i}`));
    expect(htmlChunks.length).toBeGreaterThan(0);
    for (const chunk of htmlChunks) expect(chunk.text).not.toMatch(/cookies|summer sale|Copyright|tracking/);
  });

  const refusals: { file: string; make: () => Buffer | Promise<Buffer>; status: number; code: string }[] = [
    { file: 'empty.txt', make: () => Buffer.alloc(0), status: 400, code: 'EMPTY_FILE' },
    { file: 'manual.doc', make: () => fixtures.legacyDoc(), status: 415, code: 'UNSUPPORTED_FILE_TYPE' },
    { file: 'bomb.docx', make: () => fixtures.zipBombDocx(), status: 413, code: 'ARCHIVE_TOO_LARGE' },
    { file: 'liar.docx', make: () => fixtures.zipBombDocx({ lying: true }), status: 413, code: 'ARCHIVE_TOO_LARGE' },
    { file: 'locked.pdf', make: () => fixtures.encryptedPdf('secret'), status: 422, code: 'ENCRYPTED_FILE' },
    { file: 'scan.pdf', make: fixtures.png, status: 415, code: 'UNSUPPORTED_FILE_TYPE' },
    { file: 'scanned.pdf', make: fixtures.scannedPdf, status: 422, code: 'NO_TEXT_CONTENT' },
    { file: 'cut.pdf', make: fixtures.truncatedPdf, status: 422, code: 'MALFORMED_FILE' },
    { file: 'huge.txt', make: () => Buffer.alloc(MAX_FILE_SIZE + 1, 'a'), status: 413, code: 'FILE_TOO_LARGE' },
  ];
  for (const bad of refusals) {
    it(`refuses ${bad.file} with ${bad.status} ${bad.code}, leaving the index and documents exactly as they were`, async () => {
      const before = await counts(t.app);
      const response = await uploadFile(t.app, bad.file, await bad.make());
      expect(response.statusCode, response.body).toBe(bad.status);
      expect(response.json().error).toMatchObject({ code: bad.code, message: expect.stringContaining(bad.file) });
      expect(await counts(t.app)).toEqual(before);
    });
  }

  it('refuses bad JSON uploads the same way: empty, too large, unknown format', async () => {
    const before = await counts(t.app);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ title: 'Blank', content: '  \n ' }, 400, 'EMPTY_FILE'],
      [{ title: 'Huge', content: 'word '.repeat(MAX_FILE_SIZE / 5 + 1) }, 413, 'FILE_TOO_LARGE'],
      [{ title: 'Odd', content: 'text', format: 'rtf' }, 400, 'VALIDATION_ERROR'],
      [{ content: 'no title' }, 400, 'VALIDATION_ERROR'],
    ];
    for (const [body, status, code] of cases) {
      const response = await uploadText(t.app, body);
      expect(response.statusCode, response.body).toBe(status);
      expect(response.json().error.code).toBe(code);
    }
    expect(await counts(t.app)).toEqual(before);
  });

  it('refuses malformed upload requests: no file, two files, bad metadata, no boundary, a cut-off body, another content type', async () => {
    const before = await counts(t.app);
    const post = async (body: { payload: Buffer | string; contentType: string }) => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/knowledge/documents',
        headers: { ...adminHeaders(), 'content-type': body.contentType },
        payload: body.payload,
      });
      return { status: response.statusCode, code: response.json().error?.code as string | undefined };
    };
    const csv = { filename: 'faq.csv', buffer: fixtures.csvFile() };
    expect(await post(await multipart([], { title: 'No file' }))).toEqual({ status: 400, code: 'VALIDATION_ERROR' });
    expect(await post(await multipart([csv, { ...csv, filename: 'again.csv' }]))).toEqual({ status: 400, code: 'VALIDATION_ERROR' });
    expect(await post(await multipart([csv], { metadata: '{not json' }))).toEqual({ status: 400, code: 'VALIDATION_ERROR' });
    expect(await post({ payload: '{"title":"x"}', contentType: 'multipart/form-data' })).toEqual({ status: 400, code: 'BAD_REQUEST' });
    const whole = await multipart([csv]);
    const cut = { ...whole, payload: whole.payload.subarray(0, 120) };
    expect(await post(cut)).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(await post({ payload: 'just text', contentType: 'text/plain' })).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(await counts(t.app)).toEqual(before);
  });

  it('answers the same content again with 200 and duplicate: true, indexing nothing twice', async () => {
    const before = await counts(t.app);
    // The same bytes (pdf-lib stamps each new PDF with its creation time, so a rebuilt one differs).
    const again = await uploadFile(t.app, 'policy-copy.pdf', uploaded['policy.pdf']!);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: ids['policy.pdf'], duplicate: true, status: 'indexed' });
    expect(await counts(t.app)).toEqual(before);
  });

  it('accepts JSON text (markdown by default) with metadata, and cites its sections', async () => {
    const response = await uploadText(t.app, {
      title: 'Gift cards',
      content: '# Gift cards\n\n## Expiry\n\nGift cards never expire and can be used for any product in the shop.\n',
      metadata: { team: 'payments' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const doc = response.json();
    expect(doc).toMatchObject({ title: 'Gift cards', source: 'text:Gift cards', mimeType: 'text/markdown', metadata: { team: 'payments' } });
    const hit = (await search(t.app, 'do gift cards expire?'))[0]!;
    expect(hit).toMatchObject({ documentId: doc.id, title: 'Gift cards', location: { sectionPath: ['Gift cards', 'Expiry'] } });
    const listed = (await t.app.inject({ url: '/api/knowledge/documents?limit=2', headers: adminHeaders() })).json();
    expect(listed.documents).toHaveLength(2);
    expect(listed.documents[0].id).toBe(doc.id);
    expect(listed.nextCursor).toEqual(expect.any(String));
  });

  it('deletes a document with every chunk and vector; it is no longer found', async () => {
    const id = ids['handbook.docx']!;
    const { index } = await t.app.services.knowledge.components();
    expect(await index.countChunks(id)).toBeGreaterThan(0);
    const before = await counts(t.app);
    const removed = await t.app.inject({ method: 'DELETE', url: `/api/knowledge/documents/${id}`, headers: adminHeaders() });
    expect(removed.statusCode).toBe(204);
    expect(await index.countChunks(id)).toBe(0);
    const after = await counts(t.app);
    expect(after.documents).toBe(before.documents - 1);
    expect(before.chunks - after.chunks).toBeGreaterThan(0);
    expect(await index.vectorSearch(await (await t.app.services.knowledge.components()).embedder!.embedQuery('hotel cap London'), 100)).not.toContainEqual(
      expect.objectContaining({ chunkId: expect.stringContaining(id) }),
    );
    expect((await search(t.app, 'nightly hotel cap in London')).map((h) => h.documentId)).not.toContain(id);
    expect((await t.app.inject({ url: `/api/knowledge/documents/${id}`, headers: adminHeaders() })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/knowledge/documents/${id}`, headers: adminHeaders() })).statusCode).toBe(404);
  });

  it('refuses every knowledge route without the admin key, or with a wrong one, with 401', async () => {
    const routes = [
      { method: 'GET' as const, url: '/api/knowledge/documents' },
      { method: 'GET' as const, url: `/api/knowledge/documents/${ids['policy.pdf']}` },
      { method: 'DELETE' as const, url: `/api/knowledge/documents/${ids['policy.pdf']}` },
      { method: 'POST' as const, url: '/api/knowledge/search', payload: { query: 'refund' } },
      { method: 'POST' as const, url: '/api/knowledge/documents', payload: { title: 'x', content: 'y' } },
      { method: 'GET' as const, url: '/api/knowledge/jobs/some-job' },
    ];
    for (const route of routes) {
      for (const headers of [{}, adminHeaders('fl_admin_wrong'), { authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` }]) {
        const response = await t.app.inject({ ...route, headers });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.json().error.code).toBe('UNAUTHORIZED');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
    expect((await t.app.inject({ url: `/api/knowledge/documents/${ids['policy.pdf']}`, headers: adminHeaders() })).statusCode).toBe(200);
  });

  it('keeps everything across a restart, even one without the model (migrations on a file holding sqlite-vec tables)', async () => {
    const before = await counts(t.app);
    await t.close();
    t = await buildTestApp({ ...syncEnv(), DATABASE_URL: t.settings.database.target.url, EMBEDDING_MODEL: 'frontline-test/no-such-model' });
    expect(await counts(t.app)).toEqual(before);
    expect((await search(t.app, 'Platinum account daily ATM limit'))[0]).toMatchObject({ documentId: ids['fees.xlsx'], location: { sheet: 'Limits' } });
  });
});

describe('knowledge API, asynchronous uploads (in-process queue)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ ...syncEnv(), PROCESS_UPLOADS_ASYNC: 'true' });
  });
  afterAll(async () => t?.close());

  it('answers 202 with a job to poll until the document is indexed and searchable', async () => {
    const pdf = await fixtures.twoPagePdf();
    const response = await uploadFile(t.app, 'policy.pdf', pdf);
    expect(response.statusCode, response.body).toBe(202);
    const { jobId, documentId, status } = response.json();
    expect(status).toMatch(/queued|running/);
    expect(response.headers.location).toBe(`/api/knowledge/jobs/${jobId}`);
    const job = await eventually(async () => {
      const polled = (await t.app.inject({ url: `/api/knowledge/jobs/${jobId}`, headers: adminHeaders() })).json();
      return polled.status === 'completed' || polled.status === 'failed' ? polled : undefined;
    });
    expect(job).toMatchObject({ jobId, documentId, status: 'completed', result: { status: 'indexed' }, document: { id: documentId, status: 'indexed' } });
    expect((await search(t.app, 'international delivery time'))[0]).toMatchObject({ documentId, location: { page: 2 } });
    // Refusals are still answered on the upload itself, and duplicates are not queued.
    expect((await uploadFile(t.app, 'image.pdf', fixtures.png())).statusCode).toBe(415);
    expect((await uploadFile(t.app, 'again.pdf', pdf)).json()).toMatchObject({ id: documentId, duplicate: true });
    expect((await t.app.inject({ url: '/api/knowledge/jobs/no-such-job', headers: adminHeaders() })).statusCode).toBe(404);
  });
});

describe('knowledge API without an embedding model (lexical-only)', () => {
  it('still indexes and finds documents by keywords, and /health says why', async () => {
    const t = await buildTestApp({ ...syncEnv(), EMBEDDING_MODEL: 'frontline-test/no-such-model' });
    try {
      const response = await uploadFile(t.app, 'fees.xlsx', await fixtures.xlsxTwoSheets());
      expect(response.statusCode, response.body).toBe(201);
      const hit = (await search(t.app, 'Platinum daily ATM limit'))[0]!;
      expect(hit).toMatchObject({ documentId: response.json().id, location: { sheet: 'Limits' } });
      const { knowledge } = (await t.app.inject({ url: '/health' })).json();
      expect(knowledge).toMatchObject({ state: 'ready', mode: 'lexical-only', embeddingModel: 'lexical-only' });
      expect(knowledge.notice).toMatch(/lexical-only mode/);
      expect(t.logs()).toMatch(/lexical-only mode/);
    } finally {
      await t.close();
    }
  });
});

describe('knowledge API without ADMIN_API_KEY', () => {
  it('is disabled with 503 ADMIN_API_KEY_NOT_SET saying how to set one', async () => {
    const t = await buildTestApp({});
    try {
      const response = await t.app.inject({ url: '/api/knowledge/documents', headers: adminHeaders() });
      expect(response.statusCode).toBe(503);
      expect(response.json().error).toMatchObject({ code: 'ADMIN_API_KEY_NOT_SET', message: expect.stringContaining('frontline keygen --admin') });
    } finally {
      await t.close();
    }
  });
});
