/**
 * The knowledge API on PostgreSQL (a database of its own) with the real embedding model: upload, search with
 * citations, duplicate, a refused upload that leaves everything as it was, and deletion of every chunk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createTestPostgresDatabase } from '../helpers/services.js';
import * as fixtures from '../knowledge/parsers/fixtures.js';
import { ADMIN_KEY, adminHeaders, counts, requireModelFiles, search, uploadFile, uploadText } from '../knowledge/service/helpers.js';

describe('knowledge API (postgres, real embedding model)', () => {
  let database: Awaited<ReturnType<typeof createTestPostgresDatabase>>;
  let t: TestApp;

  beforeAll(async () => {
    database = await createTestPostgresDatabase();
    t = await buildTestApp({ DATABASE_URL: database.url, ADMIN_API_KEY: ADMIN_KEY, PROCESS_UPLOADS_ASYNC: 'false', ...requireModelFiles() });
    await t.app.services.knowledge.start();
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('uploads, finds with citations, refuses, dedupes and deletes', async () => {
    expect((await t.app.services.knowledge.status())).toMatchObject({ index: 'postgres', mode: 'hybrid' });
    const pdfBytes = await fixtures.twoPagePdf();
    const pdf = await uploadFile(t.app, 'policy.pdf', pdfBytes);
    expect(pdf.statusCode, pdf.body).toBe(201);
    const sheet = await uploadFile(t.app, 'fees.xlsx', await fixtures.xlsxTwoSheets());
    expect(sheet.statusCode, sheet.body).toBe(201);
    const text = await uploadText(t.app, { title: 'Opening hours', content: '<h1>Opening hours</h1><p>We are open on Saturdays from nine to one.</p>', format: 'html' });
    expect(text.statusCode, text.body).toBe(201);

    expect((await search(t.app, 'How long does international delivery take?'))[0]).toMatchObject({
      documentId: pdf.json().id,
      title: 'Refund and Shipping Policy',
      location: { page: 2, sectionPath: ['Shipping'] },
    });
    expect((await search(t.app, 'Platinum account daily ATM limit'))[0]).toMatchObject({ documentId: sheet.json().id, location: { sheet: 'Limits' } });
    expect((await search(t.app, 'are you open on Saturday?'))[0]).toMatchObject({ documentId: text.json().id, title: 'Opening hours' });

    const before = await counts(t.app);
    expect((await uploadFile(t.app, 'bomb.docx', fixtures.zipBombDocx())).statusCode).toBe(413);
    expect((await uploadFile(t.app, 'locked.pdf', fixtures.encryptedPdf('secret'))).statusCode).toBe(422);
    expect((await uploadFile(t.app, 'copy.pdf', pdfBytes)).json()).toMatchObject({ id: pdf.json().id, duplicate: true });
    expect(await counts(t.app)).toEqual(before);

    const id = pdf.json().id as string;
    expect((await t.app.inject({ method: 'DELETE', url: `/api/knowledge/documents/${id}`, headers: adminHeaders() })).statusCode).toBe(204);
    const { index } = await t.app.services.knowledge.components();
    expect(await index.countChunks(id)).toBe(0);
    expect(await counts(t.app)).toEqual({ documents: before.documents - 1, chunks: before.chunks - pdf.json().chunkCount });
    expect((await search(t.app, 'international delivery', 10)).map((h) => h.documentId)).not.toContain(id);
  });
});
