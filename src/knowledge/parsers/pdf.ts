/**
 * PDF -> blocks with page numbers, through unpdf (pdf.js built for servers; it polyfills what Node 20 lacks).
 * Text items become lines, lines become paragraphs at font changes and vertical gaps, and lines set clearly larger
 * than the body text become headings (levels by size), which gives PDFs section paths too. Running headers and
 * footers repeated on most pages are dropped.
 */
import { getDocumentProxy } from 'unpdf';
import { EncryptedFileError, MalformedFileError } from '../../errors.js';
import { BlockBuilder, normalizeSpace, titleFromFilename } from './blocks.js';
import type { ParsedDocument } from '../types.js';

interface Line {
  text: string;
  size: number;
  y: number;
  /** In the top or bottom 12% of the page, where running headers and footers live. */
  margin?: boolean;
}

interface TextItemLike {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

const round = (n: number) => Math.round(n * 2) / 2;
const BULLET = /^\s*([•●▪■◦‣∙·\-–*]|\d{1,3}[.)])\s+/;
const PAGE_NUMBER = /^\s*(page\s*)?\d{1,5}(\s*(of|\/)\s*\d{1,5})?\s*$/i;
/** Metadata titles that name the software or the file rather than the document. */
const JUNK_TITLE = /^(untitled.*|document\d*|microsoft (word|powerpoint|excel) - .*|.*\.(docx?|pptx?|xlsx?|pdf|indd|rtf|txt))$/i;

async function readLines(pdf: PdfDocument, pageNumber: number): Promise<Line[]> {
  const page = await pdf.getPage(pageNumber);
  const content = await page.getTextContent();
  const [, bottom = 0, , top = 792] = page.view;
  const band = (top - bottom) * 0.12;
  const lines: Line[] = [];
  let current: Line | null = null;
  let lastEnd = 0;
  const end = () => {
    const line = current as Line | null;
    if (line && line.text.trim()) {
      lines.push({ ...line, text: normalizeSpace(line.text), margin: line.y > top - band || line.y < bottom + band });
    }
    current = null;
  };
  for (const raw of content.items) {
    if (!('str' in raw)) continue;
    const item = raw as TextItemLike;
    const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = item.transform;
    const size = Math.hypot(c, d) || item.height || Math.hypot(a, b);
    if (current && Math.abs(y - (current as Line).y) > Math.max(1, size * 0.5)) end();
    if (item.str) {
      current ??= { text: '', size: 0, y };
      // Items of one line are sometimes split without a space; a visible gap means there was one.
      if (current.text && !/\s$/.test(current.text) && !/^\s/.test(item.str) && x - lastEnd > size * 0.15) current.text += ' ';
      current.text += item.str;
      current.size = Math.max(current.size, round(size));
      lastEnd = x + item.width;
    }
    if (item.hasEOL) end();
  }
  end();
  page.cleanup();
  return lines;
}

const runningKey = (text: string) => text.replace(/\d+/g, '#').toLowerCase();

/** Margin lines repeated on most pages (running headers and footers, "Page 3 of 9"). */
function runningLines(pages: Line[][]): Set<string> {
  const seen = new Map<string, number>();
  for (const lines of pages) {
    const margins = new Set(lines.filter((l) => l.margin).map((l) => runningKey(l.text)));
    for (const k of margins) seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  const minPages = Math.max(3, Math.ceil(pages.length * 0.5));
  return new Set([...seen].filter(([, n]) => pages.length >= 3 && n >= minPages).map(([k]) => k));
}

/** The size most characters are set in. */
function bodySize(pages: Line[][]): number {
  const weight = new Map<number, number>();
  for (const line of pages.flat()) weight.set(line.size, (weight.get(line.size) ?? 0) + line.text.length);
  return [...weight].sort((x, y) => y[1] - x[1])[0]?.[0] ?? 0;
}

function joinLines(lines: Line[]): string {
  return lines.reduce((text, line) => {
    if (!text) return line.text;
    // "refund-" + "able" was one word broken by the layout.
    if (/[a-z]-$/.test(text) && /^[a-z]/.test(line.text)) return text.slice(0, -1) + line.text;
    return `${text} ${line.text}`;
  }, '');
}

function emitGroup(builder: BlockBuilder, group: Line[], page: number, headingLevel: number | undefined): void {
  const text = joinLines(group);
  if (headingLevel !== undefined) {
    builder.heading(text, headingLevel, { page });
  } else if (BULLET.test(group[0]!.text)) {
    const items: string[] = [];
    for (const line of group) {
      if (BULLET.test(line.text) || items.length === 0) items.push(line.text.replace(/^\s*[•●▪■◦‣∙·–*]\s+/, '- '));
      else items[items.length - 1] += ` ${line.text}`;
    }
    builder.add('list', items.join('\n'), { page });
  } else {
    builder.add('paragraph', text, { page });
  }
}

async function openPdf(buffer: Buffer, filename: string): Promise<PdfDocument> {
  // A PDF ends with %%EOF; without one the upload was cut short, and pdf.js would quietly read what is there.
  if (buffer.lastIndexOf('%%EOF') === -1) {
    throw new MalformedFileError(`"${filename}" is an incomplete PDF (the end of the file is missing). Download or export it again and re-upload it.`, {
      details: { filename, format: 'pdf' },
    });
  }
  try {
    // A copy: pdf.js may take ownership of (detach) the bytes it is given.
    return await getDocumentProxy(new Uint8Array(buffer), { verbosity: 0, disableFontFace: true, stopAtErrors: false });
  } catch (error) {
    if ((error as { name?: string }).name === 'PasswordException') {
      throw new EncryptedFileError(
        `"${filename}" is a password-protected PDF. Remove the password (for example, open it and print or export it to a new PDF) and upload it again.`,
        { cause: error, details: { filename, format: 'pdf' } },
      );
    }
    throw error;
  }
}

/**
 * The cheap checks upload inspection runs before accepting a PDF: complete, and readable without a password.
 * Only a PDF with an /Encrypt dictionary is opened; one with an owner password only (printing or copying
 * restricted) opens without a password and is accepted.
 */
export async function assertReadablePdf(buffer: Buffer, filename: string): Promise<void> {
  if (buffer.lastIndexOf('%%EOF') !== -1 && !buffer.includes('/Encrypt')) return;
  const pdf = await openPdf(buffer, filename).catch((error: unknown) => {
    if (error instanceof EncryptedFileError || error instanceof MalformedFileError) throw error;
    throw new MalformedFileError(`"${filename}" could not be read as a PDF: the file looks damaged. Export it again and re-upload it.`, {
      cause: error,
      details: { filename, format: 'pdf', reason: error instanceof Error ? error.message : String(error) },
    });
  });
  await pdf.destroy();
}

export async function parsePdf(buffer: Buffer, filename: string): Promise<ParsedDocument> {
  const pdf = await openPdf(buffer, filename);
  try {
    const pages: Line[][] = [];
    for (let n = 1; n <= pdf.numPages; n++) pages.push(await readLines(pdf, n));
    const running = runningLines(pages);
    const body = bodySize(pages);
    const isHeadingSize = (size: number) => body > 0 && size >= body * 1.15;
    const headingSizes = [...new Set(pages.flat().map((l) => l.size).filter(isHeadingSize))].sort((x, y) => y - x);

    const builder = new BlockBuilder();
    pages.forEach((lines, index) => {
      const page = index + 1;
      const kept = lines.filter((l) => !(l.margin && (running.has(runningKey(l.text)) || PAGE_NUMBER.test(l.text))));
      let group: Line[] = [];
      const flush = () => {
        if (group.length === 0) return;
        const size = group[0]!.size;
        const short = joinLines(group).length <= 200 && group.length <= 3;
        emitGroup(builder, group, page, isHeadingSize(size) && short ? Math.min(6, headingSizes.indexOf(size) + 1) : undefined);
        group = [];
      };
      for (const line of kept) {
        const previous = group[group.length - 1];
        const gap = previous ? previous.y - line.y : 0;
        const breaks =
          previous !== undefined &&
          (line.size !== previous.size || gap > previous.size * 1.8 || gap < 0 || (BULLET.test(line.text) && !BULLET.test(group[0]!.text)));
        if (breaks) flush();
        group.push(line);
      }
      flush();
    });

    const meta = await pdf.getMetadata().catch(() => null);
    const info = (meta?.info ?? {}) as Record<string, unknown>;
    const metaTitle = typeof info.Title === 'string' ? normalizeSpace(info.Title) : '';
    const firstHeading = builder.blocks.find((b) => b.kind === 'heading' && b.level === 1 && b.location.page === 1)?.text;
    return {
      title: (metaTitle && !JUNK_TITLE.test(metaTitle) ? metaTitle : undefined) ?? firstHeading ?? titleFromFilename(filename),
      format: 'pdf',
      blocks: builder.blocks,
      metadata: {
        pages: pdf.numPages,
        ...(typeof info.Author === 'string' && info.Author ? { author: info.Author } : {}),
        ...(typeof info.Subject === 'string' && info.Subject ? { subject: info.Subject } : {}),
      },
    };
  } finally {
    await pdf.destroy();
  }
}
