/**
 * The OpenAI-compatible embedder against a real HTTP server started here that speaks the /v1/embeddings wire
 * format. The conformance suite runs with vectors from the local model behind that server (so semantics hold);
 * the client's own behaviour (batching, retries, errors, timeouts, the API key) is tested with scripted answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError, UpstreamTimeoutError } from '../../../src/errors.js';
import { defaultModelCacheDir, findLocalModel, LocalEmbedder, OpenAIEmbedder } from '../../../src/knowledge/embedder/index.js';
import { embedderConformance } from './embedder.suite.js';

const API_KEY = 'sk-test-0123456789abcdef-secret';
const MODEL = 'sentence-transformers/all-MiniLM-L6-v2';

interface Seen {
  authorization?: string;
  inputs: number;
  model: string;
}

/** What the server does with a request: answer with vectors, or a scripted status/delay. */
type Script = (seen: Seen, n: number) => { status?: number; delayMs?: number; body?: string; headers?: Record<string, string> } | null;

interface FakeServer {
  baseUrl: string;
  seen: Seen[];
  script: Script;
  close(): Promise<void>;
}

/** Deterministic vector for a text: each word hashed into 32 dimensions (not normalised, like some servers). */
function hashVector(text: string): number[] {
  const v = new Array<number>(32).fill(0);
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 2166136261;
    for (const ch of word) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    v[Math.abs(h) % 32]! += 1;
  }
  v[0]! += 0.5; // never all zeros
  return v;
}

async function startServer(embed: (texts: string[]) => Promise<number[][]>): Promise<FakeServer> {
  const state = { seen: [] as Seen[], script: (() => null) as Script };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as { model: string; input: string[] };
      const seen = { authorization: req.headers.authorization, inputs: body.input.length, model: body.model };
      state.seen.push(seen);
      const scripted = state.script(seen, state.seen.length);
      if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
      if (scripted?.status) {
        if (!res.destroyed) res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
        res.end(scripted.body ?? JSON.stringify({ error: { message: 'scripted failure' } }));
        return;
      }
      const vectors = await embed(body.input);
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          model: body.model,
          // Out of order on purpose: clients must place vectors by `index`.
          data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse(),
          usage: { prompt_tokens: 0, total_tokens: 0 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get seen() {
      return state.seen;
    },
    get script() {
      return state.script;
    },
    set script(s: Script) {
      state.script = s;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } as FakeServer;
}

// Conformance: the real model serves the vectors, so the semantic checks mean something.
let backing: LocalEmbedder | undefined;
let semanticServer: FakeServer | undefined;
embedderConformance('OpenAI-compatible endpoint', {
  create: async () => {
    const cacheDir = process.env.MODEL_CACHE_DIR || defaultModelCacheDir();
    if (!findLocalModel(cacheDir, MODEL).dtype) {
      throw new Error(`embedding model files missing under ${cacheDir}: run scripts/fetch-models.sh`);
    }
    backing = await LocalEmbedder.create({ model: MODEL, cacheDir, batchSize: 32 });
    const local = backing;
    semanticServer = await startServer(async (texts) => (await local.embedDocuments(texts)).map((v) => Array.from(v)));
    return OpenAIEmbedder.create({ baseUrl: semanticServer.baseUrl, apiKey: API_KEY, model: 'mini', batchSize: 16 });
  },
  cleanup: async () => {
    await semanticServer?.close();
    await backing?.close();
  },
});

describe('OpenAI-compatible embedder: client behaviour', () => {
  let server: FakeServer;
  const logs: string[] = [];
  const logger = {
    info: (obj: object, msg?: string) => logs.push(JSON.stringify(obj) + (msg ?? '')),
    warn: (obj: object, msg?: string) => logs.push(JSON.stringify(obj) + (msg ?? '')),
  };
  const client = (options: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}) =>
    new OpenAIEmbedder({
      baseUrl: server.baseUrl,
      apiKey: API_KEY,
      model: 'hash-32',
      dimension: 32,
      retryBaseMs: 5,
      logger,
      ...options,
    });

  beforeAll(async () => {
    server = await startServer(async (texts) => texts.map(hashVector));
  });
  afterAll(async () => {
    await server.close();
    // Whatever happened above, the key never reached a log line.
    expect(logs.join('\n')).not.toContain(API_KEY);
  });

  const reset = (script: Script = () => null) => {
    server.seen.length = 0;
    server.script = script;
  };

  it('learns the dimension from the endpoint and sends the model name and the key', async () => {
    reset();
    const embedder = await OpenAIEmbedder.create({ baseUrl: `${server.baseUrl}/`, apiKey: API_KEY, model: 'hash-32' });
    expect(embedder.dimension).toBe(32);
    expect(server.seen[0]).toMatchObject({ authorization: `Bearer ${API_KEY}`, model: 'hash-32' });
  });

  it('splits inputs into batches of batchSize and keeps input order', async () => {
    reset();
    const texts = Array.from({ length: 7 }, (_, i) => `text number ${i} ${'word '.repeat(i)}`);
    const vectors = await client({ batchSize: 3 }).embedDocuments(texts);
    expect(server.seen.map((s) => s.inputs)).toEqual([3, 3, 1]);
    const [alone] = await client().embedDocuments([texts[4]!]);
    expect(Array.from(vectors[4]!)).toEqual(Array.from(alone!));
  });

  it('normalises vectors the server returns unnormalised', async () => {
    reset();
    const [v] = await client().embedDocuments(['one two three']);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
  });

  it('retries a 429 after the Retry-After delay, then succeeds', async () => {
    reset((_, n) => (n === 1 ? { status: 429, headers: { 'retry-after-ms': '20' } } : null));
    const [v] = await client().embedDocuments(['rate limited once']);
    expect(v!.length).toBe(32);
    expect(server.seen).toHaveLength(2);
    expect(logs.some((l) => l.includes('retrying'))).toBe(true);
  });

  it('retries 500s with backoff and then reports a retryable UpstreamError', async () => {
    reset(() => ({ status: 500 }));
    const error = await client({ maxRetries: 2 })
      .embedQuery('always failing')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).retryable).toBe(true);
    expect((error as UpstreamError).details).toMatchObject({ status: 500, attempts: 3 });
    expect(server.seen).toHaveLength(3);
  });

  it('does not retry a 401, and never repeats the key even when the server echoes it', async () => {
    reset(() => ({ status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${API_KEY}` } }) }));
    const error = (await client()
      .embedQuery('bad key')
      .catch((e: unknown) => e)) as UpstreamError;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.details).toMatchObject({ status: 401, retryable: false });
    expect(server.seen).toHaveLength(1);
    expect(error.message).toContain('[REDACTED]');
    expect(`${error.message} ${JSON.stringify(error.details)} ${String(error.stack)}`).not.toContain(API_KEY);
  });

  it('times out a stalled request with UpstreamTimeoutError', async () => {
    reset(() => ({ status: 200, delayMs: 1_000, body: '{}' }));
    const error = await client({ timeoutMs: 100, maxRetries: 1 })
      .embedQuery('slow')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(server.seen).toHaveLength(2);
  });

  it('rejects a malformed answer', async () => {
    reset(() => ({ status: 200, body: JSON.stringify({ data: [] }) }));
    await expect(client().embedQuery('x')).rejects.toThrow(/returned 0 vectors for 1 inputs/);
  });

  it('estimates tokens as characters / 4 unless given a tokenizer', () => {
    expect(client().countTokens('12345678')).toBe(2);
    expect(client({ countTokens: (t) => t.split(' ').length }).countTokens('a b c')).toBe(3);
  });
});
