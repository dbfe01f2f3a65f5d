/**
 * The knowledge index conformance suite on the real PostgreSQL, in a database of its own that is dropped after.
 * Never skipped: createTestPostgresDatabase fails with how to start PostgreSQL when it is down.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VectorIndexFullError } from '../../../src/knowledge/index/errors.js';
import { createPostgresKnowledgeIndex } from '../../../src/knowledge/index/postgres.js';
import { openDatabase } from '../../../src/storage/database.js';
import { createTestPostgresDatabase } from '../../helpers/services.js';
import { chunk, DIMENSION, eventually, randomUnitVector, seededRandom } from './fixtures.js';
import { knowledgeIndexConformance } from './index.suite.js';

let database: Awaited<ReturnType<typeof createTestPostgresDatabase>> | undefined;
beforeAll(async () => {
  database = await createTestPostgresDatabase();
});
afterAll(async () => {
  await database?.drop();
});

knowledgeIndexConformance({
  name: 'postgres',
  openHandle: () => {
    if (!database) throw new Error('the test database was not created');
    return openDatabase({ dialect: 'postgres', connectionString: database.url, url: database.url }, { poolSize: 5 });
  },
  // Notifications must do the work in the tests, not the safety-net poll.
  options: { pollIntervalMs: 0 },
});

describe('postgres knowledge index specifics', () => {
  let own: Awaited<ReturnType<typeof createTestPostgresDatabase>> | undefined;
  const opened: { close(): Promise<void> }[] = [];
  const open = async (options: Parameters<typeof createPostgresKnowledgeIndex>[1] = {}) => {
    if (!own) throw new Error('the test database was not created');
    const handle = await openDatabase({ dialect: 'postgres', connectionString: own.url, url: own.url }, { poolSize: 4 });
    if (handle.dialect !== 'postgres') throw new Error('expected PostgreSQL');
    opened.push(handle);
    const index = await createPostgresKnowledgeIndex(handle, { dimension: DIMENSION, embeddingModel: 'test-model', pollIntervalMs: 0, ...options });
    opened.push(index);
    return index;
  };
  beforeAll(async () => {
    own = await createTestPostgresDatabase();
  });
  afterAll(async () => {
    for (const item of opened.reverse()) await item.close();
    await own?.drop();
  });

  it('catches up on changes made while its LISTEN connection was down', async () => {
    const warnings: string[] = [];
    const follower = await open({ onWarning: (message) => warnings.push(message) });
    const writer = await open();
    const admin = new pg.Client({ connectionString: own!.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and query like 'listen %'`,
      );
      expect(rows).toHaveLength(2); // one LISTEN connection per instance
      for (const { pid } of rows) await admin.query('select pg_terminate_backend($1)', [pid]);
      const vector = randomUnitVector(seededRandom(40));
      await writer.addDocumentChunks('doc-missed', [chunk('doc-missed', 0, 'Missed', 'Sent while nobody listened.', vector)]);
      await eventually(async () => expect((await follower.vectorSearch(vector, 1))[0]?.chunkId).toBe('doc-missed:0'), 10_000);
      expect(warnings.some((warning) => warning.includes('LISTEN'))).toBe(true);
      // And it listens again: a later change arrives by notification.
      const later = randomUnitVector(seededRandom(42));
      await eventually(async () => {
        const { rows: listening } = await admin.query(`select 1 from pg_stat_activity where datname = current_database() and query like 'listen %'`);
        expect(listening).toHaveLength(2);
      }, 10_000);
      await writer.addDocumentChunks('doc-later', [chunk('doc-later', 0, 'Later', 'Sent after reconnecting.', later)]);
      await eventually(async () => expect((await follower.vectorSearch(later, 1))[0]?.chunkId).toBe('doc-later:0'));
    } finally {
      await admin.end();
    }
  });

  it('moves the full-text column of an earlier version into its own table, once', async () => {
    const legacy = await createTestPostgresDatabase();
    const admin = new pg.Client({ connectionString: legacy.url });
    await admin.connect();
    try {
      // The table as earlier versions created it, with a chunk written by one of them.
      await admin.query(`create table knowledge_chunks (
        id text primary key, document_id text not null, ordinal integer not null, title text not null, text text not null,
        token_count integer not null, location text not null default '{}', embedding bytea,
        tsv tsvector generated always as (setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, text), 'B')) stored)`);
      await admin.query(`create index knowledge_chunks_tsv_idx on knowledge_chunks using gin (tsv)`);
      await admin.query(`insert into knowledge_chunks (id, document_id, ordinal, title, text, token_count) values ('doc-old:0', 'doc-old', 0, 'Old', 'Chargebacks explained.', 3)`);
      const handle = await openDatabase({ dialect: 'postgres', connectionString: legacy.url, url: legacy.url }, { poolSize: 2 });
      if (handle.dialect !== 'postgres') throw new Error('expected PostgreSQL');
      try {
        for (let i = 0; i < 2; i++) {
          const index = await createPostgresKnowledgeIndex(handle, { pollIntervalMs: 0 });
          expect((await index.lexicalSearch('chargebacks', 5)).map((c) => c.chunkId)).toEqual(['doc-old:0']);
          await index.close();
        }
        const { rows } = await admin.query(`select 1 from information_schema.columns where table_name = 'knowledge_chunks' and column_name = 'tsv'`);
        expect(rows).toEqual([]);
      } finally {
        await handle.close();
      }
    } finally {
      await admin.end();
      await legacy.drop();
    }
  });

  it('refuses a write that would hold more vectors in memory than allowed, and stores none of it', async () => {
    // Room for the two vectors the previous test stored and one more: a 4-vector document does not fit.
    const small = await open({ maxInMemoryVectors: 3 });
    const random = seededRandom(41);
    const chunks = [0, 1, 2, 3].map((i) => chunk('doc-big', i, 'Big', `passage ${i}`, randomUnitVector(random)));
    await expect(small.addDocumentChunks('doc-big', chunks)).rejects.toBeInstanceOf(VectorIndexFullError);
    expect(await small.countChunks('doc-big')).toBe(0);
  });
});
