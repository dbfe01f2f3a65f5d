/**
 * Opening, migrating, pinging and closing databases of both dialects, including the failures operators meet:
 * a PostgreSQL that is not there, one that accepts connections but never answers, a database that does not
 * exist, and a migration that breaks.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl, type DatabaseTarget } from '../../src/config/index.js';
import { DatabaseUnavailableError } from '../../src/errors.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { MigrationError, migrateToLatest, migrationStatus } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { createTestPostgresDatabase } from '../helpers/services.js';

const PASSWORD = 'Sup3r-Secret_pw';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-db-'));
const opened: DatabaseHandle[] = [];
let pgDatabase: Awaited<ReturnType<typeof createTestPostgresDatabase>> | undefined;

beforeAll(async () => {
  pgDatabase = await createTestPostgresDatabase();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((handle) => handle.close()));
});
afterAll(async () => {
  await pgDatabase?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function target(url: string, cwd = tmp): DatabaseTarget {
  const parsed = parseDatabaseUrl(url, cwd);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

async function open(t: DatabaseTarget, options?: Parameters<typeof openDatabase>[1]): Promise<DatabaseHandle> {
  const handle = await openDatabase(t, options);
  opened.push(handle);
  return handle;
}

function pgTarget(): DatabaseTarget {
  if (!pgDatabase) throw new Error('the test database was not created');
  return target(pgDatabase.url);
}

describe('SQLite', () => {
  it('creates a relative file and its folders under the working directory, in WAL mode with foreign keys', async () => {
    const cwd = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    const handle = await open(target('sqlite:///./data/nested/frontline.db', cwd));
    const file = path.join(cwd, 'data', 'nested', 'frontline.db');
    expect(handle.dialect).toBe('sqlite');
    expect(fs.existsSync(file)).toBe(true);
    expect(handle.label).toBe(`sqlite:${file}`);
    if (handle.dialect !== 'sqlite') throw new Error('unreachable');
    expect(handle.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(handle.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(handle.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    await handle.ping();
  });

  it('opens an absolute path, migrates once, and applies nothing the second time', async () => {
    const file = path.join(tmp, 'abs', 'migrate.db');
    const first = await open(target(`sqlite:///${file}`));
    expect(await migrateToLatest(first)).toEqual({ applied: ['0001_initial'] });
    expect(await migrateToLatest(first)).toEqual({ applied: [] });
    await first.close();
    // A new process sees the recorded migration too.
    const again = await open(target(`sqlite:///${file}`));
    expect(await migrateToLatest(again)).toEqual({ applied: [] });
    const status = await migrationStatus(again);
    expect(status.map((s) => s.name)).toEqual(['0001_initial']);
    expect(status[0]?.executedAt).toBeInstanceOf(Date);
  });

  it('works in memory', async () => {
    const handle = await open(target('sqlite:///:memory:'));
    expect(await migrateToLatest(handle)).toEqual({ applied: ['0001_initial'] });
    expect(await handle.db.selectFrom('users').selectAll().execute()).toEqual([]);
  });

  it('names the failing migration and leaves the schema as it was', async () => {
    const handle = await open(target(`sqlite:///${path.join(tmp, 'broken.db')}`));
    await migrateToLatest(handle);
    const broken = {
      ...MIGRATIONS,
      '0002_broken': {
        async up(db: Parameters<(typeof MIGRATIONS)['0001_initial']['up']>[0]) {
          await db.schema.createTable('half_done').addColumn('id', 'text').execute();
          await sql`select * from no_such_table`.execute(db);
        },
      },
    };
    const error = await migrateToLatest(handle, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migrationName).toBe('0002_broken');
    expect((error as Error).message).toMatch(/Migration "0002_broken" failed.*no_such_table/);
    const tables = await sql<{ name: string }>`select name from sqlite_master where name = 'half_done'`.execute(handle.db);
    expect(tables.rows).toEqual([]);
  });

  it('reports an unusable path as DatabaseUnavailableError', async () => {
    const blocker = path.join(tmp, 'a-file');
    fs.writeFileSync(blocker, 'not a folder');
    await expect(openDatabase(target(`sqlite:///${blocker}/db.sqlite`))).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('rejects ping() on a closed handle, and close() twice is harmless', async () => {
    const handle = await openDatabase(target('sqlite:///:memory:'));
    await handle.close();
    await handle.close();
    await expect(handle.ping()).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });
});

describe('PostgreSQL', () => {
  it('migrates a fresh database once, and a second run applies nothing', async () => {
    const handle = await open(pgTarget(), { poolSize: 2 });
    expect(handle.dialect).toBe('postgres');
    expect(handle.label).toMatch(/^postgresql:\/\/127\.0\.0\.1:5432\/frontline_test_/);
    expect(await migrateToLatest(handle)).toEqual({ applied: ['0001_initial'] });
    expect(await migrateToLatest(handle)).toEqual({ applied: [] });
    await handle.ping();
  });

  it('runs concurrent migrations from several instances once', async () => {
    const fresh = await createTestPostgresDatabase();
    try {
      const handles = await Promise.all([1, 2, 3].map(() => open(target(fresh.url), { poolSize: 2 })));
      const results = await Promise.all(handles.map((handle) => migrateToLatest(handle)));
      expect(results.flatMap((r) => r.applied)).toEqual(['0001_initial']);
      await Promise.all(opened.splice(0).map((handle) => handle.close()));
    } finally {
      await fresh.drop();
    }
  });

  // Failing fast is what the test's own timeout checks: a hang fails it.
  it('fails fast, naming host:port and hiding the password, when nothing listens', { timeout: 10_000 }, async () => {
    const error = await openDatabase(target(`postgresql://frontline:${PASSWORD}@127.0.0.1:1/frontline`), {
      connectTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).not.toContain(PASSWORD);
    expect(JSON.stringify({ message, details: (error as DatabaseUnavailableError).details })).not.toContain(PASSWORD);
    expect(String((error as Error).cause ?? '')).not.toContain(PASSWORD);
  });

  it('gives up within connectTimeoutMs on a server that accepts but never answers', { timeout: 10_000 }, async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const error = await openDatabase(target(`postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/test`), {
        connectTimeoutMs: 300,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      expect((error as Error).message).not.toContain(PASSWORD);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says which database is missing without the password', async () => {
    const error = await openDatabase(target(`postgresql://postgres:${PASSWORD}@127.0.0.1:5432/frontline_no_such_db`)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toContain('frontline_no_such_db');
    expect((error as Error).message).not.toContain(PASSWORD);
  });

  it('rejects ping() on a closed handle, and close() twice is harmless', async () => {
    const handle = await openDatabase(pgTarget(), { poolSize: 1 });
    await handle.ping();
    await handle.close();
    await handle.close();
    await expect(handle.ping()).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('reports a database that went away after start-up through ping(), without crashing the process', async () => {
    const doomed = await createTestPostgresDatabase();
    // The listener is what keeps an idle connection's error from becoming an uncaught exception.
    const handle = await open(target(doomed.url), { poolSize: 1, onBackgroundError: () => undefined });
    await handle.ping();
    await doomed.drop(); // terminates the pooled connection
    await expect(handle.ping()).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('rejects bad options before connecting', async () => {
    await expect(openDatabase(pgTarget(), { poolSize: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(openDatabase(pgTarget(), { connectTimeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
  });
});
