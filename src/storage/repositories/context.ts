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

/** Tables whose rows are addressed by a text `id`. */
type TableWithId = 'conversations' | 'documents' | 'messages' | 'tickets' | 'users';

/** Deletes one row by id; true when a row was there to delete. */
export async function deleteById(db: Kysely<DB>, table: TableWithId, id: string): Promise<boolean> {
  const result = await db.deleteFrom(table).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
