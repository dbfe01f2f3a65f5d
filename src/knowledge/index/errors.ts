/**
 * The knowledge index's refusals. They are AppErrors (stable code, HTTP status) like the rest of the catalogue in
 * src/errors.ts and can move there unchanged; they live here while that file is being edited by others.
 */
import { AppError, type AppErrorOptions } from '../../errors.js';

/**
 * A vector whose length is not the index's dimension, or an index opened with a dimension (or embedding model)
 * other than the one its stored vectors were made with. Never retryable: the configuration must change, or the
 * documents must be re-indexed.
 */
export class EmbeddingDimensionMismatchError extends AppError {
  readonly code = 'EMBEDDING_DIMENSION_MISMATCH';
  readonly statusCode = 500;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options);
  }
}

/** The in-process vector matrix reached its configured maximum (memory is bounded by design). */
export class VectorIndexFullError extends AppError {
  readonly code = 'VECTOR_INDEX_FULL';
  readonly statusCode = 507;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options);
  }
}

/** A chunk the index cannot store as given (duplicate id, id of another document, invalid vector). */
export class InvalidChunkError extends AppError {
  readonly code = 'INVALID_CHUNK';
  readonly statusCode = 400;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options);
  }
}
