/**
 * The PostgreSQL knowledge tables, created by the index itself (idempotently, under an advisory lock so that
 * instances starting together do not race on CREATE):
 *   knowledge_chunks      one row per chunk; `embedding` is the float32 vector as little-endian bytea (pgvector
 *                         is not available here, see DESIGN.md section 5)
 *   knowledge_chunks_fts  each chunk's tsvector (english configuration, title weighted A and text B) with a GIN
 *                         index, in a narrow table of its own: ts_rank reads every matching row's tsvector, and
 *                         beside the text and the 1.5 kB embedding it was TOASTed out of line, so ranking 6,000
 *                         matches cost ~40 ms of detoasting; inline here, ~16 ms (bench/knowledge/search.bench.ts).
 *                         Earlier versions kept a generated `tsv` column in knowledge_chunks: it is moved here
 *                         once and dropped.
 *   knowledge_changes     one row per document added or removed, in commit order (writers hold the same
 *                         advisory lock), so instances catch up on what they missed while disconnected
 *   knowledge_index_meta  the vector dimension and embedding model the stored vectors were made with
 */
import type pg from 'pg';
import { reconcileVectorSettings, type VectorSettings } from './vector-settings.js';

export const PG_CHUNKS = 'knowledge_chunks';
export const PG_CHANGES = 'knowledge_changes';
export const PG_FTS = 'knowledge_chunks_fts';
/** The tsvector of a knowledge_chunks row, as stored in knowledge_chunks_fts. */
export const PG_TSVECTOR = `setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, text), 'B')`;
const META = 'knowledge_index_meta';
/** pg_advisory_xact_lock key serialising schema changes and writes of the knowledge index ("knwl"). */
export const KNOWLEDGE_LOCK_KEY = 0x6b6e776c;

const BASE_SCHEMA = [
  `create table if not exists ${PG_CHUNKS} (
     id text primary key,
     document_id text not null,
     ordinal integer not null,
     title text not null,
     text text not null,
     token_count integer not null,
     location text not null default '{}',
     embedding bytea
   )`,
  `create index if not exists ${PG_CHUNKS}_document_idx on ${PG_CHUNKS} (document_id, ordinal)`,
  `create table if not exists ${PG_FTS} (
     id text primary key references ${PG_CHUNKS} (id) on delete cascade,
     tsv tsvector not null
   )`,
  `create index if not exists ${PG_FTS}_tsv_idx on ${PG_FTS} using gin (tsv)`,
  // From the generated column of earlier versions (a no-op once it is gone).
  `do $$ begin
     if exists (select 1 from information_schema.columns where table_name = '${PG_CHUNKS}' and column_name = 'tsv' and table_schema = current_schema()) then
       insert into ${PG_FTS} (id, tsv) select id, tsv from ${PG_CHUNKS} on conflict (id) do nothing;
       alter table ${PG_CHUNKS} drop column tsv;
     end if;
   end $$`,
  `create table if not exists ${PG_CHANGES} (
     seq bigserial primary key,
     document_id text not null,
     created_at timestamptz not null default now()
   )`,
  `create table if not exists ${META} (key text primary key, value text not null)`,
];

/** Runs `work` in a transaction holding the knowledge index's advisory lock. */
export async function withKnowledgeLock<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [KNOWLEDGE_LOCK_KEY]);
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Creates what is missing and reconciles the stored vector settings; returns the dimension vectors use. */
export async function ensurePostgresSchema(pool: pg.Pool, settings: VectorSettings, channel: string): Promise<number | undefined> {
  return withKnowledgeLock(pool, async (client) => {
    for (const statement of BASE_SCHEMA) await client.query(statement);
    const { rows } = await client.query<{ key: string; value: string }>(`select key, value from ${META}`);
    const meta = new Map(rows.map((row) => [row.key, row.value]));
    const stored = {
      dimension: meta.has('dimension') ? Number(meta.get('dimension')) : undefined,
      embeddingModel: meta.get('embedding_model'),
    };
    const { action, dimension } = reconcileVectorSettings(stored, settings);
    if (action === 'reset') {
      await client.query(`update ${PG_CHUNKS} set embedding = null where embedding is not null`);
      // Every instance must drop the vectors it loaded.
      const { rows: changed } = await client.query<{ seq: string }>(
        `insert into ${PG_CHANGES} (document_id) select distinct document_id from ${PG_CHUNKS} returning seq`,
      );
      if (changed.length > 0) await client.query('select pg_notify($1, $2)', [channel, 'reset']);
    }
    if (action !== 'keep' && dimension !== undefined) {
      const upsert = `insert into ${META} (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value`;
      await client.query(upsert, ['dimension', String(dimension)]);
      if (settings.embeddingModel !== undefined) await client.query(upsert, ['embedding_model', settings.embeddingModel]);
    }
    return dimension;
  });
}
