/**
 * Test data for the knowledge index: a handful of real help-centre passages, and deterministic synthetic
 * vectors (seeded random unit vectors, plus planted near-duplicates) so dense results can be checked against a
 * brute-force scan.
 */
import type { IndexedChunk, SourceLocation } from '../../../src/knowledge/types.js';
import { cosine } from '../../../src/knowledge/index/vector-math.js';

export const DIMENSION = 32;

/** Mulberry32: small, fast, good enough to make test vectors reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function randomUnitVector(random: () => number, dimension = DIMENSION): Float32Array {
  const v = new Float32Array(dimension);
  let sum = 0;
  for (let j = 0; j < dimension; j++) {
    // Box-Muller: Gaussian components give directions uniform on the sphere.
    const g = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    v[j] = g;
    sum += g * g;
  }
  const length = Math.sqrt(sum);
  for (let j = 0; j < dimension; j++) v[j] = v[j]! / length;
  return v;
}

/** `base` nudged by `amount` of noise: a near-duplicate (cosine close to 1 for small amounts). */
export function nearby(base: Float32Array, random: () => number, amount: number): Float32Array {
  const noise = randomUnitVector(random, base.length);
  const v = new Float32Array(base.length);
  for (let j = 0; j < base.length; j++) v[j] = base[j]! + amount * noise[j]!;
  return v;
}

export function chunk(
  documentId: string,
  ordinal: number,
  title: string,
  text: string,
  vector?: Float32Array,
  location: SourceLocation = { sectionPath: [title] },
): IndexedChunk {
  return {
    id: `${documentId}:${ordinal}`,
    documentId,
    ordinal,
    title,
    text,
    tokenCount: text.split(/\s+/).length,
    location,
    ...(vector ? { vector } : {}),
  };
}

export interface HelpDocument {
  id: string;
  title: string;
  passages: string[];
}

export const HELP_CENTRE: HelpDocument[] = [
  {
    id: 'doc-refunds',
    title: 'Refunds for card payments',
    passages: [
      'If a card payment was taken twice or for the wrong amount, you can ask for a refund from the Payments tab. Refunds to a debit card usually arrive within five working days.',
      'A refund for a cancelled subscription is paid back to the card that was charged. If that card has expired, contact support and we will send the money to your current account instead.',
    ],
  },
  {
    id: 'doc-password',
    title: 'Resetting your password',
    passages: [
      'To reset your password, choose "Forgot password" on the sign-in screen and follow the link we email you. The link expires after 30 minutes.',
      'If you no longer have access to your email address, our support team can verify your identity by phone and change the address on your account.',
    ],
  },
  {
    id: 'doc-lost-card',
    title: 'Lost or stolen cards',
    passages: [
      'Freeze your card immediately in the app if it is lost or stolen. Frozen cards decline every payment until you unfreeze them.',
      'Order a replacement card from Card settings. The new card arrives within three to five working days and has a new number.',
    ],
  },
  {
    id: 'doc-transfers',
    title: 'International transfers',
    passages: [
      'International transfers to 40 countries are sent through SWIFT. You need the recipient bank\'s BIC and the IBAN of the account.',
      'Transfers in euros inside the SEPA area arrive the next working day; other currencies take two to four days and carry a fee shown before you confirm.',
    ],
  },
  {
    id: 'doc-cafe',
    title: 'Café rewards programme',
    passages: [
      'Pay with your card at a partner café and collect one stamp per purchase; ten stamps earn a free coffee. The naïve résumé of rewards is in the app.',
    ],
  },
];

/** Every passage of HELP_CENTRE as chunks, with a random vector each (or none when `random` is omitted). */
export function helpCentreChunks(random?: () => number, dimension = DIMENSION): Map<string, IndexedChunk[]> {
  const byDocument = new Map<string, IndexedChunk[]>();
  for (const document of HELP_CENTRE) {
    byDocument.set(
      document.id,
      document.passages.map((text, i) =>
        chunk(document.id, i, document.title, text, random ? randomUnitVector(random, dimension) : undefined, {
          sectionPath: [document.title],
          page: i + 1,
        }),
      ),
    );
  }
  return byDocument;
}

/** The ids of the `k` chunks most similar to `query` by a plain scan (ties by id), for exactness checks. */
export function bruteForce(query: Float32Array, chunks: IndexedChunk[], k: number): { chunkId: string; score: number }[] {
  return chunks
    .filter((c) => c.vector)
    .map((c) => ({ chunkId: c.id, score: cosine(query, c.vector!) }))
    .sort((a, b) => b.score - a.score || (a.chunkId < b.chunkId ? -1 : 1))
    .slice(0, k);
}

/** Retries `check` until it passes or `timeoutMs` elapses (changes made by another instance arrive async). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Strings that are FTS5 or tsquery syntax, SQL, or just awkward; none may make a search throw. */
export const HOSTILE_QUERIES = [
  '"',
  '""""',
  '(',
  ')',
  '((refund',
  'NEAR(refund card, 2)',
  'refund NEAR card',
  '-refund',
  'refund*',
  '*',
  'AND',
  'OR OR OR',
  'NOT refund',
  'refund AND NOT card',
  'title:refund',
  '^refund',
  '{title text}: refund',
  'refund + card',
  "'; drop table knowledge_chunks; --",
  'a & b | !c <-> d',
  'refund:* & card:A',
  '\\',
  '\u0000refund',
  '🙂🙂 refund 🙂',
  'x'.repeat(10_000),
  'word '.repeat(2_000),
  '',
  '   ',
  '.,;:!?',
  'naïve résumé',
  'e\u0301',
];
