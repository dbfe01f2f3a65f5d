/**
 * Models behind the OpenAI chat completions API: OpenAI itself and any server speaking its wire format (Ollama,
 * vLLM, LM Studio, llama.cpp server). `createChatCompletionsModel` is the one implementation; this file and
 * azure.ts only say where to send requests and how to authenticate.
 *
 * AGENT_TIMEOUT bounds the wait for an answer (retries included) and, once a stream flows, every gap between
 * chunks; a call never hangs. Retries cover only retryable failures and only before the first byte of a reply:
 * text already streamed to a customer cannot be taken back.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { UpstreamError, UpstreamPermanentError, isAppError } from '../errors.js';
import { completionResult, finishReasonOf, requestBody, ToolCallAssembler, usageFrom, type WireChunk } from './chat-completions.js';
import { Deadline } from './deadline.js';
import { postWithRetries, secretRedactor, type HttpTarget } from './http.js';
import { sseData } from './sse.js';
import { asAppError, NO_USAGE, parseOptions } from './support.js';
import type { CallOptions, FinishReason, GenerateResult, LanguageModel, StreamPart, Usage } from './types.js';

/** What every HTTP model shares: AGENT_TEMPERATURE, AGENT_MAX_TOKENS, AGENT_TIMEOUT, AGENT_MAX_RETRIES. */
export const httpModelOptionsSchema = z.object({
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).default(0.7),
  maxTokens: z.int().min(1).default(2000),
  timeoutMs: z.number().positive().default(30_000),
  maxRetries: z.int().min(0).max(20).default(3),
  backoff: z
    .object({ baseDelayMs: z.number().min(0), maxDelayMs: z.number().min(0) })
    .default({ baseDelayMs: 500, maxDelayMs: 8_000 }),
});
export type HttpModelOptions = z.input<typeof httpModelOptionsSchema>;

const openAIOptionsSchema = httpModelOptionsSchema.extend({
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
  apiKey: z.string().optional(),
  organization: z.string().optional(),
});
export type OpenAICompatibleOptions = z.input<typeof openAIOptionsSchema>;

export interface ChatCompletionsEndpoint {
  provider: string;
  url: string;
  headers: Record<string, string>;
  /** Values to scrub from every error message (the API key). */
  secrets: (string | undefined)[];
  /** Sent as the body's `model`; absent for Azure, where the URL names the deployment. */
  bodyModel?: string;
}

/** OpenAI or any OpenAI-compatible server (OPENAI_API_BASE; no key needed for a local Ollama). */
export function createOpenAICompatibleModel(options: OpenAICompatibleOptions, logger?: Logger): LanguageModel {
  const o = parseOptions(openAIOptionsSchema, options, 'OpenAI-compatible model');
  const headers: Record<string, string> = {};
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  if (o.organization) headers['openai-organization'] = o.organization;
  const endpoint = {
    provider: 'openai',
    url: `${o.baseUrl.replace(/\/+$/, '')}/chat/completions`,
    headers,
    secrets: [o.apiKey],
    bodyModel: o.model,
  };
  return createChatCompletionsModel(endpoint, o, logger);
}

async function readJson(provider: string, response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamPermanentError(`${provider} answered with something other than JSON`, { details: { provider } });
  }
}

function parseChunk(provider: string, redact: (text: string) => string, data: string): WireChunk {
  let chunk: WireChunk;
  try {
    chunk = JSON.parse(data) as WireChunk;
  } catch {
    throw new UpstreamPermanentError(`${provider} streamed an event that is not JSON`, { details: { provider } });
  }
  if (chunk.error) {
    const message = typeof chunk.error === 'string' ? chunk.error : chunk.error.message ?? 'unknown error';
    throw new UpstreamError(`${provider} failed mid-stream: ${redact(message)}`, { details: { provider } });
  }
  return chunk;
}

export function createChatCompletionsModel(
  endpoint: ChatCompletionsEndpoint,
  options: z.output<typeof httpModelOptionsSchema>,
  logger?: Logger,
): LanguageModel {
  const redact = secretRedactor(endpoint.secrets);
  const target: HttpTarget = {
    provider: endpoint.provider,
    url: endpoint.url,
    headers: endpoint.headers,
    maxRetries: options.maxRetries,
    backoff: options.backoff,
    redact,
    logger,
  };
  const defaults = { model: endpoint.bodyModel, temperature: options.temperature, maxTokens: options.maxTokens };
  const newDeadline = (call: CallOptions) => new Deadline(options.timeoutMs, call.abortSignal, endpoint.provider);

  async function generate(call: CallOptions): Promise<GenerateResult> {
    const deadline = newDeadline(call);
    try {
      const json = await postWithRetries(target, requestBody(call, defaults, false), deadline, (response) =>
        readJson(endpoint.provider, response),
      );
      return { ...completionResult(endpoint.provider, json), warnings: [] };
    } catch (error) {
      throw deadline.reason() ?? asAppError(error);
    } finally {
      deadline.clear();
    }
  }

  async function* stream(call: CallOptions): AsyncGenerator<StreamPart> {
    const deadline = newDeadline(call);
    let settled = false;
    try {
      const response = await postWithRetries(target, requestBody(call, defaults, true), deadline, async (r) => r);
      if (!response.body) throw new UpstreamPermanentError(`${endpoint.provider} answered with an empty body`);
      deadline.restart();
      const toolCalls = new ToolCallAssembler();
      let finishReason: FinishReason = 'unknown';
      let usage: Usage = NO_USAGE;
      for await (const data of sseData(response.body, () => deadline.restart())) {
        const chunk = parseChunk(endpoint.provider, redact, data);
        if (chunk.usage) usage = usageFrom(chunk.usage);
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        if (choice.delta?.content) yield { type: 'text-delta', delta: choice.delta.content };
        if (choice.delta?.tool_calls) toolCalls.add(choice.delta.tool_calls);
        if (choice.finish_reason) finishReason = finishReasonOf(choice.finish_reason);
      }
      for (const toolCall of toolCalls.finish()) yield { type: 'tool-call', toolCall };
      settled = true;
      yield { type: 'finish', finishReason, usage, warnings: [] };
    } catch (error) {
      settled = true;
      const reason =
        deadline.reason() ??
        (isAppError(error)
          ? error
          : new UpstreamError(`${endpoint.provider} stream broke off`, { cause: error, details: { provider: endpoint.provider } }));
      yield { type: 'error', error: reason };
    } finally {
      // A consumer that stops reading early (break, return) lands here unsettled: abort to close the socket.
      if (settled) deadline.clear();
      else deadline.cancel();
    }
  }

  return {
    provider: endpoint.provider,
    modelId: endpoint.bodyModel ?? options.model,
    capabilities: { toolCalls: true, streaming: true },
    generate,
    stream,
    close: async () => {},
  };
}
