/**
 * Rows of a sheet or CSV file -> table blocks. The first non-empty row is the header. Data rows go in runs of
 * consecutive row numbers, one table block per run with the header repeated, so that a block's rowStart..rowEnd
 * are exactly the rows its lines show, in order: the chunker relies on that to cite row ranges of its pieces.
 */
import { renderTable, type BlockBuilder } from './blocks.js';
import type { SourceLocation } from '../types.js';

export interface SourceRow {
  /** 1-based row number in the source (sheet row, or CSV record). */
  number: number;
  cells: string[];
}

const isBlank = (cells: string[]) => cells.every((c) => !c.trim());

/** Adds the rows as table blocks; returns how many data rows there were. */
export function addRowsAsTables(builder: BlockBuilder, rows: SourceRow[], location: Omit<SourceLocation, 'sectionPath' | 'rowStart' | 'rowEnd'> = {}): number {
  const filled = rows.filter((r) => !isBlank(r.cells));
  if (filled.length === 0) return 0;
  // Columns past the last one that ever holds a value are formatting leftovers.
  const width = Math.max(...filled.map((r) => r.cells.reduce((w, c, i) => (c.trim() ? i + 1 : w), 0)));
  const trim = (r: SourceRow) => r.cells.slice(0, width);
  const [header, ...data] = filled;
  if (data.length === 0) {
    builder.add('table', renderTable([trim(header!)]), { ...location, rowStart: header!.number, rowEnd: header!.number });
    return 0;
  }
  let run: SourceRow[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const rowStart = run[0]!.number;
    const rowEnd = run[run.length - 1]!.number;
    builder.add('table', renderTable([trim(header!), ...run.map(trim)]), { ...location, rowStart, rowEnd });
    run = [];
  };
  for (const row of data) {
    if (run.length > 0 && row.number !== run[run.length - 1]!.number + 1) flush();
    run.push(row);
  }
  flush();
  return data.length;
}
