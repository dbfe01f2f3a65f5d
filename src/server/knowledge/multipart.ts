/**
 * Reads a multipart upload: one file (field "file", or the first file part) of at most MAX_FILE_SIZE bytes, plus
 * optional "title" and "metadata" (a JSON object) fields. The size limit is enforced while streaming: a larger
 * file is cut off at the limit and refused with 413 FILE_TOO_LARGE without being buffered whole.
 */
import type { FastifyRequest } from 'fastify';
import { AppError, BadRequestError, FileTooLargeError, ValidationError } from '../../errors.js';
import type { FileInput } from '../../knowledge/ingestion/index.js';

const MB = 1024 * 1024;
const FIELD_LIMIT = 64 * 1024;

function tooLarge(filename: string, limit: number): FileTooLargeError {
  return new FileTooLargeError(
    `"${filename}" is larger than the ${(limit / MB).toFixed(1)} MB allowed per file (MAX_FILE_SIZE). ` +
      'Split it into smaller files, or ask the administrator to raise the limit.',
    { details: { filename, limit } },
  );
}

function parseMetadata(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('The "metadata" field must be a JSON object, e.g. {"team":"billing"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError('The "metadata" field must be a JSON object');
  return value as Record<string, unknown>;
}

export async function readMultipartUpload(request: FastifyRequest, maxFileSize: number): Promise<FileInput> {
  let file: { buffer: Buffer; filename: string; mimetype: string } | undefined;
  const fields: Record<string, string> = {};
  try {
    const parts = request.parts({ limits: { fileSize: maxFileSize, files: 1, fields: 10, fieldSize: FIELD_LIMIT } });
    for await (const part of parts) {
      if (part.type === 'file') {
        const filename = part.filename || 'upload';
        try {
          file = { buffer: await part.toBuffer(), filename, mimetype: part.mimetype };
        } catch (error) {
          if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(filename, maxFileSize);
          throw error;
        }
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FST_FILES_LIMIT') throw new ValidationError('Send one file per request.');
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') throw new ValidationError('Too many form fields: send "file", and optionally "title" and "metadata".');
    if (error instanceof AppError) throw error;
    // Whatever else the multipart parser refuses (no boundary, a cut-off body, a malformed part header) is the
    // client's request, not our failure.
    throw new BadRequestError(
      `The multipart body could not be read (${(error as Error).message}). Send multipart/form-data with its boundary and the file in a field named "file".`,
    );
  }
  if (!file) throw new ValidationError('No file in the upload: send it as multipart/form-data in a field named "file".');
  return {
    buffer: file.buffer,
    filename: file.filename,
    declaredMime: file.mimetype,
    title: fields.title,
    metadata: parseMetadata(fields.metadata),
  };
}
