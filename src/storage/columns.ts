/**
 * The one place where domain values become column values and back, shared by every repository: timestamps,
 * JSON, booleans, cursors and page sizes, and the portable reading of constraint violations.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { ValidationError } from '../errors.js';
import type { Timestamp } from './schema.js';

// ---- timestamps: ISO-8601 UTC text, fixed width, so text order is time order on both dialects

export function toTimestamp(date: Date): Timestamp {
  if (Number.isNaN(date.getTime())) throw new ValidationError('Invalid date');
  return date.toISOString();
}

export function toOptionalTimestamp(date: Date | null | undefined): Timestamp | null {
  return date ? toTimestamp(date) : null;
}

export function fromTimestamp(value: Timestamp): Date {
  return new Date(value);
}

export function fromOptionalTimestamp(value: Timestamp | null): Date | null {
  return value === null ? null : new Date(value);
}

// ---- JSON as text

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Parses a JSON column; a value that is not valid JSON (hand-edited row) yields the fallback, not a crash. */
export function fromJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback;
  try {
    return (JSON.parse(text) as T | null) ?? fallback;
  } catch {
    return fallback;
  }
}

// ---- booleans: written as 0/1 (better-sqlite3 cannot bind booleans; PostgreSQL casts '0'/'1' to boolean)

export function toBool(value: boolean): number {
  return value ? 1 : 0;
}

export function fromBool(value: number | boolean | bigint): boolean {
  return value === true || value === 1 || value === 1n;
}

/** Driver counts come back as number (SQLite), bigint, or numeric string (PostgreSQL int8). */
export function toCount(value: number | bigint | string | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

// ---- paging

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  /** Items per page; clamped to [1, MAX_PAGE_SIZE], DEFAULT_PAGE_SIZE when absent. */
  limit?: number;
  cursor?: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export function pageSize(limit: number | undefined, max = MAX_PAGE_SIZE): number {
  if (limit === undefined || !Number.isFinite(limit)) return Math.min(DEFAULT_PAGE_SIZE, max);
  return Math.max(1, Math.min(max, Math.floor(limit)));
}

/** An opaque cursor over (created_at, id): the position of the last item of the previous page. */
export interface Position {
  at: Timestamp;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((part) => typeof part === 'string')) {
      return { at: parsed[0] as string, id: parsed[1] as string };
    }
  } catch {
    /* reported below */
  }
  throw new ValidationError('Invalid page cursor', { details: { cursor } });
}

export type Direction = 'asc' | 'desc';

/**
 * The keyset condition "after this position" over (created_at, id) in the given order. A row-value comparison
 * (both dialects support it) uses the (created_at, id) ordering without OR-expansion.
 */
export function afterPosition(cursor: string, direction: Direction): Expression<SqlBool> {
  const { at, id } = decodeCursor(cursor);
  const op = direction === 'desc' ? sql.raw('<') : sql.raw('>');
  return sql<SqlBool>`(${sql.ref('created_at')}, ${sql.ref('id')}) ${op} (${at}, ${id})`;
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only signals that another page exists.
 */
export function toPage<Row, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
  position: (row: Row) => string,
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: hasMore && last !== undefined ? position(last) : null };
}

export function rowPosition(row: { created_at: Timestamp; id: string }): string {
  return encodeCursor({ at: row.created_at, id: row.id });
}

// ---- constraint violations, read the same way on both dialects

/** better-sqlite3: SqliteError.code SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; pg: SQLSTATE 23505. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** better-sqlite3: SQLITE_CONSTRAINT_FOREIGNKEY; pg: SQLSTATE 23503. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Rejects a value outside a fixed set before it reaches a text column that cannot check it. */
export function assertOneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ValidationError(`Invalid ${what} "${value}": expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}
