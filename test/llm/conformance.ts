/**
 * The one conformance suite for the LanguageModel interface, run against every provider available here
 * (conformance.test.ts for the HTTP, extractive and scripted ones; local.test.ts for the GGUF model). What the
 * agent loop relies on, whatever the provider: the result and stream shapes, finish last, unsupported options as
 * warnings, cancellation as GenerationAbortedError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationAbortedError, isAppError } from '../../src/errors.js';
import { collectStream } from '../../src/llm/support.js';
import type { CallOptions, GenerateResult, LanguageModel, StreamPart } from '../../src/llm/types.js';

const FINISH_REASONS = ['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other', 'unknown'];

export interface ConformanceTarget {
  name: string;
  create(): LanguageModel | Promise<LanguageModel>;
  /** Options every call of the suite adds (e.g. a small maxTokens for a slow local model). */
  baseOptions?: Partial<CallOptions>;
}

const passages = [
  { documentId: 'returns', chunkId: 'returns:0', title: 'Returns policy', score: 0.9, snippet: 'Items can be returned within 30 days of delivery for a full refund.' },
];

function expectResultShape(result: GenerateResult): void {
  expect(typeof result.text).toBe('string');
  expect(Array.isArray(result.toolCalls)).toBe(true);
  for (const call of result.toolCalls) {
    expect(call).toEqual({ toolCallId: expect.any(String), toolName: expect.any(String), input: expect.any(String) });
  }
  expect(FINISH_REASONS).toContain(result.finishReason);
  expect(Object.keys(result.usage).sort()).toEqual(['inputTokens', 'outputTokens', 'totalTokens']);
  for (const value of Object.values(result.usage)) expect(value === undefined || typeof value === 'number').toBe(true);
  expect(Array.isArray(result.warnings)).toBe(true);
}

async function readAll(stream: AsyncIterable<StreamPart>, onPart?: (part: StreamPart, index: number) => void): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) {
    parts.push(part);
    onPart?.(part, parts.length - 1);
  }
  return parts;
}

export function describeLanguageModelConformance(target: ConformanceTarget): void {
  describe(`LanguageModel conformance: ${target.name}`, () => {
    let model: LanguageModel;
    const call = (extra: Partial<CallOptions> = {}): CallOptions => ({
      messages: [
        { role: 'system', content: 'You are a helpful customer support agent. Answer briefly.' },
        { role: 'user', content: 'How long do I have to return an item?' },
      ],
      context: { passages },
      ...target.baseOptions,
      ...extra,
    });

    beforeAll(async () => {
      model = await target.create();
    });
    afterAll(async () => {
      await model?.close();
    });

    it('describes itself', () => {
      expect(model.provider).toMatch(/\S/);
      expect(model.modelId).toMatch(/\S/);
      expect(model.capabilities).toEqual({ toolCalls: expect.any(Boolean), streaming: expect.any(Boolean) });
    });

    it('generate() returns text, tool calls, finish reason, usage and warnings', async () => {
      const result = await model.generate(call());
      expectResultShape(result);
      expect(result.text.trim().length + result.toolCalls.length).toBeGreaterThan(0);
    });

    it('stream() yields deltas and ends with exactly one finish part', async () => {
      const parts = await readAll(model.stream(call()));
      const last = parts.at(-1);
      expect(last?.type).toBe('finish');
      expect(parts.filter((p) => p.type === 'finish' || p.type === 'error')).toHaveLength(1);
      for (const part of parts.slice(0, -1)) expect(['text-delta', 'tool-call']).toContain(part.type);
      const text = parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
      expect(text.trim().length).toBeGreaterThan(0);
      expectResultShape(await collectStream(model.stream(call())));
    });

    it('turns options it cannot honour into warnings, not exceptions', async () => {
      const tool = { name: 'create_ticket', description: 'Open a ticket for a human', parameters: { type: 'object', properties: {} } };
      const result = await model.generate(
        call({ tools: [tool], toolChoice: 'none', temperature: 0, topP: 0.9, seed: 7, stopSequences: ['\n\n\n'] }),
      );
      expectResultShape(result);
      for (const warning of result.warnings) expect(['unsupported-setting', 'unsupported-tool', 'other']).toContain(warning.type);
      if (!model.capabilities.toolCalls) {
        expect(result.toolCalls).toEqual([]);
        expect(result.warnings).toContainEqual(expect.objectContaining({ type: 'unsupported-tool', tool }));
      }
    });

    it('fails a call whose signal is already aborted with GenerationAbortedError', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(model.generate(call({ abortSignal: controller.signal }))).rejects.toBeInstanceOf(GenerationAbortedError);
      const parts = await readAll(model.stream(call({ abortSignal: controller.signal })));
      expect(parts.at(-1)).toMatchObject({ type: 'error', error: expect.any(GenerationAbortedError) });
    });

    it('ends a stream aborted mid-way with an error part, never a throw or a hang', async () => {
      const controller = new AbortController();
      const parts = await readAll(model.stream(call({ abortSignal: controller.signal })), (part) => {
        if (part.type === 'text-delta') controller.abort();
      });
      const last = parts.at(-1)!;
      // A provider may have finished before it noticed; otherwise the stream ends with the abort.
      if (last.type === 'error') {
        expect(isAppError(last.error)).toBe(true);
        expect(last.error).toBeInstanceOf(GenerationAbortedError);
      } else {
        expect(last.type).toBe('finish');
      }
    });

    it('closes idempotently', async () => {
      const other = await target.create();
      await other.close();
      await other.close();
    });
  });
}
