/**
 * The knowledge index conformance suite on a SQLite file in a temporary folder, twice: with the default
 * in-memory vector search, and with every vector query run by sqlite-vec's vec0.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteKnowledgeIndex } from '../../../src/knowledge/index/sqlite.js';
import { openDatabase } from '../../../src/storage/database.js';
import { bruteForce, chunk, DIMENSION, randomUnitVector, seededRandom } from './fixtures.js';
import { knowledgeIndexConformance } from './index.suite.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-knowledge-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const vectorSearch of ['memory', 'vec0'] as const) {
  const filename = path.join(dir, `knowledge-${vectorSearch}.db`);
  knowledgeIndexConformance({
    name: `sqlite, ${vectorSearch} vector search`,
    openHandle: async () => {
      const handle = await openDatabase({ dialect: 'sqlite', filename, url: `sqlite:///${filename}` });
      if (handle.dialect !== 'sqlite') throw new Error('expected a SQLite handle');
      return handle;
    },
    options: { vectorSearch },
  });
}

describe('sqlite knowledge index specifics', () => {
  it('leaves out words most chunks contain, with counts that follow documents coming and going, from any connection', async () => {
    const filename = path.join(dir, 'terms.db');
    const open = async () => {
      const handle = await openDatabase({ dialect: 'sqlite', filename, url: `sqlite:///${filename}` });
      if (handle.dialect !== 'sqlite') throw new Error('expected a SQLite handle');
      return { handle, index: await createSqliteKnowledgeIndex(handle, {}) };
    };
    const first = await open();
    const second = await open();
    const found = async () => (await first.index.lexicalSearch('refund parcels', 10)).map((c) => c.chunkId).sort();
    const refunds = (id: string) => [chunk(id, 0, 'Refunds', 'Every refund is paid within five days')];
    try {
      const start = [['d1', 'Refund policy details'], ['d2', 'Opening hours'], ['d3', 'Lost parcels'], ['d4', 'Opening hours again']];
      for (const [id, text] of start) await first.index.addDocumentChunks(id!, [chunk(id!, 0, 'Help', text!)]);
      // "refund" is in 1 chunk of 4: searched for.
      expect(await found()).toEqual(['d1:0', 'd3:0']);
      for (const id of ['r1', 'r2', 'r3', 'r4']) await first.index.addDocumentChunks(id, refunds(id));
      // Now in 5 of 8 chunks: left out, only "parcels" is searched for.
      expect(await found()).toEqual(['d3:0']);
      for (const id of ['r1', 'r2', 'r3', 'r4']) await first.index.removeDocument(id);
      expect(await found()).toEqual(['d1:0', 'd3:0']);
      // Another connection's writes count too.
      for (const id of ['r5', 'r6', 'r7', 'r8']) await second.index.addDocumentChunks(id, refunds(id));
      expect(await found()).toEqual(['d3:0']);
    } finally {
      for (const { index, handle } of [first, second]) {
        await index.close();
        await handle.close();
      }
    }
  });

  it('moves vector search into sqlite-vec when the index outgrows its memory budget, and stays exact', async () => {
    const filename = path.join(dir, 'budget.db');
    const handle = await openDatabase({ dialect: 'sqlite', filename, url: `sqlite:///${filename}` });
    if (handle.dialect !== 'sqlite') throw new Error('expected a SQLite handle');
    const warnings: string[] = [];
    const index = await createSqliteKnowledgeIndex(handle, { dimension: DIMENSION, maxInMemoryVectors: 20, onWarning: (m) => warnings.push(m) });
    try {
      const random = seededRandom(50);
      const chunks = Array.from({ length: 30 }, (_, i) => chunk('doc-many', i, 'Many', `passage ${i}`, randomUnitVector(random)));
      await index.addDocumentChunks('doc-many', chunks.slice(0, 10));
      expect(index.vectorMode).toBe('memory');
      await index.addDocumentChunks('doc-many', chunks);
      expect(index.vectorMode).toBe('vec0');
      expect(warnings.join()).toMatch(/maxInMemoryVectors/);
      const query = randomUnitVector(random);
      expect((await index.vectorSearch(query, 5)).map((c) => c.chunkId)).toEqual(bruteForce(query, chunks, 5).map((c) => c.chunkId));
    } finally {
      await index.close();
      await handle.close();
    }
  });
});
