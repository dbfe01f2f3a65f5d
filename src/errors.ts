/**
 * The one error catalogue. Every error the service means to report is an AppError with a stable code and an
 * HTTP status; the server's error handler turns it into `{ error: { code, message, requestId } }`. Anything
 * else that escapes is a bug and becomes a 500 INTERNAL_ERROR without details.
 */

export interface AppErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  /** Headers the response must carry (e.g. Retry-After). */
  headers?: Record<string, string>;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly statusCode: number;
  /** Whether the same call may succeed if tried again later (upstream and availability errors). */
  readonly retryable: boolean = false;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** Builds an AppError subclass with a fixed code and status, so the catalogue below stays one line per error. */
function defineError(code: string, statusCode: number, retryable = false) {
  return class extends AppError {
    readonly code = code;
    readonly statusCode = statusCode;
    override readonly retryable = retryable;
  };
}

// 4xx: the client's mistake
export class ValidationError extends defineError('VALIDATION_ERROR', 400) {}
export class BadRequestError extends defineError('BAD_REQUEST', 400) {}
export class UnauthorizedError extends defineError('UNAUTHORIZED', 401) {}
export class ForbiddenError extends defineError('FORBIDDEN', 403) {}
export class NotFoundError extends defineError('NOT_FOUND', 404) {}
export class RouteNotFoundError extends defineError('ROUTE_NOT_FOUND', 404) {}
export class MethodNotAllowedError extends defineError('METHOD_NOT_ALLOWED', 405) {}
export class ConflictError extends defineError('CONFLICT', 409) {}
export class PayloadTooLargeError extends defineError('PAYLOAD_TOO_LARGE', 413) {}
export class UnsupportedMediaTypeError extends defineError('UNSUPPORTED_MEDIA_TYPE', 415) {}
export class RateLimitedError extends defineError('RATE_LIMITED', 429, true) {}
export class FeatureDisabledError extends defineError('FEATURE_DISABLED', 404) {}

// Sessions (src/sessions): the store's refusals, turned into responses like every other AppError
export class SessionNotFoundError extends defineError('SESSION_NOT_FOUND', 404) {}
export class SessionBusyError extends defineError('SESSION_BUSY', 409, true) {}
export class StaleLockError extends defineError('STALE_LOCK', 409) {}
export class SessionFingerprintMismatchError extends defineError('SESSION_FINGERPRINT_MISMATCH', 403) {}
/** The Redis store holds SESSION_MAX_SESSIONS live sessions and refuses more (the memory store evicts instead). */
export class SessionCapacityError extends defineError('SESSION_CAPACITY', 503, true) {}

// Uploads and parsing (src/knowledge/upload, src/knowledge/parsers): what is wrong with a file a support admin sent
export class EmptyFileError extends defineError('EMPTY_FILE', 400) {}
export class FileTooLargeError extends defineError('FILE_TOO_LARGE', 413) {}
export class ArchiveTooLargeError extends defineError('ARCHIVE_TOO_LARGE', 413) {}
export class UnsupportedFileTypeError extends defineError('UNSUPPORTED_FILE_TYPE', 415) {}
export class MalformedFileError extends defineError('MALFORMED_FILE', 422) {}
export class EncryptedFileError extends defineError('ENCRYPTED_FILE', 422) {}
export class NoTextContentError extends defineError('NO_TEXT_CONTENT', 422) {}

// 5xx: ours or a dependency's
export class InternalError extends defineError('INTERNAL_ERROR', 500) {}
export class ServiceUnavailableError extends defineError('SERVICE_UNAVAILABLE', 503, true) {}
export class DatabaseUnavailableError extends defineError('DATABASE_UNAVAILABLE', 503, true) {}
export class ShuttingDownError extends defineError('SHUTTING_DOWN', 503, true) {}
export class UpstreamError extends defineError('UPSTREAM_ERROR', 502, true) {}
export class UpstreamTimeoutError extends defineError('UPSTREAM_TIMEOUT', 504, true) {}
export class SessionStoreUnavailableError extends defineError('SESSION_STORE_UNAVAILABLE', 503, true) {}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

// Model providers (src/llm): an upstream refusal that retrying cannot fix (400, 401, 403, 404, 422, a malformed
// answer), and a generation the caller cancelled (499: nginx's "client closed request", the client is gone).
export class UpstreamPermanentError extends UpstreamError {
  override readonly retryable = false;
}
export class GenerationAbortedError extends defineError('GENERATION_ABORTED', 499) {}
