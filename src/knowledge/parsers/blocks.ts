/**
 * What every parser shares: a builder that keeps the heading stack (so each block knows its section path), text
 * normalisation, the one table rendering (markdown lines, which the chunker knows how to split by rows), and titles
 * from file names.
 */
import path from 'node:path';
import type { DocumentBlock, ParsedDocument, SourceLocation } from '../types.js';

export type DocumentFormat = ParsedDocument['format'];
export type Parser = (buffer: Buffer, filename: string) => Promise<ParsedDocument>;

/** Collapses runs of whitespace (including non-breaking spaces) to one space. */
export function normalizeSpace(text: string): string {
  return text.replace(/[\s\u00a0\u200b\ufeff]+/g, ' ').trim();
}

/** "refund_policy-2024.pdf" -> "refund policy 2024": a readable title when the file has none of its own. */
export function titleFromFilename(filename: string): string {
  const base = path.basename(filename || 'document');
  const stem = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
  return normalizeSpace(stem.replace(/[_-]+/g, ' ')) || 'Untitled document';
}

/** The extension, lower-cased, with its dot (".pdf"); "" when there is none. */
export function extensionOf(filename: string): string {
  return path.extname(filename || '').toLowerCase();
}

/**
 * Renders rows as markdown table lines: header, separator, then one line per row. One line per row is the
 * contract with the chunker, which splits long tables between lines and repeats the first two.
 */
export function renderTable(rows: string[][]): string {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const cell = (value: string | undefined) => normalizeSpace(value ?? '').replace(/\|/g, '\\|');
  const line = (row: string[]) => `| ${Array.from({ length: width }, (_, i) => cell(row[i])).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), `| ${Array.from({ length: width }, () => '---').join(' | ')} |`, ...body.map(line)].join('\n');
}

/** Accumulates blocks in reading order, stamping each with the heading path it sits under. */
export class BlockBuilder {
  readonly blocks: DocumentBlock[] = [];
  private readonly stack: { level: number; text: string }[] = [];

  /** The current heading path, e.g. ["Refunds", "Card payments"]. */
  get sectionPath(): string[] {
    return this.stack.map((h) => h.text);
  }

  heading(rawText: string, level: number, location: Omit<SourceLocation, 'sectionPath'> = {}): void {
    const text = normalizeSpace(rawText);
    if (!text) return;
    const clamped = Math.min(6, Math.max(1, Math.round(level)));
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level >= clamped) this.stack.pop();
    this.stack.push({ level: clamped, text });
    this.blocks.push({ kind: 'heading', text, level: clamped, location: { ...location, sectionPath: this.sectionPath } });
  }

  /** Adds a paragraph, list, table or code block; whitespace-only text is dropped. */
  add(kind: Exclude<DocumentBlock['kind'], 'heading'>, text: string, location: Omit<SourceLocation, 'sectionPath'> = {}): void {
    const trimmed = kind === 'code' ? text.replace(/^\n+|\s+$/g, '') : text.trim();
    if (!trimmed.trim()) return;
    this.blocks.push({ kind, text: trimmed, location: { ...location, sectionPath: this.sectionPath } });
  }

  /** Forgets the heading stack (a new sheet starts its own sections). */
  resetSections(): void {
    this.stack.length = 0;
  }

  firstHeading(maxLevel = 6): string | undefined {
    return this.blocks.find((b) => b.kind === 'heading' && (b.level ?? 1) <= maxLevel)?.text;
  }
}
