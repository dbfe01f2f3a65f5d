/**
 * Runs the schema migrations with Kysely's Migrator over a static provider (the MIGRATIONS object), so it works
 * the same from dist/ and tsx. Kysely takes a lock (an advisory lock on PostgreSQL), so several instances that
 * start together apply each migration once. On PostgreSQL a run is one transaction; on SQLite each migration is.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { InternalError } from '../errors.js';
import type { DatabaseHandle } from './database.js';
import { columnTypes, MIGRATIONS, type PortableMigration } from './migrations/index.js';

export class MigrationError extends InternalError {
  constructor(
    message: string,
    readonly migrationName: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause, details: migrationName ? { migration: migrationName } : undefined });
  }
}

function providerFor(
  dialect: DatabaseHandle['dialect'],
  migrations: Readonly<Record<string, PortableMigration>>,
): MigrationProvider {
  const types = columnTypes(dialect);
  const bound: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(migrations)) {
    const { down } = migration;
    bound[name] = {
      up: (db) => atomically(dialect, db, (trx) => migration.up(trx, types)),
      ...(down ? { down: (db) => atomically(dialect, db, (trx) => down(trx, types)) } : {}),
    };
  }
  return { getMigrations: async () => bound };
}

/**
 * Kysely wraps migrations in a transaction only where its adapter claims transactional DDL, which its SQLite
 * adapter does not, although SQLite has it. Without this, a migration failing halfway on SQLite would leave half
 * its tables behind and fail again on every restart with "table already exists".
 */
function atomically(dialect: DatabaseHandle['dialect'], db: Kysely<any>, run: (db: Kysely<any>) => Promise<void>) {
  return dialect === 'sqlite' ? db.transaction().execute(run) : run(db);
}

function createMigrator(handle: DatabaseHandle, migrations = MIGRATIONS): Migrator {
  return new Migrator({ db: handle.db, provider: providerFor(handle.dialect, migrations) });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Applies every pending migration. Returns the names applied (empty when the schema is current). */
export async function migrateToLatest(
  handle: DatabaseHandle,
  migrations: Readonly<Record<string, PortableMigration>> = MIGRATIONS,
): Promise<{ applied: string[] }> {
  const { error, results = [] } = await createMigrator(handle, migrations).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const message = failed
      ? `Migration "${failed}" failed on ${handle.label}: ${describe(error)}`
      : `Migrations could not run on ${handle.label}: ${describe(error)}`;
    throw new MigrationError(message, failed, error);
  }
  return { applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}

/** Every known migration and when it was applied (undefined when pending), for `frontline migrate --status`. */
export async function migrationStatus(handle: DatabaseHandle): Promise<{ name: string; executedAt: Date | undefined }[]> {
  const infos = await createMigrator(handle).getMigrations();
  return infos.map((info) => ({ name: info.name, executedAt: info.executedAt }));
}
