/**
 * CSV -> table blocks with row ranges (row 1 is the header, as a spreadsheet shows it). The delimiter is
 * guessed among comma, semicolon (European Excel), tab and pipe from how consistently each splits the first lines.
 */
import { parse } from 'csv-parse/sync';
import { BlockBuilder, titleFromFilename } from './blocks.js';
import { decodeTextOrThrow } from './detect.js';
import { addRowsAsTables, type SourceRow } from './tabular.js';
import type { ParsedDocument } from '../types.js';

const CANDIDATES = [',', ';', '\t', '|'] as const;

/** Counts of `delimiter` per line outside double quotes, over the first lines. */
function countsPerLine(sample: string, delimiter: string): number[] {
  const counts: number[] = [];
  let count = 0;
  let quoted = false;
  for (const ch of sample) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '\n') {
      counts.push(count);
      count = 0;
    } else if (!quoted && ch === delimiter) count += 1;
  }
  if (count > 0) counts.push(count);
  return counts;
}

export function guessDelimiter(text: string): string {
  const sample = text.slice(0, 64 * 1024).split('\n').slice(0, 30).join('\n');
  let best: { delimiter: string; score: number } = { delimiter: ',', score: 0 };
  for (const delimiter of CANDIDATES) {
    const counts = countsPerLine(sample, delimiter);
    if (counts.length === 0 || counts[0] === 0) continue;
    // Lines agreeing with the header's count, weighted by how many fields that makes.
    const agreeing = counts.filter((c) => c === counts[0]).length / counts.length;
    const score = agreeing * Math.log2(1 + counts[0]!);
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

export function parseCsvText(text: string, filename: string): ParsedDocument {
  const delimiter = guessDelimiter(text);
  const records = parse(text, {
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    trim: true,
  }) as string[][];
  const rows: SourceRow[] = records.map((cells, i) => ({ number: i + 1, cells }));
  const builder = new BlockBuilder();
  const dataRows = addRowsAsTables(builder, rows);
  return {
    title: titleFromFilename(filename),
    format: 'csv',
    blocks: builder.blocks,
    metadata: { delimiter, rows: dataRows, columns: Math.max(0, ...records.map((r) => r.length)) },
  };
}

export async function parseCsv(buffer: Buffer, filename: string): Promise<ParsedDocument> {
  return parseCsvText(decodeTextOrThrow(buffer, filename), filename);
}
