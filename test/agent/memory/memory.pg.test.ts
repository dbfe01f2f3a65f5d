/** CustomerMemory on the real PostgreSQL, in a database of its own that is dropped after. */
import { afterAll, beforeAll } from 'vitest';
import { openDatabase } from '../../../src/storage/database.js';
import { createTestPostgresDatabase } from '../../helpers/services.js';
import { customerMemoryConformance } from './memory.suite.js';

let database: Awaited<ReturnType<typeof createTestPostgresDatabase>> | undefined;
beforeAll(async () => {
  database = await createTestPostgresDatabase();
});
afterAll(async () => {
  await database?.drop();
});

customerMemoryConformance('postgres', () => {
  if (!database) throw new Error('the test database was not created');
  return openDatabase({ dialect: 'postgres', connectionString: database.url, url: database.url }, { poolSize: 4 });
});
