/**
 * Asynchronous uploads through BullMQ on the real Redis (REDIS_URL + PROCESS_UPLOADS_ASYNC=true): 202, the job
 * polled to completion from Redis's state, the document searchable; and a document whose parsed form is larger
 * than MAX_FILE_SIZE travels as its original bytes and is parsed again by the worker. Lexical-only (no model):
 * the queue is under test here, the model is in knowledge.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { REDIS_TEST_URL } from '../helpers/services.js';
import * as fixtures from '../knowledge/parsers/fixtures.js';
import { ADMIN_KEY, adminHeaders, eventually, search, uploadFile } from '../knowledge/service/helpers.js';

describe('knowledge API, asynchronous uploads through BullMQ', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      ADMIN_API_KEY: ADMIN_KEY,
      REDIS_URL: REDIS_TEST_URL,
      PROCESS_UPLOADS_ASYNC: 'true',
      MAX_FILE_SIZE: '8192',
      EMBEDDING_MODEL: 'frontline-test/no-such-model',
    });
  });
  afterAll(async () => t?.close());

  const finished = (jobId: string) =>
    eventually(async () => {
      const job = (await t.app.inject({ url: `/api/knowledge/jobs/${jobId}`, headers: adminHeaders() })).json();
      return job.status === 'completed' || job.status === 'failed' ? job : undefined;
    });

  it('queues the upload in Redis and indexes it in the worker', async () => {
    expect((await t.app.services.knowledge.status()).queue).toMatchObject({ kind: 'bullmq' });
    const response = await uploadFile(t.app, 'card_faq.csv', fixtures.csvFile());
    expect(response.statusCode, response.body).toBe(202);
    const { jobId, documentId } = response.json();
    expect(await finished(jobId)).toMatchObject({ status: 'completed', result: { status: 'indexed' }, document: { id: documentId, status: 'indexed' } });
    expect((await search(t.app, 'freeze my card'))[0]).toMatchObject({ documentId, title: 'card faq' });
  });

  it('sends the original bytes when the parsed document is larger than MAX_FILE_SIZE', async () => {
    // Many one-character cells: the parsed table (with its separators) is several times the file.
    const rows = Array.from({ length: 900 }, (_, i) => `${i % 10},${(i * 7) % 10},${(i * 3) % 10}`);
    const csv = Buffer.from(`a,b,c\n${rows.join('\n')}\nzebra,quokka,axolotl\n`);
    expect(csv.length).toBeLessThan(8192);
    const response = await uploadFile(t.app, 'digits.csv', csv);
    expect(response.statusCode, response.body).toBe(202);
    const { jobId, documentId } = response.json();
    expect(await finished(jobId)).toMatchObject({ status: 'completed', document: { status: 'indexed' } });
    expect((await search(t.app, 'quokka axolotl'))[0]).toMatchObject({ documentId });
  });
});
