/** The repository conformance suite on a SQLite file in a temporary folder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase } from '../../src/storage/database.js';
import { repositoryConformance } from './repositories.suite.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-storage-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

repositoryConformance('sqlite', () => {
  const filename = path.join(dir, 'repositories.db');
  return openDatabase({ dialect: 'sqlite', filename, url: `sqlite:///${filename}` });
});
