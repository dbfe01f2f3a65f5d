/**
 * Plain text -> blocks: paragraphs at blank lines; runs of bulleted lines become lists; a short line alone in
 * its paragraph that is underlined (=== / ---) or written in capitals is read as a heading, as people type them.
 */
import { BlockBuilder, normalizeSpace, titleFromFilename } from './blocks.js';
import { decodeTextOrThrow } from './detect.js';
import type { ParsedDocument } from '../types.js';

const BULLET = /^\s*([-*•‣◦–]|\d{1,3}[.)]|[a-z][.)])\s+\S/;
const UNDERLINE = /^\s*(=+|-+)\s*$/;

function isCapsHeading(line: string): boolean {
  const letters = line.replace(/[^\p{L}]/gu, '');
  return line.length <= 80 && letters.length >= 3 && letters === letters.toUpperCase() && letters !== letters.toLowerCase() && !/[.!?,;]$/.test(line);
}

export function parseTextString(text: string, filename: string): ParsedDocument {
  const builder = new BlockBuilder();
  const paragraphs = text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n').split(/\n[ \t]*\n+/);
  for (const raw of paragraphs) {
    const lines = raw.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim());
    if (lines.length === 0) continue;
    if (lines.length === 2 && UNDERLINE.test(lines[1]!) && lines[0]!.trim().length <= 120) {
      builder.heading(lines[0]!, lines[1]!.trim().startsWith('=') ? 1 : 2);
    } else if (lines.length === 1 && isCapsHeading(lines[0]!.trim())) {
      builder.heading(lines[0]!, 1);
    } else if (lines.every((l) => BULLET.test(l))) {
      builder.add('list', lines.map((l) => l.replace(/\s+$/, '')).join('\n'));
    } else {
      builder.add('paragraph', normalizeSpace(lines.join(' ')));
    }
  }
  const first = builder.blocks[0];
  const title = first?.kind === 'heading' ? first.text : titleFromFilename(filename);
  return { title, format: 'text', blocks: builder.blocks, metadata: {} };
}

export async function parseText(buffer: Buffer, filename: string): Promise<ParsedDocument> {
  return parseTextString(decodeTextOrThrow(buffer, filename), filename);
}
