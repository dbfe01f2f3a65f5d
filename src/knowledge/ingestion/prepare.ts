/**
 * The fast half of ingestion, run before anything is written or answered: inspect and parse a file (or text sent
 * as JSON), hash its content for de-duplication, and describe it for the documents table. Every refusal is an
 * AppError with a 4xx status thrown from here, so a bad upload never reaches the index.
 */
import { createHash } from 'node:crypto';
import { EmptyFileError, FileTooLargeError, ValidationError } from '../../errors.js';
import { parseTextContent } from '../parsers/index.js';
import type { ParsedDocument } from '../types.js';
import { readUpload, type UploadLimits } from '../upload/index.js';

export type TextFormat = 'markdown' | 'text' | 'html';

export interface FileInput {
  buffer: Buffer;
  filename: string;
  /** The client's Content-Type, used only to choose among text formats. */
  declaredMime?: string;
  /** Overrides the title found in the file. */
  title?: string;
  metadata?: Record<string, unknown>;
}

export interface TextInput {
  title: string;
  content: string;
  format?: TextFormat;
  metadata?: Record<string, unknown>;
}

export type IngestInput = FileInput | TextInput;

/** What a queue carries when it cannot carry the parsed document: the original input, JSON-safe. */
export type SerializedInput =
  | { kind: 'file'; base64: string; filename: string; declaredMime?: string; title?: string }
  | { kind: 'text'; title: string; content: string; format: TextFormat };

export interface PreparedDocument {
  document: ParsedDocument;
  contentHash: string;
  /** File name, or "text:<title>" for text sent as JSON. */
  source: string;
  mimeType: string;
  sizeBytes: number;
  /** The parser's metadata (pages, sheets...) under the caller's, which wins. */
  metadata: Record<string, unknown>;
  /** The input again, for a queue whose payloads must stay small (see KnowledgeBase). */
  serialized(): SerializedInput;
}

const TEXT_MIME: Record<TextFormat, string> = { markdown: 'text/markdown', text: 'text/plain', html: 'text/html' };
const MAX_TITLE = 500;
const MAX_METADATA_BYTES = 16 * 1024;

export const isFileInput = (input: IngestInput): input is FileInput => Buffer.isBuffer((input as FileInput).buffer);

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function checkMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new ValidationError('metadata must be a JSON object');
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
    throw new ValidationError(`metadata is larger than ${MAX_METADATA_BYTES / 1024} KB; keep it to a few identifying fields`);
  }
  return metadata;
}

function cleanTitle(title: string | undefined): string | undefined {
  const trimmed = title?.replace(/\s+/g, ' ').trim();
  return trimmed ? trimmed.slice(0, MAX_TITLE) : undefined;
}

export async function prepareInput(input: IngestInput, limits: UploadLimits): Promise<PreparedDocument> {
  const userMetadata = checkMetadata(input.metadata);
  if (isFileInput(input)) {
    const { upload, document } = await readUpload(input, limits);
    const title = cleanTitle(input.title) ?? document.title;
    return {
      document: { ...document, title },
      contentHash: sha256(input.buffer),
      source: input.filename,
      mimeType: upload.mime,
      sizeBytes: upload.size,
      metadata: { ...document.metadata, ...userMetadata },
      serialized: () => ({
        kind: 'file',
        base64: input.buffer.toString('base64'),
        filename: input.filename,
        ...(input.declaredMime ? { declaredMime: input.declaredMime } : {}),
        ...(input.title ? { title: input.title } : {}),
      }),
    };
  }

  const title = cleanTitle(input.title);
  if (!title) throw new ValidationError('title must not be empty');
  const format = input.format ?? 'markdown';
  const sizeBytes = Buffer.byteLength(input.content);
  if (!input.content.trim()) throw new EmptyFileError(`"${title}" has no content.`, { details: { title } });
  if (sizeBytes > limits.maxFileSize) {
    throw new FileTooLargeError(
      `"${title}" is ${sizeBytes} bytes of text, more than the ${limits.maxFileSize} allowed per document (MAX_FILE_SIZE). Split it into smaller documents.`,
      { details: { title, size: sizeBytes, limit: limits.maxFileSize } },
    );
  }
  const document = parseTextContent(input.content, format, title);
  return {
    document: { ...document, title },
    contentHash: sha256(input.content),
    source: `text:${title}`,
    mimeType: TEXT_MIME[format],
    sizeBytes,
    metadata: { ...document.metadata, ...userMetadata },
    serialized: () => ({ kind: 'text', title, content: input.content, format }),
  };
}

export function deserializeInput(input: SerializedInput): IngestInput {
  return input.kind === 'file'
    ? { buffer: Buffer.from(input.base64, 'base64'), filename: input.filename, declaredMime: input.declaredMime, title: input.title }
    : { title: input.title, content: input.content, format: input.format };
}
