/**
 * Markdown -> blocks with a small line-based reader (CommonMark's block structure, not its every corner): front
 * matter, ATX and setext headings, paragraphs, nested lists, fenced and indented code, block quotes and pipe tables.
 * Inline markup is reduced to its text, which is what search and embeddings want.
 */
import { BlockBuilder, normalizeSpace, renderTable, titleFromFilename } from './blocks.js';
import { decodeTextOrThrow } from './detect.js';
import type { ParsedDocument } from '../types.js';

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const QUOTE = /^ {0,3}>[ ]?(.*)$/;
const TABLE_SEPARATOR = /^ *\|? *:?-+:? *(\| *:?-+:? *)*\|? *$/;

/** Inline markup -> plain text: links keep their words, images their alt text, emphasis and code lose markers. */
export function stripInline(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/`+([^`]+)`+/g, '$1')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?=[^\w*]|$)/g, '$1$2')
    .replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?=[^\w]|$)/g, '$1$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>~])/g, '$1');
}

/** Splits a pipe-table row into cells, honouring escaped pipes. */
function tableCells(line: string): string[] {
  const trimmed = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => stripInline(cell.replace(/\\\|/g, '|').trim()));
}

function frontMatter(text: string): { body: string; fields: Record<string, string> } {
  const match = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/.exec(text);
  if (!match) return { body: text, fields: {} };
  const fields: Record<string, string> = {};
  for (const line of match[1]!.split('\n')) {
    const kv = /^([A-Za-z_][\w-]*):[ \t]*(.*)$/.exec(line);
    if (kv && kv[2]) fields[kv[1]!.toLowerCase()] = kv[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return { body: text.slice(match[0].length), fields };
}

interface ListState {
  baseIndent: number;
  items: { indent: number; marker: string; text: string }[];
  blankSeen: boolean;
}

export function parseMarkdownText(source: string, filename: string): ParsedDocument {
  const { body, fields } = frontMatter(source.replace(/\r\n?/g, '\n').replace(/^\ufeff/, ''));
  const lines = body.split('\n');
  const builder = new BlockBuilder();
  let paragraph: string[] = [];
  let list: ListState | null = null;

  const flushParagraph = () => {
    if (paragraph.length > 0) builder.add('paragraph', normalizeSpace(stripInline(paragraph.join(' '))));
    paragraph = [];
  };
  const flushList = () => {
    if (!list) return;
    const rendered = list.items.map((item) => {
      const depth = Math.max(0, Math.min(5, Math.round((item.indent - list!.baseIndent) / 2)));
      return `${'  '.repeat(depth)}${item.marker} ${normalizeSpace(stripInline(item.text))}`;
    });
    builder.add('list', rendered.join('\n'));
    list = null;
  };
  const flushAll = () => {
    flushParagraph();
    flushList();
  };
  const indentOf = (line: string) => line.replace(/\t/g, '    ').match(/^ */)![0].length;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flushAll();
      const closing = new RegExp(`^ {0,3}${fence[1]![0] === '`' ? '`' : '~'}{${fence[1]!.length},}[ \\t]*$`);
      const code: string[] = [];
      for (i += 1; i < lines.length && !closing.test(lines[i]!); i++) code.push(lines[i]!);
      builder.add('code', code.join('\n'));
      continue;
    }
    if (!line.trim()) {
      flushParagraph();
      if (list) list.blankSeen = true;
      continue;
    }
    const item = ITEM.exec(line);
    if (list) {
      const indent = indentOf(line);
      if (item && !RULE.test(line)) {
        list.items.push({ indent: indentOf(item[1]!), marker: /\d/.test(item[2]!) ? item[2]!.replace(')', '.') : '-', text: item[3] ?? '' });
        list.blankSeen = false;
        continue;
      }
      // Indented lines continue the last item; so does a lazy line straight after it.
      if (indent > list.baseIndent || !list.blankSeen) {
        const last = list.items[list.items.length - 1]!;
        last.text += ` ${line.trim()}`;
        list.blankSeen = false;
        continue;
      }
      flushList();
    }
    const atx = ATX.exec(line);
    if (atx) {
      flushAll();
      builder.heading(stripInline(atx[2] ?? ''), atx[1]!.length);
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && paragraph.length > 0) {
      const text = paragraph.join(' ');
      paragraph = [];
      builder.heading(stripInline(text), setext[1]![0] === '=' ? 1 : 2);
      continue;
    }
    if (RULE.test(line)) {
      flushAll();
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]!) && lines[i + 1]!.includes('-')) {
      flushAll();
      const rows = [tableCells(line)];
      for (i += 2; i < lines.length && lines[i]!.trim() && lines[i]!.includes('|'); i++) rows.push(tableCells(lines[i]!));
      i -= 1;
      builder.add('table', renderTable(rows));
      continue;
    }
    if (item) {
      flushParagraph();
      const indent = indentOf(item[1]!);
      list = { baseIndent: indent, items: [{ indent, marker: /\d/.test(item[2]!) ? item[2]!.replace(')', '.') : '-', text: item[3] ?? '' }], blankSeen: false };
      continue;
    }
    if (paragraph.length === 0 && indentOf(line) >= 4) {
      const code: string[] = [];
      for (; i < lines.length && (indentOf(lines[i]!) >= 4 || !lines[i]!.trim()); i++) code.push(lines[i]!.replace(/^( {4}|\t)/, ''));
      i -= 1;
      builder.add('code', code.join('\n'));
      continue;
    }
    const quote = QUOTE.exec(line);
    paragraph.push(quote ? quote[1]! : line.trim());
  }
  flushAll();

  return {
    title: fields.title ? normalizeSpace(fields.title) : (builder.firstHeading(1) ?? titleFromFilename(filename)),
    format: 'markdown',
    blocks: builder.blocks,
    metadata: Object.keys(fields).length > 0 ? { frontMatter: fields } : {},
  };
}

export async function parseMarkdown(buffer: Buffer, filename: string): Promise<ParsedDocument> {
  return parseMarkdownText(decodeTextOrThrow(buffer, filename), filename);
}
