/**
 * A GGUF chat model run in process by node-llama-cpp on the CPU. The model is loaded once; one context holds
 * `maxConcurrency` sequences, each lent to one generation at a time (BoundedPool), so concurrent turns share
 * the model without unbounded memory or thrashing the cores.
 *
 * AGENT_TIMEOUT here bounds every wait for progress (queueing, reading the prompt, each next token) rather than
 * the whole reply: a small CPU model writing a long answer is slow but not stuck.
 */
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChatHistoryItem, LlamaChat } from 'node-llama-cpp';
import { Deadline } from './deadline.js';
import { BoundedPool } from './pool.js';
import { asAppError, parseOptions, unsupportedWarnings, usageOf } from './support.js';
import type { CallOptions, ChatMessage, FinishReason, GenerateResult, LanguageModel, StreamPart } from './types.js';

/** On a small machine llama.cpp's worker threads spin against everything else; leave a core to the server. */
const DEFAULT_THREADS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

const localOptionsSchema = z.object({
  modelPath: z.string().min(1),
  temperature: z.number().min(0).max(2).default(0.7),
  maxTokens: z.int().min(1).default(2000),
  timeoutMs: z.number().positive().default(30_000),
  /** Generations running at once (context sequences). */
  maxConcurrency: z.int().min(1).max(16).default(2),
  /** Generations waiting for a sequence; one more is refused as busy. */
  maxQueue: z.int().min(0).max(10_000).default(32),
  /** Tokens of context per sequence (capped at what the model was trained with). */
  contextSize: z.int().min(256).default(4096),
  threads: z.int().min(1).max(256).default(DEFAULT_THREADS),
});
export type LocalModelOptions = z.input<typeof localOptionsSchema>;

const SUPPORTED = { settings: ['temperature', 'maxTokens', 'topP', 'seed', 'stopSequences'] as const, tools: false };
const WHY = 'the local GGUF provider does not call tools';

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case 'system':
        return { type: 'system', text: message.content };
      case 'user':
        return { type: 'user', text: message.content };
      case 'assistant':
        return { type: 'model', response: [message.content] };
      case 'tool':
        // Without tool calling, a tool's result can only reach the model as text.
        return { type: 'user', text: `Result of ${message.toolName}: ${message.content}` };
    }
  });
  history.push({ type: 'model', response: [] });
  return history;
}

function finishReasonOf(stopReason: string): FinishReason {
  switch (stopReason) {
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop';
    case 'maxTokens':
      return 'length';
    case 'functionCalls':
      return 'tool-calls';
    default:
      return 'other';
  }
}

/** A one-reader queue of text chunks fed by node-llama-cpp's callback (bounded by maxTokens). */
class TextChannel {
  private readonly items: string[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(text: string): void {
    this.items.push(text);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *drain(): AsyncGenerator<string> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) yield item;
      else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** Loads the GGUF file (once) and returns a model over it. Throws when node-llama-cpp or the file cannot load. */
export async function createLocalModel(options: LocalModelOptions, logger?: Logger): Promise<LanguageModel> {
  const o = parseOptions(localOptionsSchema, options, 'local model');
  const { getLlama, LlamaChat: Chat, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    maxThreads: o.threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => logger?.debug({ level, message: message.trim() }, 'llama.cpp'),
  });
  try {
    const model = await llama.loadModel({ modelPath: o.modelPath });
    const context = await model.createContext({
      sequences: o.maxConcurrency,
      contextSize: Math.min(o.contextSize, model.trainContextSize),
      threads: o.threads,
    });
    const chats = Array.from({ length: o.maxConcurrency }, () => new Chat({ contextSequence: context.getSequence() }));
    const pool = new BoundedPool<LlamaChat>(chats, o.maxQueue, 'the local model');
    const modelId = path.basename(o.modelPath).replace(/\.gguf$/i, '');
    logger?.info({ modelId, sequences: o.maxConcurrency, threads: o.threads }, 'local model loaded');

    async function run(call: CallOptions, onText?: (text: string) => void): Promise<GenerateResult> {
      const deadline = new Deadline(o.timeoutMs, call.abortSignal, 'the local model');
      let chat: LlamaChat | undefined;
      try {
        chat = await pool.acquire(deadline.signal);
        deadline.restart();
        const before = chat.sequence.tokenMeter.getState();
        let text = '';
        const response = await chat.generateResponse(toHistory(call.messages), {
          signal: deadline.signal,
          maxTokens: call.maxTokens ?? o.maxTokens,
          temperature: call.temperature ?? o.temperature,
          ...(call.topP !== undefined ? { topP: call.topP } : {}),
          ...(call.seed !== undefined ? { seed: call.seed } : {}),
          ...(call.stopSequences?.length ? { customStopTriggers: call.stopSequences } : {}),
          onTextChunk: (chunk) => {
            deadline.restart();
            text += chunk;
            onText?.(chunk);
          },
        });
        const used = chat.sequence.tokenMeter.diff(before);
        return {
          text: response.response || text,
          toolCalls: [],
          finishReason: finishReasonOf(response.metadata.stopReason),
          usage: usageOf(used.usedInputTokens, used.usedOutputTokens),
          warnings: unsupportedWarnings(call, SUPPORTED, WHY),
        };
      } catch (error) {
        throw deadline.reason() ?? asAppError(error, call.abortSignal);
      } finally {
        deadline.clear();
        if (chat) pool.release(chat);
      }
    }

    async function* stream(call: CallOptions): AsyncGenerator<StreamPart> {
      const channel = new TextChannel();
      const stop = new AbortController();
      const signal = call.abortSignal ? AbortSignal.any([call.abortSignal, stop.signal]) : stop.signal;
      const generation = run({ ...call, abortSignal: signal }, (text) => channel.push(text)).finally(() => channel.close());
      generation.catch(() => {}); // observed below; this only keeps an early return from leaving it unhandled
      let settled = false;
      try {
        for await (const delta of channel.drain()) yield { type: 'text-delta', delta };
        const { finishReason, usage, warnings } = await generation;
        settled = true;
        yield { type: 'finish', finishReason, usage, warnings };
      } catch (error) {
        settled = true;
        yield { type: 'error', error: asAppError(error, signal) };
      } finally {
        // The consumer stopped reading: stop generating and give the sequence back.
        if (!settled) stop.abort();
      }
    }

    let closed: Promise<void> | undefined;
    return {
      provider: 'local',
      modelId,
      capabilities: { toolCalls: false, streaming: true },
      generate: (call) => run(call),
      stream,
      close: () =>
        (closed ??= (async () => {
          for (const chat of chats) chat.dispose();
          await context.dispose();
          await model.dispose();
          await llama.dispose();
        })()),
    };
  } catch (error) {
    await llama.dispose().catch(() => {});
    throw error;
  }
}
