/** CustomerMemory on a SQLite file in a temporary folder. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase } from '../../../src/storage/database.js';
import { tempDir } from '../../helpers/app.js';
import { customerMemoryConformance } from './memory.suite.js';

const dir = tempDir('frontline-memory');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

customerMemoryConformance('sqlite', () => {
  const filename = path.join(dir, 'memory.db');
  return openDatabase({ dialect: 'sqlite', filename, url: `sqlite:///${filename}` });
});
