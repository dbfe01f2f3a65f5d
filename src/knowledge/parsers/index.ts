/**
 * parseDocument(buffer, filename, declaredMime?) -> ParsedDocument: detects the format from the bytes (the name
 * and declared type only choose among text formats), checks ZIP-based formats against zip bombs, parses, and
 * refuses what has no text. A parser's own failure becomes MALFORMED_FILE. For uploads, upload/readUpload runs
 * the stricter inspection (size, allowed types, extension agreeing with content) and then parseAs.
 */
import { EmptyFileError, MalformedFileError, NoTextContentError, isAppError } from '../../errors.js';
import type { ParsedDocument } from '../types.js';
import { archiveLimitsFor, assertSafeArchive } from '../upload/archive.js';
import { extensionOf, type DocumentFormat, type Parser } from './blocks.js';
import { parseCsv } from './csv.js';
import {
  contentKindOf,
  decodeText,
  FORMAT_NAMES,
  formatForExtension,
  formatForMime,
  hasZipMagic,
  looksLikeHtml,
  ole2Refusal,
  sniffContent,
  unreadableContentError,
} from './detect.js';
import { parseDocx } from './docx.js';
import { parseHtml, parseHtmlText } from './html.js';
import { parseMarkdown, parseMarkdownText } from './markdown.js';
import { parsePdf } from './pdf.js';
import { parseText, parseTextString } from './text.js';
import { parseXlsx } from './xlsx.js';

export type { DocumentFormat } from './blocks.js';
export { FORMAT_NAMES } from './detect.js';

/** MAX_FILE_SIZE's default: the archive limits parseDocument applies when no upload settings are at hand. */
const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;

const PARSERS: Readonly<Record<DocumentFormat, Parser>> = {
  pdf: parsePdf,
  docx: parseDocx,
  xlsx: parseXlsx,
  csv: parseCsv,
  markdown: parseMarkdown,
  text: parseText,
  html: parseHtml,
};

function assertHasText(doc: ParsedDocument, filename: string): ParsedDocument {
  // A workbook's sheet-name headings are ours, not the file's text.
  const hasText = doc.blocks.some((b) => b.text.trim() && !(doc.format === 'xlsx' && b.kind === 'heading'));
  if (hasText) return doc;
  const hint =
    doc.format === 'pdf'
      ? 'It is probably a scanned document (pictures of pages). Run text recognition (OCR) on it, for example "Save as searchable PDF", and upload the result.'
      : doc.format === 'xlsx' || doc.format === 'csv'
        ? 'Its sheets are empty.'
        : 'It is empty or holds only formatting or images.';
  throw new NoTextContentError(`"${filename}" contains no text that can be searched. ${hint}`, { details: { filename, format: doc.format } });
}

/** Parses bytes already known (inspected) to be `format`. */
export async function parseAs(format: DocumentFormat, buffer: Buffer, filename: string): Promise<ParsedDocument> {
  let doc: ParsedDocument;
  try {
    doc = await PARSERS[format](buffer, filename);
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new MalformedFileError(
      `"${filename}" could not be read as ${FORMAT_NAMES[format]}: the file looks damaged or incomplete. ` +
        'Open it in the application that made it, save or export it again, and re-upload it.',
      { cause: error, details: { filename, format, reason: error instanceof Error ? error.message : String(error) } },
    );
  }
  return assertHasText(doc, filename);
}

/** Parses text handed over as a string (the API's JSON uploads), with the same structure and checks. */
export function parseTextContent(text: string, format: 'markdown' | 'text' | 'html', filename: string): ParsedDocument {
  const parse = { markdown: parseMarkdownText, text: parseTextString, html: parseHtmlText }[format];
  return assertHasText(parse(text, filename), filename);
}

/**
 * The format of `buffer`: PDF, DOCX and XLSX by their bytes whatever the name says; for text, the extension,
 * then the declared MIME type, then a look for HTML decide. Throws UnsupportedFileTypeError for anything else.
 */
export async function detectFormat(buffer: Buffer, filename: string, declaredMime?: string): Promise<DocumentFormat> {
  const sniff = await sniffContent(buffer);
  if (sniff.kind === 'pdf' || sniff.kind === 'docx' || sniff.kind === 'xlsx') return sniff.kind;
  if (sniff.kind === 'ole2') throw ole2Refusal(filename, sniff);
  if (sniff.kind === 'text') {
    const byName = formatForExtension(extensionOf(filename));
    if (byName && contentKindOf(byName) === 'text') return byName;
    const byMime = formatForMime(declaredMime);
    if (byMime && contentKindOf(byMime) === 'text') return byMime;
    return looksLikeHtml(decodeText(buffer) ?? '') ? 'html' : 'text';
  }
  throw unreadableContentError(filename, sniff);
}

/**
 * Detects, guards and parses. ZIP-based files are held to the archive limits of an upload of their own size
 * (never above the 200 MB ceiling), so calling this on untrusted bytes cannot inflate without bound.
 */
export async function parseDocument(buffer: Buffer, filename: string, declaredMime?: string): Promise<ParsedDocument> {
  if (buffer.length === 0) throw new EmptyFileError(`"${filename}" is empty (0 bytes).`, { details: { filename } });
  if (hasZipMagic(buffer)) {
    await assertSafeArchive(buffer, filename, archiveLimitsFor(Math.max(buffer.length, DEFAULT_MAX_FILE_SIZE)));
  }
  return parseAs(await detectFormat(buffer, filename, declaredMime), buffer, filename);
}
