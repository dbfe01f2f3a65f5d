/**
 * The OpenAI-compatible provider (and Azure's URL shape) against a real local HTTP server speaking the wire
 * format: completions, streamed deltas, tool calls whole and streamed, and what is sent.
 */
import { describe, expect, it } from 'vitest';
import { createAzureModel } from '../../src/llm/azure.js';
import { createOpenAICompatibleModel } from '../../src/llm/openai-compatible.js';
import { collectStream } from '../../src/llm/support.js';
import type { StreamPart } from '../../src/llm/types.js';
import {
  chunkEvent,
  DONE_EVENT,
  sendCompletion,
  sendStreamedText,
  useFakeOpenAIServer,
  startStream,
  usageEvent,
} from './fake-openai-server.js';

const API_KEY = 'sk-test-0123456789abcdef';
const fake = useFakeOpenAIServer();

function model(overrides: Record<string, unknown> = {}) {
  return createOpenAICompatibleModel({
    baseUrl: fake.server.baseUrl,
    apiKey: API_KEY,
    organization: 'org-frontline',
    model: 'test-model',
    temperature: 0.2,
    maxTokens: 64,
    timeoutMs: 5_000,
    maxRetries: 2,
    backoff: { baseDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  });
}

async function parts(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const all: StreamPart[] = [];
  for await (const part of stream) all.push(part);
  return all;
}

describe('OpenAI-compatible provider', () => {
  it('sends a chat completion and maps the answer', async () => {
    fake.server.handle((_req, res) => sendCompletion(res, { content: 'Refunds take 5 days.' }));
    const result = await model().generate({
      messages: [
        { role: 'system', content: 'You are a support agent.' },
        { role: 'user', content: 'How long do refunds take?' },
      ],
    });
    expect(result).toEqual({
      text: 'Refunds take 5 days.',
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18 },
      warnings: [],
    });
    const [request] = fake.server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/chat/completions');
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.headers['openai-organization']).toBe('org-frontline');
    expect(request!.body).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'You are a support agent.' },
        { role: 'user', content: 'How long do refunds take?' },
      ],
      temperature: 0.2,
      max_tokens: 64,
    });
  });

  it('lets call options override the configured defaults', async () => {
    fake.server.handle((_req, res) => sendCompletion(res, { content: 'ok' }));
    await model().generate({
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0,
      maxTokens: 5,
      topP: 0.9,
      seed: 42,
      stopSequences: ['\n\n'],
    });
    expect(fake.server.requests[0]!.body).toMatchObject({ temperature: 0, max_tokens: 5, top_p: 0.9, seed: 42, stop: ['\n\n'] });
  });

  it('sends no authorization header when no key is configured (a local Ollama)', async () => {
    fake.server.handle((_req, res) => sendCompletion(res, { content: 'ok' }));
    await model({ apiKey: undefined, organization: undefined }).generate({ messages: [{ role: 'user', content: 'hi' }] });
    expect(fake.server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('streams text deltas as they arrive, then finish with usage', async () => {
    fake.server.handle((_req, res) => sendStreamedText(res, ['Refunds ', 'take ', '5 days.']));
    const all = await parts(model().stream({ messages: [{ role: 'user', content: 'How long?' }] }));
    expect(all).toEqual([
      { type: 'text-delta', delta: 'Refunds ' },
      { type: 'text-delta', delta: 'take ' },
      { type: 'text-delta', delta: '5 days.' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 }, warnings: [] },
    ]);
    expect(fake.server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('parses events split across network chunks, CRLF line ends and comments', async () => {
    fake.server.handle(async (_req, res) => {
      startStream(res);
      const raw = `: keep-alive\r\n\r\n${chunkEvent({ content: 'Hel' })}${chunkEvent({ content: 'lo' }, 'stop')}`.replace(/\n/g, '\r\n');
      for (let i = 0; i < raw.length; i += 7) {
        res.write(raw.slice(i, i + 7));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end(DONE_EVENT);
    });
    const result = await collectStream(model().stream({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(result.text).toBe('Hello');
    expect(result.finishReason).toBe('stop');
  });

  it('returns tool calls and sends tools, tool choice, earlier calls and their results', async () => {
    fake.server.handle((_req, res) =>
      sendCompletion(res, { toolCalls: [{ id: 'call_1', name: 'search_knowledge', arguments: '{"query":"refund"}' }] }),
    );
    const tools = [
      {
        name: 'search_knowledge',
        description: 'Search the help centre',
        parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
      },
    ];
    const result = await model().generate({
      messages: [
        { role: 'user', content: 'refund?' },
        { role: 'assistant', content: '', toolCalls: [{ toolCallId: 'call_0', toolName: 'search_knowledge', input: '{"query":"x"}' }] },
        { role: 'tool', toolCallId: 'call_0', toolName: 'search_knowledge', content: 'nothing found' },
      ],
      tools,
      toolChoice: 'auto',
    });
    expect(result.toolCalls).toEqual([{ toolCallId: 'call_1', toolName: 'search_knowledge', input: '{"query":"refund"}' }]);
    expect(result.finishReason).toBe('tool-calls');
    const body = fake.server.requests[0]!.body;
    expect(body.tools).toEqual([{ type: 'function', function: tools[0] }]);
    expect(body.tool_choice).toBe('auto');
    expect(body.messages).toEqual([
      { role: 'user', content: 'refund?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'search_knowledge', arguments: '{"query":"x"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_0', content: 'nothing found' },
    ]);
  });

  it('reassembles streamed tool calls whose arguments arrive in pieces', async () => {
    fake.server.handle((_req, res) => {
      startStream(res);
      res.write(chunkEvent({ role: 'assistant', content: null }));
      res.write(chunkEvent({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'search_knowledge', arguments: '' } }] }));
      res.write(chunkEvent({ tool_calls: [{ index: 0, function: { arguments: '{"que' } }] }));
      res.write(chunkEvent({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'create_ticket', arguments: '{"pri' } }] }));
      res.write(chunkEvent({ tool_calls: [{ index: 0, function: { arguments: 'ry":"card lost"}' } }] }));
      res.write(chunkEvent({ tool_calls: [{ index: 1, function: { arguments: 'ority":"high"}' } }] }));
      res.write(chunkEvent({}, 'tool_calls'));
      res.write(usageEvent(20, 12));
      res.end(DONE_EVENT);
    });
    const all = await parts(model().stream({ messages: [{ role: 'user', content: 'lost my card' }] }));
    expect(all).toEqual([
      { type: 'tool-call', toolCall: { toolCallId: 'call_a', toolName: 'search_knowledge', input: '{"query":"card lost"}' } },
      { type: 'tool-call', toolCall: { toolCallId: 'call_b', toolName: 'create_ticket', input: '{"priority":"high"}' } },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 20, outputTokens: 12, totalTokens: 32 }, warnings: [] },
    ]);
  });

  it('tells apart parallel calls that reuse index 0 with different ids (Ollama)', async () => {
    fake.server.handle((_req, res) => {
      startStream(res);
      res.write(chunkEvent({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'a', arguments: '{}' } }] }));
      res.write(chunkEvent({ tool_calls: [{ index: 0, id: 'c2', function: { name: 'b', arguments: '{"x":1}' } }] }, 'tool_calls'));
      res.end(DONE_EVENT);
    });
    const result = await collectStream(model().stream({ messages: [{ role: 'user', content: 'go' }] }));
    expect(result.toolCalls).toEqual([
      { toolCallId: 'c1', toolName: 'a', input: '{}' },
      { toolCallId: 'c2', toolName: 'b', input: '{"x":1}' },
    ]);
  });

  it('ends the stream with an error part when the server reports an error mid-stream', async () => {
    fake.server.handle((_req, res) => {
      startStream(res);
      res.write(chunkEvent({ content: 'Par' }));
      res.end(`data: ${JSON.stringify({ error: { message: 'model overloaded' } })}\n\n`);
    });
    const all = await parts(model().stream({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(all[0]).toEqual({ type: 'text-delta', delta: 'Par' });
    expect(all).toHaveLength(2);
    expect(all[1]!.type).toBe('error');
    expect((all[1] as { error: Error }).error.message).toContain('model overloaded');
  });

  it('refuses invalid options when it is built', () => {
    expect(() => model({ baseUrl: 'ftp://example.com', maxRetries: -1 })).toThrow(/baseUrl.*maxRetries|maxRetries.*baseUrl/s);
  });
});

describe('Azure OpenAI provider', () => {
  it("uses Azure's URL shape and api-key header, and sends no model", async () => {
    fake.server.handle((_req, res) => sendStreamedText(res, ['Hi ', 'there']));
    const azure = createAzureModel({
      endpoint: `${fake.server.origin}/`,
      apiKey: 'azure-key-0123456789',
      deployment: 'support-gpt',
      apiVersion: '2024-10-01-preview',
      model: 'gpt-4o-mini',
      timeoutMs: 5_000,
      maxRetries: 0,
    });
    const result = await collectStream(azure.stream({ messages: [{ role: 'user', content: 'hello' }] }));
    expect(result.text).toBe('Hi there');
    const [request] = fake.server.requests;
    expect(request!.url).toBe('/openai/deployments/support-gpt/chat/completions?api-version=2024-10-01-preview');
    expect(request!.headers['api-key']).toBe('azure-key-0123456789');
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.body.model).toBeUndefined();
    expect(azure.provider).toBe('azure');
    expect(azure.modelId).toBe('support-gpt');
  });
});
