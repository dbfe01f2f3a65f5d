/**
 * inspectUpload: decides whether an uploaded file may be parsed, by its content and not its name alone.
 * Order matters and is cheapest-first: empty, too big, extension allowed, legacy Office, then the bytes (magic
 * numbers, the archive checks for DOCX/XLSX before anything reads their entries, text that really is text), and
 * last the PDF checks (complete, no password needed).
 */
import { EmptyFileError, FileTooLargeError, UnsupportedFileTypeError } from '../../errors.js';
import { extensionOf, type DocumentFormat } from '../parsers/blocks.js';
import {
  contentKindOf,
  decodeText,
  EXTENSION_ALIASES,
  FORMAT_EXTENSION,
  FORMAT_MIME,
  FORMAT_NAMES,
  formatForExtension,
  formatForMime,
  hasOle2Magic,
  hasZipMagic,
  legacyOfficeError,
  looksLikeHtml,
  ole2Refusal,
  sniffContent,
  unreadableContentError,
  type ContentSniff,
} from '../parsers/detect.js';
import { assertReadablePdf } from '../parsers/pdf.js';
import { archiveLimitsFor, assertSafeArchive, type ArchiveSummary } from './archive.js';

export interface UploadInput {
  buffer: Buffer;
  filename: string;
  /** The client's Content-Type; only used to choose among text formats when the name has no extension. */
  declaredMime?: string;
}

/** The part of `settings.files` inspection reads. */
export interface UploadLimits {
  maxFileSize: number;
  allowedTypes: readonly string[];
}

export interface InspectedUpload {
  format: DocumentFormat;
  /** The file's extension, or the format's usual one when the name has none. */
  extension: string;
  mime: string;
  size: number;
  /** Proven sizes of a DOCX/XLSX archive. */
  archive?: ArchiveSummary;
}

const LEGACY_OFFICE = new Set(['.doc', '.xls', '.ppt', '.dot', '.xlt', '.pps']);
const MB = 1024 * 1024;
const formatSize = (bytes: number) => (bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);
const canonical = (ext: string) => EXTENSION_ALIASES[ext] ?? ext;

function isAllowed(ext: string, limits: UploadLimits): boolean {
  return limits.allowedTypes.some((allowed) => canonical(allowed.toLowerCase()) === canonical(ext));
}

function notAllowed(filename: string, ext: string, limits: UploadLimits): UnsupportedFileTypeError {
  const readable = limits.allowedTypes.filter((t) => formatForExtension(t) !== undefined);
  return new UnsupportedFileTypeError(
    `"${filename}" was refused: ${ext ? `${ext} files are` : 'files of this type are'} not accepted here. ` +
      `Accepted types: ${readable.join(', ') || 'none'} (set by ALLOWED_FILE_TYPES).`,
    { details: { filename, extension: ext, allowedTypes: readable } },
  );
}

function mismatch(filename: string, format: DocumentFormat, sniff: ContentSniff): UnsupportedFileTypeError {
  const details = { filename, expected: format, detected: sniff.mime ?? sniff.kind };
  if (contentKindOf(format) === 'text') {
    return new UnsupportedFileTypeError(
      `"${filename}" should be text but contains ${sniff.kind === 'binary' ? 'binary data' : sniff.label}. ` +
        'Upload a UTF-8 text file, or the original document under its real extension.',
      { details },
    );
  }
  return new UnsupportedFileTypeError(
    `"${filename}" is named like ${FORMAT_NAMES[format]} but its content is ${sniff.label}. ` +
      'Upload the original file, or give it the extension that matches its content.',
    { details },
  );
}

/** The format of a file uploaded without an extension: its content, else its declared type, else plain text. */
function formatWithoutExtension(input: UploadInput, sniff: ContentSniff): DocumentFormat | undefined {
  if (sniff.kind === 'pdf' || sniff.kind === 'docx' || sniff.kind === 'xlsx') return sniff.kind;
  if (sniff.kind !== 'text') return undefined;
  const byMime = formatForMime(input.declaredMime);
  if (byMime && contentKindOf(byMime) === 'text') return byMime;
  return looksLikeHtml(decodeText(input.buffer) ?? '') ? 'html' : 'text';
}

/** Returns what the file is, or throws the AppError (400, 413, 415, 422) that tells the admin what to do. */
export async function inspectUpload(input: UploadInput, limits: UploadLimits): Promise<InspectedUpload> {
  const { buffer, filename } = input;
  const size = buffer.length;
  if (size === 0) throw new EmptyFileError(`"${filename}" is empty (0 bytes). Check that the right file was chosen.`, { details: { filename } });
  if (size > limits.maxFileSize) {
    throw new FileTooLargeError(
      `"${filename}" is ${formatSize(size)}, more than the ${formatSize(limits.maxFileSize)} allowed per file (MAX_FILE_SIZE). ` +
        'Split it into smaller files, or ask the administrator to raise the limit.',
      { details: { filename, size, limit: limits.maxFileSize } },
    );
  }

  const ext = extensionOf(filename);
  if (LEGACY_OFFICE.has(ext)) throw legacyOfficeError(filename);
  let format: DocumentFormat | undefined;
  if (ext) {
    if (!isAllowed(ext, limits)) throw notAllowed(filename, ext, limits);
    format = formatForExtension(ext);
    if (!format) {
      throw new UnsupportedFileTypeError(
        `"${filename}" was refused: Frontline cannot read ${ext} files, even though ALLOWED_FILE_TYPES lists them. ` +
          'Supported: .pdf, .docx, .xlsx, .csv, .md, .txt, .html.',
        { details: { filename, extension: ext } },
      );
    }
  }

  if (hasOle2Magic(buffer)) throw ole2Refusal(filename, await sniffContent(buffer));
  // Archive checks come before anything (file-type included) reads the entries of a would-be DOCX/XLSX.
  let archive: ArchiveSummary | undefined;
  if (hasZipMagic(buffer) && (format === undefined || contentKindOf(format) === 'docx' || contentKindOf(format) === 'xlsx')) {
    archive = await assertSafeArchive(buffer, filename, archiveLimitsFor(limits.maxFileSize));
  }
  const sniff = await sniffContent(buffer);

  if (!format) {
    format = formatWithoutExtension(input, sniff);
    if (!format) throw unreadableContentError(filename, sniff);
    if (!isAllowed(FORMAT_EXTENSION[format], limits)) throw notAllowed(filename, FORMAT_EXTENSION[format], limits);
  }
  if (contentKindOf(format) !== sniff.kind) throw mismatch(filename, format, sniff);
  if (format === 'pdf') await assertReadablePdf(buffer, filename);

  return {
    format,
    extension: ext || FORMAT_EXTENSION[format],
    mime: FORMAT_MIME[format],
    size,
    ...(archive ? { archive } : {}),
  };
}
