/**
 * The Embedder contract, run against every implementation (local ONNX, OpenAI-compatible endpoint):
 * dimension, unit-length vectors, semantic sanity, batching that does not change results, and an event loop
 * that keeps turning while a large batch is embedded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../../src/knowledge/types.js';

export interface SuiteOptions {
  /** Builds the embedder under test (called once). */
  create: () => Promise<Embedder>;
  /** Releases whatever create() started besides the embedder (servers, helper embedders). */
  cleanup?: () => Promise<void>;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

const PASSAGES = [
  'Refunds for card payments are issued to the original card within 5 to 10 business days.',
  'Our branches are open Monday to Friday from 9am to 5pm and on Saturday mornings.',
  'To reset your online banking password, use the "Forgot password" link on the sign-in page.',
  'International transfers above 10,000 dollars require an additional identity check.',
  'A lost or stolen debit card can be frozen instantly from the mobile app.',
];

export function embedderConformance(name: string, options: SuiteOptions): void {
  describe(`Embedder conformance: ${name}`, () => {
    let embedder: Embedder;

    beforeAll(async () => {
      embedder = await options.create();
    });
    afterAll(async () => {
      await embedder?.close();
      await options.cleanup?.();
    });

    it('has a model id and a positive dimension that every vector has', async () => {
      expect(embedder.modelId).toBeTruthy();
      expect(embedder.dimension).toBeGreaterThan(0);
      const docs = await embedder.embedDocuments(PASSAGES);
      expect(docs).toHaveLength(PASSAGES.length);
      for (const v of docs) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(embedder.dimension);
      }
      expect((await embedder.embedQuery('card refund')).length).toBe(embedder.dimension);
    });

    it('returns unit-length vectors for documents and queries', async () => {
      for (const v of [...(await embedder.embedDocuments(PASSAGES)), await embedder.embedQuery('where is my refund?')]) {
        expect(norm(v)).toBeCloseTo(1, 4);
        expect(v.every(Number.isFinite)).toBe(true);
      }
    });

    it('places texts with the same meaning closer than unrelated ones', async () => {
      const [refund, moneyBack, hours] = await embedder.embedDocuments([
        'refund my card payment',
        'how do I get my money back for a card purchase',
        'opening hours of the branch',
      ]);
      expect(cosine(refund!, moneyBack!)).toBeGreaterThan(cosine(refund!, hours!));

      // The query finds the passage that answers it.
      const docs = await embedder.embedDocuments(PASSAGES);
      const query = await embedder.embedQuery('my card was stolen, how do I block it?');
      const best = docs.map((d) => cosine(query, d)).reduce((bi, s, i, all) => (s > all[bi]! ? i : bi), 0);
      expect(PASSAGES[best]).toMatch(/stolen debit card/);
    });

    it('gives the same vectors in one batch as one by one, in input order', async () => {
      const texts = [...PASSAGES, 'short', 'a somewhat longer text about account fees and monthly charges'];
      const batched = await embedder.embedDocuments(texts);
      for (let i = 0; i < texts.length; i++) {
        const [single] = await embedder.embedDocuments([texts[i]!]);
        // Padding in a batch changes float rounding only.
        expect(cosine(batched[i]!, single!)).toBeGreaterThan(0.9999);
      }
    });

    it('embeds several queries at once as it embeds each alone, in input order', async () => {
      const queries = ['where is my refund?', 'my card was stolen, how do I block it?', 'fees'];
      const batched = await embedder.embedQueries(queries);
      expect(batched).toHaveLength(queries.length);
      for (const [i, query] of queries.entries()) expect(cosine(batched[i]!, await embedder.embedQuery(query))).toBeGreaterThan(0.9999);
      expect(await embedder.embedQueries([])).toEqual([]);
    });

    it('embeds nothing for no input, and an empty string without failing', async () => {
      expect(await embedder.embedDocuments([])).toEqual([]);
      const [empty] = await embedder.embedDocuments(['']);
      expect(empty!.length).toBe(embedder.dimension);
    });

    it('keeps the event loop turning during a large embed', async () => {
      const texts = Array.from(
        { length: 96 },
        (_, i) => `Customer ${i} asks about overdraft fees, card limits and the dispute process for item ${i}.`,
      );
      let ticks = 0;
      const timer = setInterval(() => ticks++, 2);
      try {
        const vectors = await embedder.embedDocuments(texts);
        expect(vectors).toHaveLength(texts.length);
      } finally {
        clearInterval(timer);
      }
      // Work done on the event loop would starve the interval; off-thread or over the network, it keeps firing.
      expect(ticks).toBeGreaterThan(3);
    });

    it('counts tokens: more text, more tokens', () => {
      const short = embedder.countTokens('refund');
      const long = embedder.countTokens('How do I get a refund for a card payment that was charged twice last week?');
      expect(short).toBeGreaterThan(0);
      expect(long).toBeGreaterThan(short);
      expect(embedder.countTokens('')).toBe(0);
    });
  });
}
