/**
 * Every migration, imported in code rather than read from a folder, so the same list runs from dist/ and from
 * tsx. To add one: write `NNNN_name.ts` exporting a PortableMigration and add it below. Names sort in the order
 * they must run; never rename or edit one that has shipped.
 */
import type { PortableMigration } from './column-types.js';
import { initial } from './0001_initial.js';

export const MIGRATIONS: Readonly<Record<string, PortableMigration>> = Object.freeze({
  '0001_initial': initial,
});

export { columnTypes, type ColumnTypes, type PortableMigration } from './column-types.js';
