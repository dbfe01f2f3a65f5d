/**
 * The door for untrusted files: inspect (size, type by content, archive and PDF checks), then parse with the
 * inspected format. Ingestion should call readUpload before it answers the upload request, so every refusal is a
 * 4xx on that request and nothing reaches the index; only chunking, embedding and indexing need to be queued.
 */
import { parseAs } from '../parsers/index.js';
import type { ParsedDocument } from '../types.js';
import { inspectUpload, type InspectedUpload, type UploadInput, type UploadLimits } from './inspect.js';

export { inspectUpload, type InspectedUpload, type UploadInput, type UploadLimits } from './inspect.js';
export { archiveLimitsFor, assertSafeArchive, type ArchiveLimits, type ArchiveSummary } from './archive.js';

export async function readUpload(input: UploadInput, limits: UploadLimits): Promise<{ upload: InspectedUpload; document: ParsedDocument }> {
  const upload = await inspectUpload(input, limits);
  const document = await parseAs(upload.format, input.buffer, input.filename);
  return { upload, document };
}
