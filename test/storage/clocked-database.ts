/**
 * A migrated database for one test suite, with repositories on a fake clock the tests move by hand, emptied of the
 * given tables before each test. Shared by the storage and customer-memory conformance suites.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { createRepositories, type Repositories } from '../../src/storage/index.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import type { DB } from '../../src/storage/schema.js';

export interface ClockedDatabase {
  readonly handle: DatabaseHandle;
  readonly repos: Repositories;
  /** The fake clock's time (what the repositories stamp rows with). */
  now(): Date;
  advance(ms: number): void;
}

export function useClockedDatabase(open: () => Promise<DatabaseHandle>, tables: readonly (keyof DB)[], start: Date): ClockedDatabase {
  let handle: DatabaseHandle | undefined;
  let repos: Repositories | undefined;
  let clock = start;
  beforeAll(async () => {
    handle = await open();
    await migrateToLatest(handle);
    repos = createRepositories(handle, { now: () => new Date(clock) });
  });
  afterAll(async () => handle?.close());
  beforeEach(async () => {
    clock = start;
    for (const table of tables) await handle!.db.deleteFrom(table).execute();
  });
  return {
    get handle() {
      return handle!;
    },
    get repos() {
      return repos!;
    },
    now: () => new Date(clock),
    advance: (ms) => {
      clock = new Date(clock.getTime() + ms);
    },
  };
}
