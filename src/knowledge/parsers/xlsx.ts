/**
 * XLSX -> one section per visible sheet (a level-1 heading named after it), its rows as table blocks carrying
 * the sheet name and row range. Hidden sheets are left out: they tend to hold lookups and internal notes that a
 * support team did not mean to publish. Only call this on an archive that passed the upload's archive checks.
 */
import ExcelJS from 'exceljs';
import { BlockBuilder, normalizeSpace, titleFromFilename } from './blocks.js';
import { addRowsAsTables, type SourceRow } from './tabular.js';
import type { ParsedDocument } from '../types.js';

function formatDate(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return formatDate(value);
  if (typeof value !== 'object') return String(value);
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.richText)) return (v.richText as { text?: string }[]).map((r) => r.text ?? '').join('');
  if ('formula' in v || 'sharedFormula' in v) return formatValue(v.result);
  if ('hyperlink' in v) return formatValue(v.text) || String(v.hyperlink ?? '');
  if ('error' in v) return String(v.error);
  if ('text' in v) return formatValue(v.text);
  return '';
}

function cellText(cell: ExcelJS.Cell): string {
  // A merged range shows its value once, in its top-left cell.
  if (cell.isMerged && cell.master.address !== cell.address) return '';
  return normalizeSpace(formatValue(cell.value));
}

export async function parseXlsx(buffer: Buffer, filename: string): Promise<ParsedDocument> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  const builder = new BlockBuilder();
  const sheets: { name: string; rows: number }[] = [];
  const hiddenSheets: string[] = [];
  for (const sheet of workbook.worksheets) {
    if (sheet.state !== 'visible') {
      hiddenSheets.push(sheet.name);
      continue;
    }
    const rows: SourceRow[] = [];
    sheet.eachRow({ includeEmpty: false }, (row, number) => {
      const cells: string[] = [];
      for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c)));
      rows.push({ number, cells });
    });
    builder.resetSections();
    builder.heading(sheet.name, 1, { sheet: sheet.name });
    sheets.push({ name: sheet.name, rows: addRowsAsTables(builder, rows, { sheet: sheet.name }) });
  }
  const title = normalizeSpace(workbook.title ?? '');
  return {
    title: title || titleFromFilename(filename),
    format: 'xlsx',
    blocks: builder.blocks,
    metadata: { sheets, ...(hiddenSheets.length > 0 ? { hiddenSheets } : {}) },
  };
}
