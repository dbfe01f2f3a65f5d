/** What every repository is built from: the Kysely instance and a clock (injectable so tests control time). */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface RepositoryContext {
  db: Kysely<DB>;
  now: () => Date;
}

export function newId(): string {
  return randomUUID();
}
