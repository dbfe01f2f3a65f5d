/**
 * How the OpenAI-compatible provider fails, against a real local HTTP server: retries only what may succeed
 * later (honouring Retry-After), a silent server ends in UpstreamTimeoutError within AGENT_TIMEOUT, a cancelled
 * stream closes the server's socket, and the API key never shows in an error or a log line.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/index.js';
import { GenerationAbortedError, UpstreamError, UpstreamPermanentError, UpstreamTimeoutError, type AppError } from '../../src/errors.js';
import { createLanguageModel } from '../../src/llm/index.js';
import { createOpenAICompatibleModel } from '../../src/llm/openai-compatible.js';
import type { StreamPart } from '../../src/llm/types.js';
import { chunkEvent, sendCompletion, sendJson, useFakeOpenAIServer, startStream } from './fake-openai-server.js';

const API_KEY = 'sk-secret-test-key-9876543210';
const messages = [{ role: 'user' as const, content: 'Where is my parcel?' }];
const fake = useFakeOpenAIServer();

function model(overrides: Record<string, unknown> = {}) {
  return createOpenAICompatibleModel({
    baseUrl: fake.server.baseUrl,
    apiKey: API_KEY,
    model: 'test-model',
    timeoutMs: 5_000,
    maxRetries: 2,
    backoff: { baseDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected the call to fail');
}

function captureLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), text: () => lines.join('') };
}

describe('retries', () => {
  it('retries a 429 after the Retry-After it names, then succeeds', async () => {
    fake.server.handle((_req, res, attempt) =>
      attempt === 1
        ? sendJson(res, 429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '1' })
        : sendCompletion(res, { content: 'On its way.' }),
    );
    const started = Date.now();
    const result = await model().generate({ messages });
    expect(result.text).toBe('On its way.');
    expect(fake.server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up after maxRetries + 1 attempts on 500 with a retryable UpstreamError', async () => {
    fake.server.handle((_req, res) => sendJson(res, 500, { error: { message: 'internal' } }));
    const error = await failure(model({ maxRetries: 3 }).generate({ messages }));
    expect(fake.server.requests).toHaveLength(4);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ provider: 'openai', status: 500, attempts: 4 });
  });

  it('does not retry a 400, and says it is not retryable', async () => {
    fake.server.handle((_req, res) => sendJson(res, 400, { error: { message: "'messages' is too long" } }));
    const error = await failure(model({ maxRetries: 3 }).generate({ messages }));
    expect(fake.server.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(UpstreamPermanentError);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("'messages' is too long");
  });

  it('retries a stream request that failed before its first byte', async () => {
    fake.server.handle((_req, res, attempt) => {
      if (attempt < 3) return sendJson(res, 503, { error: 'busy' });
      startStream(res);
      res.end(chunkEvent({ content: 'ok' }, 'stop'));
    });
    const parts: StreamPart[] = [];
    for await (const part of model().stream({ messages })) parts.push(part);
    expect(fake.server.requests).toHaveLength(3);
    expect(parts.map((p) => p.type)).toEqual(['text-delta', 'finish']);
  });

  it('treats an unreachable server as retryable', async () => {
    const unreachable = createOpenAICompatibleModel({
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'x',
      maxRetries: 1,
      backoff: { baseDelayMs: 5, maxDelayMs: 5 },
    });
    const error = await failure(unreachable.generate({ messages }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ attempts: 2 });
  });
});

describe('timeouts', () => {
  it('ends a call to a server that never answers with UpstreamTimeoutError within AGENT_TIMEOUT', async () => {
    fake.server.handle(() => {}); // never answers
    const settings = loadSettings({ AI_PROVIDER: 'openai', OPENAI_API_BASE: fake.server.baseUrl, OPENAI_API_KEY: API_KEY, AGENT_TIMEOUT: '1' });
    const llm = await createLanguageModel(settings, pino({ level: 'silent' }));
    const started = Date.now();
    const error = await failure(llm.generate({ messages }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error.retryable).toBe(true);
    // It ended because AGENT_TIMEOUT passed, not sooner; a hang would fail the test by its own timeout.
    expect(elapsed).toBeGreaterThanOrEqual(950);
  }, 10_000);

  it('ends a stream that stalls after its first chunk with an error part', async () => {
    fake.server.handle((_req, res) => {
      startStream(res);
      res.write(chunkEvent({ content: 'Let me check' }));
    });
    const parts: StreamPart[] = [];
    for await (const part of model({ timeoutMs: 400 }).stream({ messages })) parts.push(part);
    expect(parts[0]).toEqual({ type: 'text-delta', delta: 'Let me check' });
    expect(parts[1]!.type).toBe('error');
    expect((parts[1] as { error: AppError }).error).toBeInstanceOf(UpstreamTimeoutError);
  }, 10_000);
});

describe('cancellation', () => {
  function endlessStream() {
    fake.server.handle((_req, res) => {
      startStream(res);
      const timer = setInterval(() => res.write(chunkEvent({ content: 'more ' })), 20);
      res.on('close', () => clearInterval(timer));
    });
  }

  it('an abort mid-stream ends the stream and closes the server-side connection', async () => {
    endlessStream();
    const closed = fake.server.nextEarlyClose();
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of model().stream({ messages, abortSignal: controller.signal })) {
      parts.push(part);
      if (parts.length === 2) controller.abort();
    }
    expect(parts.slice(0, 2).map((p) => p.type)).toEqual(['text-delta', 'text-delta']);
    const last = parts.at(-1)!;
    expect(last.type).toBe('error');
    expect((last as { error: AppError }).error).toBeInstanceOf(GenerationAbortedError);
    await closed;
  });

  it('a consumer that stops reading closes the server-side connection too', async () => {
    endlessStream();
    const closed = fake.server.nextEarlyClose();
    for await (const part of model().stream({ messages })) {
      if (part.type === 'text-delta') break;
    }
    await closed;
  });

  it('an already aborted signal fails at once without calling the server', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(model().generate({ messages, abortSignal: controller.signal }));
    expect(error).toBeInstanceOf(GenerationAbortedError);
    expect(fake.server.requests).toHaveLength(0);
  });
});

describe('secrets', () => {
  it('keeps the API key out of error messages, details and logs even when the server echoes it', async () => {
    fake.server.handle((req, res, attempt) => {
      const key = String(req.headers.authorization).replace('Bearer ', '');
      if (attempt === 1) return sendJson(res, 503, { error: { message: `Overloaded for key ${key}` } });
      sendJson(res, 401, { error: { message: `Incorrect API key provided: ${key}` } });
    });
    const { logger, text } = captureLogger();
    const error = await failure(
      createOpenAICompatibleModel(
        { baseUrl: fake.server.baseUrl, apiKey: API_KEY, model: 'x', maxRetries: 2, backoff: { baseDelayMs: 5, maxDelayMs: 5 } },
        logger,
      ).generate({ messages }),
    );
    expect(fake.server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(error).toBeInstanceOf(UpstreamPermanentError);
    expect(error.message).toContain('Incorrect API key provided: [REDACTED]');
    expect(JSON.stringify({ message: error.message, details: error.details, stack: error.stack })).not.toContain(API_KEY);
    expect(text()).toContain('retrying');
    expect(text()).not.toContain(API_KEY);
  });
});
