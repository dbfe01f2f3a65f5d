/**
 * Which vectors an index holds, and what happens when the embedder changes. Both index kinds store the dimension
 * and embedding model their vectors were made with and check them against the embedder's at every open: vectors
 * of another model are not comparable with its queries, even at the same dimension.
 */
import { EmbeddingDimensionMismatchError } from './errors.js';

export interface VectorSettings {
  /** The dimension the caller's embedder produces; undefined when it has none (lexical-only). */
  dimension?: number;
  embeddingModel?: string;
  /** When the stored vectors come from another model or dimension: 'error' (default) or 'reset' (drop them). */
  onEmbeddingChange?: 'error' | 'reset';
}

export interface StoredVectorSettings {
  dimension?: number;
  embeddingModel?: string;
}

export function validateDimension(dimension: number | undefined): void {
  if (dimension !== undefined && (!Number.isInteger(dimension) || dimension < 1 || dimension > 16_384)) {
    throw new RangeError(`dimension must be an integer in 1..16384, got ${dimension}`);
  }
}

/**
 * 'keep': nothing to write (no embedder now, or the same one); 'record': store the caller's settings (first
 * vectors, or a model name learnt); 'reset': drop the stored vectors, then record. Throws on a change unless
 * the caller asked for 'reset'.
 */
export function reconcileVectorSettings(
  stored: StoredVectorSettings,
  wanted: VectorSettings,
): { action: 'keep' | 'record' | 'reset'; dimension: number | undefined } {
  const { dimension, embeddingModel } = wanted;
  if (dimension === undefined) return { action: 'keep', dimension: stored.dimension };
  const dimensionChanged = stored.dimension !== undefined && stored.dimension !== dimension;
  const modelChanged = stored.embeddingModel !== undefined && embeddingModel !== undefined && stored.embeddingModel !== embeddingModel;
  if (dimensionChanged || modelChanged) {
    if (wanted.onEmbeddingChange !== 'reset') {
      throw new EmbeddingDimensionMismatchError(
        `The knowledge index holds vectors from ${stored.embeddingModel ?? 'an unnamed model'} (${stored.dimension} ` +
          `dimensions) but the embedder is ${embeddingModel ?? 'unnamed'} (${dimension} dimensions). Re-index the ` +
          `documents, or open the index with onEmbeddingChange: 'reset' to drop the old vectors (text search keeps working).`,
        { details: { storedDimension: stored.dimension, storedModel: stored.embeddingModel, dimension, embeddingModel } },
      );
    }
    return { action: 'reset', dimension };
  }
  const learnt = stored.dimension === undefined || (embeddingModel !== undefined && stored.embeddingModel === undefined);
  return { action: learnt ? 'record' : 'keep', dimension };
}
