/**
 * What a file really is, from its bytes: the one home for magic numbers, text decoding and the mapping between
 * extensions, MIME types and document formats. Upload inspection (policy) and parseDocument (dispatch) both use it.
 */
import { fileTypeFromBuffer } from 'file-type';
import { EncryptedFileError, UnsupportedFileTypeError } from '../../errors.js';
import type { DocumentFormat } from './blocks.js';

/** The container a file's bytes are in, independent of its name. */
export type ContentKind = 'pdf' | 'docx' | 'xlsx' | 'zip' | 'ole2' | 'text' | 'binary';

export interface ContentSniff {
  kind: ContentKind;
  /** For messages: "a PDF document", "a PNG image", "binary data". */
  label: string;
  mime?: string;
  /** OLE2 container holding a password-protected Office (OOXML) document. */
  encryptedOffice?: boolean;
}

const EXTENSION_FORMATS: Readonly<Record<string, DocumentFormat>> = {
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.xlsx': 'xlsx',
  '.csv': 'csv',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
};

const MIME_FORMATS: Readonly<Record<string, DocumentFormat>> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
};

/** The extension each format is saved under, for messages and for files uploaded without one. */
export const FORMAT_EXTENSION: Readonly<Record<DocumentFormat, string>> = {
  pdf: '.pdf',
  docx: '.docx',
  xlsx: '.xlsx',
  csv: '.csv',
  markdown: '.md',
  text: '.txt',
  html: '.html',
};

/** Each format's MIME type. */
export const FORMAT_MIME: Readonly<Record<DocumentFormat, string>> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
  markdown: 'text/markdown',
  text: 'text/plain',
  html: 'text/html',
};

/** How formats are named in messages. */
export const FORMAT_NAMES: Readonly<Record<DocumentFormat, string>> = {
  pdf: 'a PDF document',
  docx: 'a Word document (.docx)',
  xlsx: 'an Excel workbook (.xlsx)',
  csv: 'a CSV file',
  markdown: 'a Markdown file',
  text: 'a plain-text file',
  html: 'an HTML page',
};

/** Extensions that name the same format; ALLOWED_FILE_TYPES listing one allows its alias too. */
export const EXTENSION_ALIASES: Readonly<Record<string, string>> = { '.htm': '.html', '.markdown': '.md', '.text': '.txt' };

/** Which container a format's bytes must be in. */
export function contentKindOf(format: DocumentFormat): ContentKind {
  return format === 'pdf' || format === 'docx' || format === 'xlsx' ? format : 'text';
}

export function formatForExtension(extension: string): DocumentFormat | undefined {
  return EXTENSION_FORMATS[extension.toLowerCase()];
}

export function formatForMime(mime: string | undefined): DocumentFormat | undefined {
  if (!mime) return undefined;
  return MIME_FORMATS[mime.split(';')[0]!.trim().toLowerCase()];
}

const PDF_MAGIC = Buffer.from('%PDF-');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const EMPTY_ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Office stores a password-protected .docx/.xlsx as an OLE2 file with this stream (UTF-16LE name). */
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');

/**
 * PDF readers accept junk before the header within the first KiB, so do we, unless the file is text: a
 * Markdown page that mentions "%PDF-" near its top is still Markdown.
 */
export function hasPdfMagic(buffer: Buffer): boolean {
  const at = buffer.subarray(0, 1024).indexOf(PDF_MAGIC);
  return at === 0 || (at > 0 && decodeText(buffer) === null);
}

export function hasZipMagic(buffer: Buffer): boolean {
  return buffer.subarray(0, 4).equals(ZIP_MAGIC) || buffer.subarray(0, 4).equals(EMPTY_ZIP_MAGIC);
}

export function hasOle2Magic(buffer: Buffer): boolean {
  return buffer.subarray(0, 8).equals(OLE2_MAGIC);
}

/** C0 control characters other than tab, newlines, form feed, vertical tab and escape: rare in real text. */
const CONTROL = /[\u0001-\u0008\u000e-\u001a\u001c-\u001f\u007f]/g;

function plausibleText(text: string): boolean {
  if (text.includes('\u0000')) return false;
  const controls = text.match(CONTROL)?.length ?? 0;
  return controls <= Math.max(2, text.length / 1000);
}

/**
 * Decodes a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, or, when the bytes are not UTF-8 but
 * contain no binary markers, Windows-1252 (what Excel on Windows still writes for "CSV"). Null for binary data.
 */
export function decodeText(buffer: Buffer): string | null {
  let text: string;
  if (buffer[0] === 0xff && buffer[1] === 0xfe) text = new TextDecoder('utf-16le').decode(buffer.subarray(2));
  else if (buffer[0] === 0xfe && buffer[1] === 0xff) text = new TextDecoder('utf-16be').decode(buffer.subarray(2));
  else {
    if (buffer.includes(0)) return null;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer);
    } catch {
      text = new TextDecoder('windows-1252').decode(buffer);
    }
  }
  return plausibleText(text) ? text : null;
}

/** Decodes or refuses with the message a support admin needs. */
export function decodeTextOrThrow(buffer: Buffer, filename: string): string {
  const text = decodeText(buffer);
  if (text === null) {
    throw new UnsupportedFileTypeError(
      `"${filename}" does not contain text (it looks like binary data). Upload a UTF-8 text file, or the original document.`,
      { details: { filename } },
    );
  }
  return text;
}

export function looksLikeHtml(text: string): boolean {
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i.test(text.slice(0, 4096));
}

const ZIP_LABELS: Readonly<Record<string, string>> = {
  docx: 'a Word document (.docx)',
  xlsx: 'an Excel workbook (.xlsx)',
  pptx: 'a PowerPoint presentation (.pptx)',
  odt: 'an OpenDocument text file (.odt)',
  ods: 'an OpenDocument spreadsheet (.ods)',
  epub: 'an EPUB book',
  jar: 'a Java archive',
};

/**
 * Sniffs the container from magic bytes. For ZIP files this reads entry names (file-type bounds its own reads),
 * so upload inspection runs the archive checks first.
 */
export async function sniffContent(buffer: Buffer): Promise<ContentSniff> {
  if (hasPdfMagic(buffer)) return { kind: 'pdf', label: 'a PDF document', mime: 'application/pdf' };
  if (hasOle2Magic(buffer)) {
    const encryptedOffice = buffer.includes(ENCRYPTED_PACKAGE);
    return {
      kind: 'ole2',
      label: encryptedOffice ? 'a password-protected Office document' : 'a legacy Office 97-2003 file (.doc/.xls/.ppt)',
      mime: 'application/x-cfb',
      encryptedOffice,
    };
  }
  if (hasZipMagic(buffer)) {
    const type = await fileTypeFromBuffer(buffer).catch(() => undefined);
    if (type?.ext === 'docx' || type?.ext === 'xlsx') return { kind: type.ext, label: ZIP_LABELS[type.ext]!, mime: type.mime };
    return { kind: 'zip', label: (type && ZIP_LABELS[type.ext]) ?? 'a ZIP archive', mime: type?.mime ?? 'application/zip' };
  }
  if (decodeText(buffer) !== null) return { kind: 'text', label: 'text', mime: 'text/plain' };
  const type = await fileTypeFromBuffer(buffer).catch(() => undefined);
  if (!type) return { kind: 'binary', label: 'binary data' };
  const family = type.mime.split('/')[0];
  const noun = family === 'image' ? 'image' : family === 'audio' ? 'audio file' : family === 'video' ? 'video' : 'file';
  return { kind: 'binary', label: `a ${type.ext.toUpperCase()} ${noun}`, mime: type.mime };
}

/** The refusal for content no parser reads (images, archives, executables...). */
export function unreadableContentError(filename: string, sniff: ContentSniff): UnsupportedFileTypeError {
  return new UnsupportedFileTypeError(
    `"${filename}" is ${sniff.label}, which Frontline cannot read. ` +
      'Supported: PDF, Word (.docx), Excel (.xlsx), CSV, Markdown, plain text and HTML.',
    { details: { filename, detected: sniff.mime ?? sniff.kind } },
  );
}

/** The refusal for OLE2 files: legacy Office formats, or a password-protected modern one. */
export function ole2Refusal(filename: string, sniff: ContentSniff): EncryptedFileError | UnsupportedFileTypeError {
  return sniff.encryptedOffice ? encryptedOfficeError(filename) : legacyOfficeError(filename);
}

export function legacyOfficeError(filename: string): UnsupportedFileTypeError {
  const ext = filename.toLowerCase().slice(filename.lastIndexOf('.'));
  const [what, target] =
    ext === '.xls'
      ? ['a legacy Excel 97-2003 workbook (.xls)', '.xlsx or CSV']
      : ext === '.ppt'
        ? ['a legacy PowerPoint 97-2003 presentation (.ppt)', 'PDF']
        : ext === '.doc'
          ? ['a legacy Word 97-2003 document (.doc)', '.docx or PDF']
          : ['a legacy Microsoft Office 97-2003 file', '.docx, .xlsx or PDF'];
  return new UnsupportedFileTypeError(
    `"${filename}" is ${what}, which Frontline cannot read. ` +
      `Open it in Microsoft Office or LibreOffice, save it as ${target}, and upload that file instead.`,
    { details: { filename } },
  );
}

function encryptedOfficeError(filename: string): EncryptedFileError {
  return new EncryptedFileError(
    `"${filename}" is a password-protected Office document. Open it, remove the password (File > Info > Protect), ` +
      'save it, and upload it again.',
    { details: { filename } },
  );
}
