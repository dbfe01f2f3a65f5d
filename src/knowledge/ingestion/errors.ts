/**
 * Ingestion's refusals, AppErrors like the rest of the catalogue in src/errors.ts (they can move there
 * unchanged; they live here while that file belongs to others).
 */
import { AppError, type AppErrorOptions } from '../../errors.js';

/** The ingestion queue already holds its maximum of waiting jobs; the upload may be retried shortly. */
export class IngestionQueueFullError extends AppError {
  readonly code = 'INGESTION_QUEUE_FULL';
  readonly statusCode = 503;
  override readonly retryable = true;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, { headers: { 'Retry-After': '30' }, ...options });
  }
}

/**
 * A file that was read fine could not be indexed (the embedder failed, the database refused): the document is
 * marked failed with the reason, nothing of it is left in the index, and uploading it again retries.
 */
export class IndexingFailedError extends AppError {
  readonly code = 'INDEXING_FAILED';
  readonly statusCode = 500;
  override readonly retryable = true;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options);
  }
}
