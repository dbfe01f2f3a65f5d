/**
 * The SQLite knowledge tables, created by the index itself (not by the shared migrations) because the vector
 * table needs the sqlite-vec extension loaded and its dimension comes from the embedder at run time:
 *   knowledge_chunks       one row per chunk; `pk` is the rowid shared by the FTS and vector tables
 *   knowledge_chunks_fts   FTS5 over title + text, external content (the text is stored once), kept in step
 *                          by triggers; porter stemming over unicode61 with diacritics removed
 *   knowledge_vectors      sqlite-vec vec0, float[dimension], cosine distance, rowid = knowledge_chunks.pk
 *   knowledge_changes      one row per document added or removed, so other connections (processes sharing the
 *                          file) can update their in-memory vectors incrementally
 *   knowledge_index_meta   the vector dimension and embedding model the stored vectors were made with
 * Every statement is idempotent; the whole set runs in one IMMEDIATE transaction, so two processes opening the
 * same new file at once cannot both create it.
 */
import type Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { reconcileVectorSettings, type VectorSettings } from './vector-settings.js';

export const CHUNKS = 'knowledge_chunks';
export const FTS = 'knowledge_chunks_fts';
export const VECTORS = 'knowledge_vectors';
export const CHANGES = 'knowledge_changes';
const META = 'knowledge_index_meta';

const BASE_SCHEMA = `
create table if not exists ${CHUNKS} (
  pk integer primary key,
  id text not null unique,
  document_id text not null,
  ordinal integer not null,
  title text not null,
  text text not null,
  token_count integer not null,
  location text not null default '{}'
);
create index if not exists ${CHUNKS}_document_idx on ${CHUNKS} (document_id, ordinal);
create virtual table if not exists ${FTS} using fts5(
  title, text, content='${CHUNKS}', content_rowid='pk', tokenize='porter unicode61 remove_diacritics 2'
);
create trigger if not exists ${CHUNKS}_fts_insert after insert on ${CHUNKS} begin
  insert into ${FTS} (rowid, title, text) values (new.pk, new.title, new.text);
end;
create trigger if not exists ${CHUNKS}_fts_delete after delete on ${CHUNKS} begin
  insert into ${FTS} (${FTS}, rowid, title, text) values ('delete', old.pk, old.title, old.text);
end;
create trigger if not exists ${CHUNKS}_fts_update after update on ${CHUNKS} begin
  insert into ${FTS} (${FTS}, rowid, title, text) values ('delete', old.pk, old.title, old.text);
  insert into ${FTS} (rowid, title, text) values (new.pk, new.title, new.text);
end;
create table if not exists ${CHANGES} (seq integer primary key autoincrement, document_id text not null);
create table if not exists ${META} (key text primary key, value text not null);
`;

/** Loads sqlite-vec into the connection unless it is already there (several indexes may share one). */
export function loadVectorExtension(db: Database.Database): void {
  try {
    db.prepare('select vec_version()').get();
  } catch {
    sqliteVec.load(db);
  }
}

/**
 * Creates what is missing and reconciles the stored vector settings with the caller's. Returns the dimension
 * vectors are stored with (undefined: no vector table, lexical-only).
 */
export function ensureSqliteSchema(db: Database.Database, settings: VectorSettings): number | undefined {
  loadVectorExtension(db);
  return db
    .transaction(() => {
      db.exec(BASE_SCHEMA);
      const meta = new Map(
        (db.prepare(`select key, value from ${META}`).all() as { key: string; value: string }[]).map((row) => [row.key, row.value]),
      );
      const stored = {
        dimension: meta.has('dimension') ? Number(meta.get('dimension')) : undefined,
        embeddingModel: meta.get('embedding_model'),
      };
      const { action, dimension } = reconcileVectorSettings(stored, settings);
      if (dimension === undefined) return undefined; // no embedder and no vectors stored: lexical-only
      if (action === 'reset') db.exec(`drop table if exists ${VECTORS}`);
      db.exec(`create virtual table if not exists ${VECTORS} using vec0(embedding float[${dimension}] distance_metric=cosine)`);
      if (action !== 'keep') {
        const upsert = db.prepare(`insert into ${META} (key, value) values (?, ?) on conflict (key) do update set value = excluded.value`);
        upsert.run('dimension', String(dimension));
        if (settings.embeddingModel !== undefined) upsert.run('embedding_model', settings.embeddingModel);
      }
      if (action === 'reset') {
        // Every other connection must drop what it loaded: record a change for every document.
        db.exec(`insert into ${CHANGES} (document_id) select distinct document_id from ${CHUNKS}`);
      }
      return dimension;
    })
    .immediate();
}
