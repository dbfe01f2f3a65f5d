/**
 * The only place migrations branch on dialect: which SQL type carries each portable column kind.
 *
 * Timestamps are ISO-8601 UTC text (from `Date#toISOString()`) on both dialects rather than PostgreSQL
 * timestamptz or epoch milliseconds: the fixed-width text sorts and compares chronologically everywhere, the
 * drivers return it unchanged (no pg Date parsing, no int8-as-string), it reads plainly in `sqlite3` and `psql`,
 * and one mapping in columns.ts serves both dialects.
 * JSON is text on both: repositories never query inside it, and jsonb would make the driver return parsed
 * values on one dialect and strings on the other.
 * Booleans are a real `boolean` on PostgreSQL and `integer` on SQLite (which has no boolean type); both accept
 * 0/1 on write.
 * Enumerations (status, role) are plain text validated by the repositories: CHECK constraints would make adding a
 * value a table rebuild on SQLite.
 */
import { sql, type ColumnDataType, type Expression, type Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export interface ColumnTypes {
  dialect: Dialect;
  timestamp: ColumnDataType;
  json: ColumnDataType;
  bool: ColumnDataType;
  /** 8-byte floating point on both dialects (PostgreSQL `real` is only 4 bytes). */
  float: ColumnDataType;
  /** A boolean false default that both dialects accept for the `bool` type above. */
  false: Expression<unknown>;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  return {
    dialect,
    timestamp: 'text',
    json: 'text',
    bool: dialect === 'postgres' ? 'boolean' : 'integer',
    float: 'double precision',
    false: sql`false`,
  };
}

/** A migration written once for both dialects; it receives the column types of the database it runs on. */
export interface PortableMigration {
  // Migrations see the schema as it was when they were written, not today's DB interface.
  up(db: Kysely<any>, types: ColumnTypes): Promise<void>;
  down?(db: Kysely<any>, types: ColumnTypes): Promise<void>;
}
