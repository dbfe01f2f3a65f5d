import { describe, expect, it } from 'vitest';
import { chunkDocument, type ChunkOptions } from './chunker.js';
import { parseMarkdownText } from './parsers/markdown.js';
import type { Chunk, DocumentBlock, ParsedDocument, SourceLocation } from './types.js';

/** A whitespace tokenizer stands in for the embedding model's: sizes are then easy to reason about. */
const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length;

const options = (overrides: Partial<ChunkOptions> = {}): ChunkOptions => ({
  documentId: 'doc-1',
  chunkSize: 60,
  chunkOverlap: 10,
  countTokens,
  ...overrides,
});

const block = (kind: DocumentBlock['kind'], text: string, location: SourceLocation = {}, level?: number): DocumentBlock => ({
  kind,
  text,
  location,
  ...(level !== undefined ? { level } : {}),
});

const doc = (blocks: DocumentBlock[], title = 'Handbook'): ParsedDocument => ({ title, format: 'markdown', blocks, metadata: {} });

/** Numbered sentences of six words each: "Sentence 3 of the refund section." */
const sentences = (n: number, topic: string) =>
  Array.from({ length: n }, (_, i) => `Sentence ${i} of the ${topic} section.`).join(' ');

/** A chunk's text without its "Title > Section" line. */
const body = (chunk: Chunk) => chunk.text.split('\n\n').slice(1).join('\n\n');

describe('chunkDocument', () => {
  const refunds = ['Refunds'];
  const longDoc = doc([
    block('heading', 'Refunds', { sectionPath: refunds }, 1),
    block('paragraph', sentences(30, 'refund'), { sectionPath: refunds }),
    block('heading', 'Shipping', { sectionPath: ['Shipping'] }, 1),
    block('paragraph', sentences(4, 'shipping'), { sectionPath: ['Shipping'] }),
  ]);

  it('keeps every chunk within chunkSize tokens, header included, and reports the real count', () => {
    const chunks = chunkDocument(longDoc, options());
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBe(countTokens(chunk.text));
      expect(chunk.tokenCount).toBeLessThanOrEqual(60);
    }
  });

  it('splits long paragraphs at sentence boundaries and overlaps consecutive chunks by whole sentences', () => {
    const chunks = chunkDocument(longDoc, options()).filter((c) => c.location.sectionPath?.[0] === 'Refunds');
    for (const chunk of chunks) expect(body(chunk)).toMatch(/^(Refunds\n\n)?Sentence \d+ of the refund section\.(.*\.)?$/s);
    for (let i = 1; i < chunks.length; i++) {
      const previousLast = /Sentence (\d+) of the refund section\.$/.exec(chunks[i - 1]!.text)![1];
      const firstHere = /^Sentence (\d+)/.exec(body(chunks[i]!))![1];
      // The overlap is one six-token sentence (two would not fit in 10 tokens).
      expect(firstHere).toBe(previousLast);
    }
  });

  it('never merges top-level sections and keeps the section path on each chunk and in its text', () => {
    const chunks = chunkDocument(longDoc, options());
    const shipping = chunks.filter((c) => c.text.includes('shipping section'));
    expect(shipping).toHaveLength(1);
    expect(shipping[0]!.text).not.toContain('refund');
    expect(shipping[0]!.location.sectionPath).toEqual(['Shipping']);
    expect(shipping[0]!.text.startsWith('Handbook > Shipping\n\n')).toBe(true);
    expect(chunks.every((c) => c.title === 'Handbook' && c.documentId === 'doc-1')).toBe(true);
  });

  it('has no overlap when chunkOverlap is 0, and no header when contextHeader is false', () => {
    const chunks = chunkDocument(longDoc, options({ chunkOverlap: 0, contextHeader: false }));
    const numbers = chunks.flatMap((c) => [...c.text.matchAll(/Sentence (\d+) of the refund/g)].map((m) => Number(m[1])));
    expect(numbers).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(chunks[0]!.text.startsWith('Refunds\n\nSentence 0')).toBe(true);
  });

  it('gives deterministic ids documentId:ordinal', () => {
    const first = chunkDocument(longDoc, options());
    expect(first.map((c) => c.id)).toEqual(first.map((_, i) => `doc-1:${i}`));
    expect(first.map((c) => c.ordinal)).toEqual(first.map((_, i) => i));
    expect(chunkDocument(longDoc, options())).toEqual(first);
  });

  it('keeps a table whole when it fits', () => {
    const table = '| Tier | Fee |\n| --- | --- |\n| Bronze | $20 |\n| Gold | $75 |';
    const chunks = chunkDocument(doc([block('paragraph', 'Fees by tier.'), block('table', table)]), options());
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toBe(`Handbook\n\nFees by tier.\n\n${table}`);
  });

  it('splits a long table between rows, repeating the header and narrowing the row range', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `| Account ${i + 2} | ${100 * (i + 2)} |`);
    const table = ['| Account | Limit |', '| --- | --- |', ...rows].join('\n');
    const sheet = { sheet: 'Limits', sectionPath: ['Limits'] };
    const chunks = chunkDocument(doc([block('table', table, { ...sheet, rowStart: 2, rowEnd: 41 })]), options({ chunkSize: 50 }));
    expect(chunks.length).toBeGreaterThan(3);
    let nextRow = 2;
    for (const chunk of chunks) {
      const lines = body(chunk).split('\n');
      expect(lines.slice(0, 2)).toEqual(['| Account | Limit |', '| --- | --- |']);
      const shown = lines.slice(2).map((l) => Number(/Account (\d+)/.exec(l)![1]));
      expect(chunk.location).toMatchObject({ sheet: 'Limits', rowStart: shown[0], rowEnd: shown[shown.length - 1] });
      expect(shown[0]).toBe(nextRow);
      nextRow = shown[shown.length - 1]! + 1;
      expect(chunk.tokenCount).toBeLessThanOrEqual(50);
    }
    expect(nextRow).toBe(42);
  });

  it('lets small subsections share a chunk, starts a new one at a heading once half full, never ends on a heading', () => {
    const blocks: DocumentBlock[] = [];
    for (const [top, subs] of [
      ['Cards', [['Freeze', 1], ['Replace', 1], ['Limits', 4], ['Fees', 3]]],
      ['Accounts', [['Open', 1]]],
    ] as const) {
      blocks.push(block('heading', top, { sectionPath: [top] }, 1));
      for (const [sub, n] of subs) {
        const path = [top, sub];
        blocks.push(block('heading', sub, { sectionPath: path }, 2), block('paragraph', sentences(n, sub.toLowerCase()), { sectionPath: path }));
      }
    }
    const chunks = chunkDocument(doc(blocks), options({ chunkSize: 40, chunkOverlap: 5 }));
    expect(chunks.map((c) => c.location.sectionPath)).toEqual([['Cards'], ['Cards', 'Limits'], ['Cards', 'Fees'], ['Accounts', 'Open']]);
    // Freeze and Replace share a chunk under the top-level section, keeping their own headings in the text.
    expect(chunks[0]!.text).toBe(
      'Handbook > Cards\n\nFreeze\n\nSentence 0 of the freeze section.\n\nReplace\n\nSentence 0 of the replace section.',
    );
    // Limits would have fit beside them only in part: it moved to the next chunk with its heading, now in the header.
    expect(chunks[1]!.text.startsWith('Handbook > Cards > Limits\n\nSentence 0 of the limits section.')).toBe(true);
    for (const chunk of chunks) expect(chunk.text).toMatch(/section\.$/);
  });

  it('never spans pages, and keeps each chunk page', () => {
    const pdf = doc([
      block('paragraph', 'Page one text.', { page: 1, sectionPath: [] }),
      block('paragraph', 'Page two text.', { page: 2, sectionPath: [] }),
    ]);
    const chunks = chunkDocument(pdf, options());
    expect(chunks.map((c) => [c.location.page, body(c)])).toEqual([
      [1, 'Page one text.'],
      [2, 'Page two text.'],
    ]);
  });

  it('splits a sentence longer than a chunk by words', () => {
    const chunks = chunkDocument(doc([block('paragraph', Array.from({ length: 150 }, (_, i) => `w${i}`).join(' '))]), options({ chunkSize: 40, chunkOverlap: 5 }));
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(40);
    expect(chunks.at(-1)!.text).toMatch(/w149$/);
  });

  it('chunks a parsed Markdown document by its sections', () => {
    const md = parseMarkdownText('# Guide\n\n## Open\n\nOpen an account online.\n\n## Close\n\nClose it at a branch.\n', 'guide.md');
    const chunks = chunkDocument(md, options());
    expect(chunks.map((c) => c.text)).toEqual(['Guide > Open\n\nOpen an account online.', 'Guide > Close\n\nClose it at a branch.']);
    expect(chunks.map((c) => c.location.sectionPath)).toEqual([
      ['Guide', 'Open'],
      ['Guide', 'Close'],
    ]);
  });

  it('refuses an overlap as large as the chunk', () => {
    expect(() => chunkDocument(longDoc, options({ chunkSize: 10, chunkOverlap: 10 }))).toThrow(RangeError);
    expect(chunkDocument(doc([]), options())).toEqual([]);
  });
});
