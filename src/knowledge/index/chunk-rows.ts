/**
 * What both index kinds check and convert the same way: a chunk before it is stored, a query vector before it is
 * compared, and a stored row back into a Chunk.
 */
import type { Chunk, IndexedChunk, SourceLocation } from '../types.js';
import { EmbeddingDimensionMismatchError, InvalidChunkError } from './errors.js';
import { normalized } from './vector-math.js';

/** A chunk row as both dialects return it (snake_case columns, location as JSON text). */
export interface ChunkRow {
  id: string;
  document_id: string;
  ordinal: number;
  title: string;
  text: string;
  token_count: number;
  location: string;
}

export function toChunk(row: ChunkRow): Chunk {
  return {
    id: row.id,
    documentId: row.document_id,
    ordinal: row.ordinal,
    title: row.title,
    text: row.text,
    tokenCount: row.token_count,
    location: JSON.parse(row.location) as SourceLocation,
  };
}

/** Refuses a chunk of another document, a repeated id, or a vector the index cannot store. */
export function checkChunk(documentId: string, chunk: IndexedChunk, seen: Set<string>, dimension: number | undefined): void {
  if (chunk.documentId !== documentId) {
    throw new InvalidChunkError(`Chunk ${chunk.id} belongs to document ${chunk.documentId}, not ${documentId}`);
  }
  if (seen.has(chunk.id)) throw new InvalidChunkError(`Chunk id ${chunk.id} appears twice in document ${documentId}`);
  seen.add(chunk.id);
  if (!chunk.vector) return;
  if (dimension === undefined) {
    throw new EmbeddingDimensionMismatchError(
      `Chunk ${chunk.id} has a vector but the knowledge index was opened without a vector dimension (lexical-only)`,
    );
  }
  if (chunk.vector.length !== dimension) {
    throw new EmbeddingDimensionMismatchError(
      `Chunk ${chunk.id} has a ${chunk.vector.length}-dimension vector but the knowledge index stores ${dimension} dimensions`,
      { details: { expected: dimension, received: chunk.vector.length, chunkId: chunk.id } },
    );
  }
  if (!normalized(chunk.vector)) throw new InvalidChunkError(`Chunk ${chunk.id}'s vector is all zeros or not finite`);
}

/**
 * Whether a query vector can be compared: false when there is nothing to compare with (no vectors stored) or it
 * has no direction (all zeros); throws when its length is not the index's dimension.
 */
export function acceptsQueryVector(vector: Float32Array, dimension: number | undefined): boolean {
  if (dimension === undefined) return false;
  if (vector.length !== dimension) {
    throw new EmbeddingDimensionMismatchError(
      `The query vector has ${vector.length} dimensions but the knowledge index stores ${dimension}`,
      { details: { expected: dimension, received: vector.length } },
    );
  }
  return normalized(vector) !== undefined;
}
