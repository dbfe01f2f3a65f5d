/**
 * The conformance suite every KnowledgeIndex implementation passes, on a real database: index.sqlite.test.ts
 * (a temporary SQLite file; once with in-memory vector search, once through sqlite-vec's vec0) and
 * index.pg.test.ts (a PostgreSQL database of its own).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createKnowledgeIndex,
  EmbeddingDimensionMismatchError,
  hybridSearch,
  InvalidChunkError,
  type KnowledgeIndexOptions,
} from '../../../src/knowledge/index/index.js';
import { cosine } from '../../../src/knowledge/index/vector-math.js';
import type { IndexedChunk, KnowledgeIndex } from '../../../src/knowledge/types.js';
import type { DatabaseHandle } from '../../../src/storage/database.js';
import {
  bruteForce,
  chunk,
  DIMENSION,
  eventually,
  HELP_CENTRE,
  helpCentreChunks,
  HOSTILE_QUERIES,
  nearby,
  randomUnitVector,
  seededRandom,
} from './fixtures.js';

export interface IndexTarget {
  name: string;
  /** A new connection to the same database at every call (a second "instance" gets its own). */
  openHandle(): Promise<DatabaseHandle>;
  options?: KnowledgeIndexOptions;
}

export function knowledgeIndexConformance(target: IndexTarget): void {
  describe(`knowledge index (${target.name})`, () => {
    const handles: DatabaseHandle[] = [];
    const indexes: KnowledgeIndex[] = [];
    let handle: DatabaseHandle;
    let index: KnowledgeIndex;
    let corpus: Map<string, IndexedChunk[]>;

    const open = async (options: KnowledgeIndexOptions = {}) => {
      const h = await target.openHandle();
      handles.push(h);
      const opened = await createKnowledgeIndex(h, { dimension: DIMENSION, embeddingModel: 'test-model', ...target.options, ...options });
      indexes.push(opened);
      return opened;
    };
    const addCorpus = async () => {
      for (const [documentId, chunks] of corpus) await index.addDocumentChunks(documentId, chunks);
    };
    const allChunks = () => [...corpus.values()].flat();

    beforeAll(async () => {
      index = await open();
      handle = handles[0]!;
    });
    afterAll(async () => {
      for (const opened of indexes) await opened.close();
      for (const h of handles) await h.close();
    });
    beforeEach(async () => {
      // Through the API, so every instance's in-memory vectors follow.
      const { rows } = await sql<{ document_id: string }>`select distinct document_id from knowledge_chunks`.execute(handle.db);
      for (const row of rows) await index.removeDocument(row.document_id);
      corpus = helpCentreChunks(seededRandom(1));
    });

    it('adds, finds, reads back and removes a document', async () => {
      await addCorpus();
      expect(await index.countChunks()).toBe(9);
      expect(await index.countChunks('doc-refunds')).toBe(2);

      const lexical = await index.lexicalSearch('How do I get a refund for a card payment?', 5);
      expect(lexical[0]?.chunkId).toMatch(/^doc-refunds:/);
      expect(lexical.every((c, i) => i === 0 || c.score <= lexical[i - 1]!.score)).toBe(true);
      expect(lexical.every((c) => c.score > 0)).toBe(true);

      const target0 = corpus.get('doc-transfers')![1]!;
      const dense = await index.vectorSearch(target0.vector!, 3);
      expect(dense[0]).toEqual({ chunkId: target0.id, score: expect.closeTo(1, 5) });

      const [read] = await index.getChunks([target0.id]);
      const { vector: _vector, ...expected } = target0;
      expect(read).toEqual(expected);
      expect(await index.getChunks(['missing', target0.id, 'also-missing'])).toHaveLength(1);

      expect(await index.removeDocument('doc-refunds')).toBe(2);
      expect(await index.removeDocument('doc-refunds')).toBe(0);
      expect(await index.countChunks('doc-refunds')).toBe(0);
      expect(await index.countChunks()).toBe(7);
      const after = await index.lexicalSearch('refund card payment', 10);
      expect(after.some((c) => c.chunkId.startsWith('doc-refunds:'))).toBe(false);
      const refundVector = corpus.get('doc-refunds')![0]!.vector!;
      expect((await index.vectorSearch(refundVector, 20)).some((c) => c.chunkId.startsWith('doc-refunds:'))).toBe(false);
      expect(await index.getChunks(['doc-refunds:0'])).toEqual([]);
    });

    it('replaces a document that is added again', async () => {
      await addCorpus();
      const random = seededRandom(2);
      await index.addDocumentChunks('doc-password', [chunk('doc-password', 0, 'Passwords', 'Passkeys replace passwords now.', randomUnitVector(random))]);
      expect(await index.countChunks('doc-password')).toBe(1);
      expect(await index.lexicalSearch('forgot password link', 10)).not.toContainEqual(expect.objectContaining({ chunkId: 'doc-password:1' }));
      expect((await index.lexicalSearch('passkeys', 5))[0]?.chunkId).toBe('doc-password:0');
    });

    it('stores nothing of a document whose last chunk has a vector of the wrong dimension', async () => {
      await addCorpus();
      const before = await index.countChunks();
      const random = seededRandom(3);
      const chunks = [0, 1, 2].map((i) => chunk('doc-new', i, 'New', `Fresh passage number ${i} about overdrafts`, randomUnitVector(random)));
      chunks.push(chunk('doc-new', 3, 'New', 'The broken one about overdrafts', randomUnitVector(random, DIMENSION + 1)));
      await expect(index.addDocumentChunks('doc-new', chunks)).rejects.toBeInstanceOf(EmbeddingDimensionMismatchError);
      expect(await index.countChunks('doc-new')).toBe(0);
      expect(await index.countChunks()).toBe(before);
      expect(await index.lexicalSearch('overdrafts', 10)).toEqual([]);
      expect((await index.vectorSearch(chunks[0]!.vector!, 50)).some((c) => c.chunkId.startsWith('doc-new:'))).toBe(false);
    });

    it('keeps the old version of a document when replacing it fails in the database mid-write', async () => {
      await addCorpus();
      const before = await index.countChunks();
      const random = seededRandom(4);
      const replacement = [
        chunk('doc-password', 0, 'Passwords', 'Passkeys replace passwords now.', randomUnitVector(random)),
        // The database refuses this one: its id belongs to another document.
        { ...chunk('doc-password', 1, 'Passwords', 'Collides.', randomUnitVector(random)), id: 'doc-refunds:0' },
      ];
      await expect(index.addDocumentChunks('doc-password', replacement)).rejects.toBeInstanceOf(InvalidChunkError);
      expect(await index.countChunks()).toBe(before);
      expect(await index.countChunks('doc-password')).toBe(2);
      expect(await index.lexicalSearch('passkeys', 5)).toEqual([]);
      expect((await index.lexicalSearch('forgot password link expires', 1))[0]?.chunkId).toBe('doc-password:0');
      const original = corpus.get('doc-password')![0]!;
      expect((await index.vectorSearch(original.vector!, 1))[0]?.chunkId).toBe(original.id);
      const [read] = await index.getChunks(['doc-refunds:0']);
      expect(read?.documentId).toBe('doc-refunds');
    });

    it('refuses chunks of another document and duplicate ids', async () => {
      await expect(index.addDocumentChunks('doc-a', [chunk('doc-b', 0, 'B', 'text')])).rejects.toBeInstanceOf(InvalidChunkError);
      await expect(index.addDocumentChunks('doc-a', [chunk('doc-a', 0, 'A', 'one'), chunk('doc-a', 0, 'A', 'two')])).rejects.toBeInstanceOf(
        InvalidChunkError,
      );
      await expect(index.addDocumentChunks('doc-a', [chunk('doc-a', 0, 'A', 'zero', new Float32Array(DIMENSION))])).rejects.toBeInstanceOf(
        InvalidChunkError,
      );
      expect(await index.countChunks()).toBe(0);
    });

    it('never throws on hostile query text, and treats operators as plain words', async () => {
      await addCorpus();
      for (const query of HOSTILE_QUERIES) {
        const results = await index.lexicalSearch(query, 5);
        expect(Array.isArray(results), JSON.stringify(query.slice(0, 40))).toBe(true);
      }
      expect((await index.lexicalSearch('NEAR(refund card, 2)', 3))[0]?.chunkId).toMatch(/^doc-refunds:/);
      expect((await index.lexicalSearch('"forgot password"*', 3))[0]?.chunkId).toBe('doc-password:0');
      expect(await index.lexicalSearch('the and of', 5)).toEqual([]);
      expect(await index.countChunks()).toBe(9); // the SQL in the list did nothing
    });

    it('stems and ignores case', async () => {
      await addCorpus();
      expect((await index.lexicalSearch('REFUNDED', 3))[0]?.chunkId).toMatch(/^doc-refunds:/);
      expect((await index.lexicalSearch('freezing', 3))[0]?.chunkId).toBe('doc-lost-card:0');
      expect((await index.lexicalSearch('café', 3))[0]?.chunkId).toBe('doc-cafe:0');
    });

    it('finds exactly the nearest vectors a brute-force scan finds', async () => {
      const random = seededRandom(5);
      const chunks: IndexedChunk[] = [];
      for (let i = 0; i < 400; i++) chunks.push(chunk(`doc-v${i % 20}`, Math.floor(i / 20), 'Vectors', `passage ${i}`, randomUnitVector(random)));
      // Planted near-duplicates: a cluster the scan must rank precisely.
      const anchor = chunks[7]!.vector!;
      for (let i = 0; i < 12; i++) chunks.push(chunk('doc-near', i, 'Near', `near ${i}`, nearby(anchor, random, 0.02 * (i + 1))));
      const byDocument = new Map<string, IndexedChunk[]>();
      for (const c of chunks) byDocument.set(c.documentId, [...(byDocument.get(c.documentId) ?? []), c]);
      for (const [documentId, list] of byDocument) await index.addDocumentChunks(documentId, list);

      for (let q = 0; q < 25; q++) {
        const query = q < 5 ? nearby(anchor, random, 0.05) : randomUnitVector(random);
        for (const k of [1, 10, 50]) {
          const got = await index.vectorSearch(query, k);
          const expected = bruteForce(query, chunks, k);
          expect(got.map((c) => c.chunkId)).toEqual(expected.map((c) => c.chunkId));
          got.forEach((c, i) => expect(c.score).toBeCloseTo(expected[i]!.score, 5));
        }
      }
      expect((await index.vectorSearch(anchor, 13)).slice(0, 13).map((c) => c.chunkId)).toEqual(
        bruteForce(anchor, chunks, 13).map((c) => c.chunkId),
      );
      expect(await index.vectorSearch(new Float32Array(DIMENSION), 5)).toEqual([]);
    });

    it('refuses vectors of another dimension, and an index of another embedding', async () => {
      await addCorpus();
      await expect(index.vectorSearch(new Float32Array(DIMENSION * 2).fill(1), 5)).rejects.toBeInstanceOf(EmbeddingDimensionMismatchError);
      await expect(open({ dimension: DIMENSION * 2 })).rejects.toBeInstanceOf(EmbeddingDimensionMismatchError);
      await expect(open({ embeddingModel: 'another-model' })).rejects.toThrow(/test-model/);
      // Without an embedder (lexical-only) the index still opens and searches text.
      const lexicalOnly = await open({ dimension: undefined, embeddingModel: undefined });
      expect((await lexicalOnly.lexicalSearch('replacement card', 1))[0]?.chunkId).toBe('doc-lost-card:1');
      await lexicalOnly.close();
    });

    it('gives the cosine similarity of a vector with stored chunks, undefined where there is none', async () => {
      await addCorpus();
      const random = seededRandom(10);
      const query = randomUnitVector(random);
      const ids = ['doc-cafe:0', 'missing:0', 'doc-refunds:1'];
      const got = await index.similarities(query, ids);
      expect(got[0]).toBeCloseTo(cosine(query, corpus.get('doc-cafe')![0]!.vector!), 5);
      expect(got[1]).toBeUndefined();
      expect(got[2]).toBeCloseTo(cosine(query, corpus.get('doc-refunds')![1]!.vector!), 5);
      expect(await index.similarities(query, [])).toEqual([]);
      await index.addDocumentChunks('doc-text-only', [chunk('doc-text-only', 0, 'Text', 'no vector here')]);
      expect(await index.similarities(query, ['doc-text-only:0'])).toEqual([undefined]);
      await expect(index.similarities(new Float32Array(DIMENSION + 1).fill(1), ids)).rejects.toBeInstanceOf(EmbeddingDimensionMismatchError);
    });

    it('lets two instances on one database see each other\'s changes', async () => {
      const other = await open();
      const random = seededRandom(6);
      const vector = randomUnitVector(random);
      await index.addDocumentChunks('doc-shared', [chunk('doc-shared', 0, 'Shared', 'Chargebacks are disputed card payments.', vector)]);
      expect((await other.lexicalSearch('chargebacks', 1))[0]?.chunkId).toBe('doc-shared:0');
      await eventually(async () => expect((await other.vectorSearch(vector, 1))[0]?.chunkId).toBe('doc-shared:0'));

      const moved = randomUnitVector(random);
      await other.addDocumentChunks('doc-shared', [chunk('doc-shared', 0, 'Shared', 'Chargebacks moved.', moved)]);
      await eventually(async () => expect((await index.vectorSearch(moved, 1))[0]).toEqual({ chunkId: 'doc-shared:0', score: expect.closeTo(1, 5) }));

      expect(await other.removeDocument('doc-shared')).toBe(1);
      await eventually(async () => expect(await index.vectorSearch(moved, 5)).toEqual([]));
      expect(await index.lexicalSearch('chargebacks', 5)).toEqual([]);
    });

    describe('hybrid search', () => {
      it('ranks first a chunk that is good on both signals', async () => {
        const random = seededRandom(7);
        const target1 = corpus.get('doc-lost-card')![1]!; // "Order a replacement card ..."
        const query = nearby(target1.vector!, random, 0.6);
        // A dense rival: nearer the query vector than the target, but with none of its words.
        corpus.set('doc-rival', [chunk('doc-rival', 0, 'Branch opening hours', 'Branches open at nine.', nearby(query, random, 0.05))]);
        await addCorpus();
        const text = 'how long until my replacement card arrives';
        expect((await index.vectorSearch(query, 1))[0]?.chunkId).toBe('doc-rival:0');
        const results = await hybridSearch(index, { text, vector: query, k: 3 });
        expect(results[0]).toMatchObject({ chunkId: target1.id, documentId: 'doc-lost-card', title: 'Lost or stolen cards' });
        expect(results[0]!.signals).toMatchObject({ lexicalRank: 1, denseRank: 2 });
        expect(results[0]!.location).toEqual(target1.location);
        for (const result of results) expect(result.score).toBeGreaterThanOrEqual(0), expect(result.score).toBeLessThanOrEqual(1);
        expect((await hybridSearch(index, { text, vector: query, k: 3 }, { fusion: 'convex', alpha: 0.5 }))[0]?.chunkId).toBe(target1.id);
      });

      it('works lexical-only, honours k and minScore, and cuts a snippet around the query words', async () => {
        const long = `${'Background about our bank and its history. '.repeat(12)}To dispute a direct debit, open the payment and choose Dispute; we refund the amount at once under the Direct Debit Guarantee. ${'More unrelated text about branches. '.repeat(12)}`;
        corpus.set('doc-long', [chunk('doc-long', 0, 'Direct debits', long)]);
        await addCorpus();
        const results = await hybridSearch(index, { text: 'dispute a direct debit', k: 2 });
        expect(results.length).toBeLessThanOrEqual(2);
        expect(results[0]).toMatchObject({ chunkId: 'doc-long:0', score: 1 });
        expect(results[0]!.signals).toEqual({ lexicalRank: 1, lexicalScore: expect.any(Number) });
        const { snippet } = results[0]!;
        expect(snippet).toMatch(/^….*Dispute.*…$/);
        expect(snippet.length).toBeLessThanOrEqual(242);

        const all = await hybridSearch(index, { text: 'card payment refund', k: 10 });
        expect(all.length).toBeGreaterThan(2);
        expect(all.every((r) => r.relevance === undefined)).toBe(true); // no query vector: nothing absolute
        // Without relevance, minScore applies to the rank-based score.
        const cut = all[1]!.score + 1e-9;
        const strict = await hybridSearch(index, { text: 'card payment refund', k: 10, minScore: cut });
        expect(strict.length).toBeLessThan(all.length);
        expect(strict.every((r) => r.score >= cut)).toBe(true);
        expect(await hybridSearch(index, { text: '((( "', k: 5 })).toEqual([]);
      });

      it('ranks documents: one passage each, the best, unless more are asked for', async () => {
        await addCorpus();
        const text = 'refund a card payment taken twice, or a cancelled subscription refund to an expired card';
        const results = await hybridSearch(index, { text, k: 5 });
        expect(results[0]?.documentId).toBe('doc-refunds');
        expect(new Set(results.map((r) => r.documentId)).size).toBe(results.length);
        const two = await hybridSearch(index, { text, k: 5 }, { maxChunksPerDocument: 2 });
        expect(two.slice(0, 2).map((r) => r.documentId)).toEqual(['doc-refunds', 'doc-refunds']);
        const chunks = await hybridSearch(index, { text, k: 5 }, { groupByDocument: false });
        expect(chunks.filter((r) => r.documentId === 'doc-refunds')).toHaveLength(2);
      });

      it('gives each result its cosine relevance and filters on it', async () => {
        await addCorpus();
        const random = seededRandom(8);
        const target = corpus.get('doc-transfers')![0]!;
        const vector = nearby(target.vector!, random, 0.3);
        const results = await hybridSearch(index, { text: 'SWIFT transfer abroad', vector, k: 9 });
        const byChunk = new Map(allChunks().map((c) => [c.id, c]));
        for (const result of results) {
          expect(result.relevance).toBeCloseTo(Math.max(0, cosine(vector, byChunk.get(result.chunkId)!.vector!)), 5);
        }
        expect(results[0]).toMatchObject({ chunkId: target.id, relevance: expect.closeTo(cosine(vector, target.vector!), 5) });
        const cut = (results[0]!.relevance! + Math.max(...results.slice(1).map((r) => r.relevance!))) / 2;
        // Every other result ranks high on words or rank, but only the target is similar enough.
        expect((await hybridSearch(index, { text: 'SWIFT transfer abroad', vector, k: 9, minScore: cut })).map((r) => r.chunkId)).toEqual([target.id]);
        expect(await hybridSearch(index, { text: 'SWIFT transfer abroad', vector, k: 9, minScore: Math.min(1, results[0]!.relevance! + 0.01) })).toEqual([]);
      });

      it('fuses sub-queries, so that each need of a long message finds its document', async () => {
        await addCorpus();
        const random = seededRandom(9);
        const password = corpus.get('doc-password')![0]!;
        const cafe = corpus.get('doc-cafe')![0]!;
        const main = { text: 'forgot password reset link', vector: nearby(password.vector!, random, 0.2), k: 3 };
        expect((await hybridSearch(index, main)).map((r) => r.documentId)).not.toContain('doc-cafe');
        const subVector = nearby(cafe.vector!, random, 0.2);
        const results = await hybridSearch(index, { ...main, weight: 2, subQueries: [{ text: 'free coffee stamps', vector: subVector }] }, { rrfK: 5 });
        expect(results.slice(0, 2).map((r) => r.documentId).sort()).toEqual(['doc-cafe', 'doc-password']);
        // Relevance is the best match with any of the queries.
        const cafeResult = results.find((r) => r.documentId === 'doc-cafe')!;
        expect(cafeResult.relevance).toBeCloseTo(Math.max(cosine(main.vector, cafe.vector!), cosine(subVector, cafe.vector!), 0), 5);
        // The main query's ranks are what `signals` reports.
        expect(results.find((r) => r.documentId === 'doc-password')!.signals).toMatchObject({ lexicalRank: 1 });
      });

      it('shows identical passages once', async () => {
        const footer = 'Questions? Call us on 0800 123 456, open every day.';
        for (const id of ['doc-f1', 'doc-f2', 'doc-f3']) corpus.set(id, [chunk(id, 0, id, footer)]);
        await addCorpus();
        const results = await hybridSearch(index, { text: 'call us open every day', k: 5 });
        expect(results.filter((r) => r.snippet === footer)).toHaveLength(1);
      });
    });

    it('drops the stored vectors when asked to after an embedding model change', async () => {
      await addCorpus();
      const other = await open({ embeddingModel: 'model-2', onEmbeddingChange: 'reset' });
      expect(await other.countChunks()).toBe(9);
      expect(await other.vectorSearch(corpus.get('doc-cafe')![0]!.vector!, 5)).toEqual([]);
      expect((await other.lexicalSearch('stamps coffee', 1))[0]?.chunkId).toBe('doc-cafe:0');
      await other.close();
      // Back to the suite's model for whatever runs next.
      await (await open({ onEmbeddingChange: 'reset' })).close();
      expect(HELP_CENTRE.length).toBeGreaterThan(0);
    });
  });
}
