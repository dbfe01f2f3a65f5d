/**
 * Opens the relational database behind one Kysely instance: SQLite through better-sqlite3 for `sqlite:` URLs,
 * PostgreSQL through a pg Pool for `postgresql:` URLs. Everything above this file sees `Kysely<DB>` and the
 * dialect name only; the native handle is exposed for the few callers that need dialect features Kysely does
 * not model (SQLite extensions such as sqlite-vec, PostgreSQL LISTEN/NOTIFY).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { Kysely, PostgresDialect, sql, SqliteDialect, type KyselyPlugin, type LogEvent } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config/index.js';
import { DatabaseUnavailableError } from '../errors.js';
import type { DB } from './schema.js';

export interface OpenDatabaseOptions {
  /** PostgreSQL: the pool's maximum number of connections (default 10). SQLite always uses one. */
  poolSize?: number;
  /** How long to wait for PostgreSQL to accept a connection, and for SQLite to get its write lock (default 5000). */
  connectTimeoutMs?: number;
  /** Kysely's query log hook (DATABASE_ECHO). */
  log?: (event: LogEvent) => void;
  plugins?: KyselyPlugin[];
  /** Errors raised by idle pooled connections (e.g. the server restarted); the next query reports them too. */
  onBackgroundError?: (error: Error) => void;
}

interface HandleBase {
  db: Kysely<DB>;
  /** Where the database is, safe to log (never contains a password). */
  label: string;
  /** Runs `select 1`; throws DatabaseUnavailableError when the database does not answer. */
  ping(): Promise<void>;
  /** Releases the file or the pool. Safe to call more than once. */
  close(): Promise<void>;
}

export interface SqliteHandle extends HandleBase {
  dialect: 'sqlite';
  /**
   * The better-sqlite3 connection Kysely uses, for loading extensions and virtual tables. It is the same single
   * connection, so a statement run here while a Kysely transaction is open runs inside that transaction.
   */
  sqlite: Database.Database;
}

export interface PostgresHandle extends HandleBase {
  dialect: 'postgres';
  pool: pg.Pool;
}

export type DatabaseHandle = SqliteHandle | PostgresHandle;
export type Dialect = DatabaseHandle['dialect'];

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export async function openDatabase(target: DatabaseTarget, options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0) {
    throw new RangeError(`connectTimeoutMs must be a positive number, got ${connectTimeoutMs}`);
  }
  return target.dialect === 'sqlite'
    ? openSqlite(target.filename, connectTimeoutMs, options)
    : openPostgres(target.connectionString, connectTimeoutMs, options);
}

function kyselyOptions(options: OpenDatabaseOptions) {
  return {
    ...(options.log ? { log: options.log } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
  };
}

/** The parts shared by both dialects: ping with a clear error, and a close that runs once. */
function lifecycle(db: Kysely<DB>, label: string, timeoutMs: number, redact: (text: string) => string) {
  let closing: Promise<void> | undefined;
  return {
    async ping(): Promise<void> {
      if (closing) throw new DatabaseUnavailableError(`The database (${label}) has been closed`);
      try {
        // Bounded so a readiness probe answers even when a connection hangs (e.g. a network partition).
        await withTimeout(sql`select 1`.execute(db), timeoutMs);
      } catch (error) {
        const reason = error instanceof TimeoutError ? `no answer within ${timeoutMs} ms` : redact(messageOf(error));
        throw new DatabaseUnavailableError(`The database (${label}) did not answer: ${reason}`, { cause: error });
      }
    },
    close(): Promise<void> {
      closing ??= db.destroy();
      return closing;
    },
  };
}

function openSqlite(filename: string, busyTimeoutMs: number, options: OpenDatabaseOptions): SqliteHandle {
  const inMemory = filename === ':memory:' || filename === '';
  const label = inMemory ? 'sqlite::memory:' : `sqlite:${filename}`;
  let native: Database.Database;
  try {
    if (!inMemory) fs.mkdirSync(path.dirname(filename), { recursive: true });
    native = new Database(filename, { timeout: busyTimeoutMs });
    // WAL lets readers (another process running `frontline search`, say) proceed while the server writes;
    // NORMAL sync is the documented safe pairing with WAL (durable across crashes of the process).
    if (!inMemory) native.pragma('journal_mode = WAL');
    native.pragma('synchronous = NORMAL');
    native.pragma('foreign_keys = ON');
    native.pragma(`busy_timeout = ${Math.round(busyTimeoutMs)}`);
    // The knowledge index keeps vectors in sqlite-vec tables in this same file; any statement touching the schema
    // (migrations included) needs the module loaded, so every connection loads it.
    sqliteVec.load(native);
  } catch (error) {
    throw new DatabaseUnavailableError(`Cannot open the SQLite database at ${filename}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(native) }), ...kyselyOptions(options) });
  return { dialect: 'sqlite', db, label, sqlite: native, ...lifecycle(db, label, busyTimeoutMs, (text) => text) };
}

/** Statements kept prepared per connection; the repositories issue a few dozen distinct queries. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query afresh; with better-sqlite3, preparing costs more than running a small query. The
 * same SQL text always compiles to the same statement, so statements are kept by text (bounded, least recently
 * used out). A statement still being iterated (a streamed query) is busy: a fresh one is prepared for that call.
 */
function withStatementCache(native: Database.Database): Pick<Database.Database, 'prepare' | 'close'> {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(source: string) {
      const cached = cache.get(source);
      if (cached && !cached.busy) {
        cache.delete(source);
        cache.set(source, cached);
        return cached;
      }
      const statement = native.prepare(source);
      cache.set(source, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      return statement;
    },
    close: () => native.close(),
  } as Pick<Database.Database, 'prepare' | 'close'>;
}

/** host:port and database of a connection string, for messages; the password never leaves this function. */
export function describePostgres(connectionString: string): { label: string; redact: (text: string) => string } {
  let url: URL | undefined;
  try {
    url = new URL(connectionString);
  } catch {
    return { label: 'postgresql://(unparseable URL)', redact: () => '(details withheld: unparseable URL)' };
  }
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const port = url.port || url.searchParams.get('port') || '5432';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || url.username || 'postgres';
  const secrets = [url.password, safeDecode(url.password)].filter((s) => s.length > 0);
  const redact = (text: string) => secrets.reduce((acc, secret) => acc.split(secret).join('[REDACTED]'), text);
  return { label: `postgresql://${host}:${port}/${database}`, redact };
}

async function openPostgres(
  connectionString: string,
  connectTimeoutMs: number,
  options: OpenDatabaseOptions,
): Promise<PostgresHandle> {
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`poolSize must be an integer >= 1, got ${poolSize}`);
  const { label, redact } = describePostgres(connectionString);
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // Bounds both the TCP/startup handshake and the wait for a free pooled connection.
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'frontline',
  });
  // Without a listener, an idle client's error (server restart, network drop) would crash the process.
  pool.on('error', (error) => options.onBackgroundError?.(error));

  try {
    // Fail fast at startup rather than on the first request; the timer guards against a handshake that hangs
    // somewhere pg's own timeout does not reach (e.g. a slow DNS lookup).
    await withTimeout(pool.query('select 1'), connectTimeoutMs + 250);
  } catch (error) {
    void pool.end().catch(() => undefined);
    const reason = error instanceof TimeoutError ? `no answer within ${connectTimeoutMs} ms` : redact(messageOf(error));
    throw new DatabaseUnavailableError(`PostgreSQL at ${label} did not answer: ${reason}`, {
      cause: error instanceof TimeoutError ? undefined : new Error(redact(messageOf(error))),
      details: { database: label },
    });
  }

  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), ...kyselyOptions(options) });
  return { dialect: 'postgres', db, label, pool, ...lifecycle(db, label, connectTimeoutMs, redact) };
}

class TimeoutError extends Error {}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    // Node reports a refused dual-stack connect as an AggregateError with an empty message.
    return error.errors.map(messageOf).join('; ');
  }
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
