import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { createDevMockModel, createScriptedModel } from '../../src/llm/scripted.js';
import { collectStream } from '../../src/llm/support.js';
import type { StreamPart } from '../../src/llm/types.js';

const messages = [{ role: 'user' as const, content: 'Cancel my order 1234 please' }];

async function parts(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const all: StreamPart[] = [];
  for await (const part of stream) all.push(part);
  return all;
}

describe('scripted model', () => {
  it('plays its steps in order: a tool call, then the answer', async () => {
    const model = createScriptedModel({
      steps: [
        { toolCalls: [{ toolName: 'lookup_order', input: { orderId: '1234' }, toolCallId: 'call_1' }] },
        { text: 'Order 1234 is cancelled.' },
      ],
    });
    const first = await model.generate({ messages });
    expect(first.toolCalls).toEqual([{ toolCallId: 'call_1', toolName: 'lookup_order', input: '{"orderId":"1234"}' }]);
    expect(first.finishReason).toBe('tool-calls');
    const second = await collectStream(model.stream({ messages }));
    expect(second).toMatchObject({ text: 'Order 1234 is cancelled.', toolCalls: [], finishReason: 'stop' });
    expect(model.calls).toHaveLength(2);
    await expect(model.generate({ messages })).rejects.toThrow(/no step left for call 3/);
  });

  it('streams text in word chunks, then tool calls, then finish', async () => {
    const model = createScriptedModel({
      steps: [{ text: 'Let me look.', toolCalls: [{ toolName: 'search', input: '{"q":"x"}', toolCallId: 't' }] }],
    });
    expect(await parts(model.stream({ messages }))).toEqual([
      { type: 'text-delta', delta: 'Let' },
      { type: 'text-delta', delta: ' me' },
      { type: 'text-delta', delta: ' look.' },
      { type: 'tool-call', toolCall: { toolCallId: 't', toolName: 'search', input: '{"q":"x"}' } },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 }, warnings: [] },
    ]);
  });

  it('computes a step from the call, and loops when asked', async () => {
    const model = createScriptedModel({ loop: true, steps: [(call, i) => ({ text: `#${i} ${call.messages.length}` })] });
    expect((await model.generate({ messages })).text).toBe('#0 1');
    expect((await model.generate({ messages: [...messages, ...messages] })).text).toBe('#0 2');
  });

  it('fails as scripted: generate rejects, stream ends with an error part', async () => {
    const error = new UpstreamError('scripted outage');
    const model = createScriptedModel({ loop: true, steps: [{ error }] });
    await expect(model.generate({ messages })).rejects.toBe(error);
    expect(await parts(model.stream({ messages }))).toEqual([{ type: 'error', error }]);
  });

  it('cancels a slow stream when the signal aborts', async () => {
    const model = createScriptedModel({ steps: [{ text: 'one two three four five six', chunkDelayMs: 20 }] });
    const controller = new AbortController();
    const seen: StreamPart[] = [];
    for await (const part of model.stream({ messages, abortSignal: controller.signal })) {
      seen.push(part);
      if (seen.length === 2) controller.abort();
    }
    expect(seen.map((p) => p.type)).toEqual(['text-delta', 'text-delta', 'error']);
    expect(seen[2]).toMatchObject({ error: { code: 'GENERATION_ABORTED' } });
  });

  it('keeps only the last 100 calls', async () => {
    const model = createScriptedModel({ loop: true, steps: [{ text: 'ok' }] });
    for (let i = 0; i < 120; i++) await model.generate({ messages: [{ role: 'user', content: String(i) }] });
    expect(model.calls).toHaveLength(100);
    expect(model.calls[0]!.messages[0]!.content).toBe('20');
  });

  it('DEV_MOCK_AI model answers from passages or echoes the question', async () => {
    const model = createDevMockModel();
    expect((await model.generate({ messages })).text).toContain('You asked: "Cancel my order 1234 please"');
    const passage = { documentId: 'd', chunkId: 'd:0', title: 'Orders', score: 0.9, snippet: 'Orders can be cancelled within 1 hour.' };
    const grounded = await model.generate({ messages, context: { passages: [passage] } });
    expect(grounded.text).toContain('Orders can be cancelled within 1 hour. [1]');
    expect(grounded.sources).toEqual([passage]);
  });

  it('refuses an empty script when it is built', () => {
    expect(() => createScriptedModel({ steps: [] })).toThrow(/steps/);
  });
});
