/**
 * The knowledge index: one factory over both relational dialects, and hybrid search over either.
 *
 *   const index = await createKnowledgeIndex(handle, { dimension: embedder?.dimension, embeddingModel: embedder?.modelId });
 *   const results = await hybridSearch(index, { text, vector, k: settings.RAG_SEARCH_K, minScore: settings.RAG_SIMILARITY_THRESHOLD });
 */
import type { DatabaseHandle } from '../../storage/database.js';
import type { KnowledgeIndex } from '../types.js';
import { createPostgresKnowledgeIndex, type PostgresKnowledgeIndexOptions } from './postgres.js';
import { createSqliteKnowledgeIndex, type SqliteKnowledgeIndexOptions } from './sqlite.js';

export type KnowledgeIndexOptions = SqliteKnowledgeIndexOptions & PostgresKnowledgeIndexOptions;

/** Opens (creating its tables if needed) the knowledge index in the application's database. */
export function createKnowledgeIndex(handle: DatabaseHandle, options: KnowledgeIndexOptions = {}): Promise<KnowledgeIndex> {
  return handle.dialect === 'sqlite' ? createSqliteKnowledgeIndex(handle, options) : createPostgresKnowledgeIndex(handle, options);
}

export { createPostgresKnowledgeIndex, PostgresKnowledgeIndex, type PostgresKnowledgeIndexOptions } from './postgres.js';
export { createSqliteKnowledgeIndex, SqliteKnowledgeIndex, type SqliteKnowledgeIndexOptions } from './sqlite.js';
export { fuse, hybridSearch, type CombinedCandidateSearch, type FusedCandidate, type FusionMethod, type FusionOptions, type HybridQuery, type HybridSearchOptions, type SubQuery } from './hybrid.js';
export { documentOfChunk, fuseByDocument, type FusedChunk, type RankedList } from './rank-fusion.js';
export { EmbeddingDimensionMismatchError, InvalidChunkError, VectorIndexFullError } from './errors.js';
export { makeSnippet, DEFAULT_SNIPPET_LENGTH } from './snippet.js';
export { queryTerms } from './query-text.js';
export { VectorMatrix } from './vector-matrix.js';
export type { VectorSettings } from './vector-settings.js';
