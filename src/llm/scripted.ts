/**
 * A model that plays back a script: for unit tests of the agent loop (text, tool calls, errors, slow streams)
 * and for DEV_MOCK_AI, where a developer wants replies without any model. Each call takes the next step; a step
 * is a response or a function of the call. It records the calls it received (the last 100) for assertions.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { InternalError, type AppError } from '../errors.js';
import { abortedError, parseOptions, replayAsStream, usageOf, wordChunks } from './support.js';
import type { CallOptions, FinishReason, GenerateResult, GroundingPassage, LanguageModel, ModelCapabilities, Usage } from './types.js';

export interface ScriptedResponse {
  text?: string;
  /** `input` may be an object (serialised to JSON) or JSON text. */
  toolCalls?: { toolName: string; input?: unknown; toolCallId?: string }[];
  /** Defaults to 'tool-calls' when there are tool calls, else 'stop'. */
  finishReason?: FinishReason;
  usage?: Usage;
  /** The call fails with this error (generate rejects; stream ends with an error part). */
  error?: AppError;
  /** The passages the reply cites (as the extractive provider reports them). */
  sources?: GroundingPassage[];
  /** Pause before each streamed text chunk, to test cancellation and time to first token. */
  chunkDelayMs?: number;
}

export type ScriptStep = ScriptedResponse | ((call: CallOptions, index: number) => ScriptedResponse);

const scriptedOptionsSchema = z.object({
  steps: z
    .array(z.custom<ScriptStep>((step) => typeof step === 'function' || (typeof step === 'object' && step !== null)))
    .min(1),
  /** After the last step, start again from the first (DEV_MOCK_AI); otherwise a further call fails. */
  loop: z.boolean().default(false),
  capabilities: z.object({ toolCalls: z.boolean(), streaming: z.boolean() }).default({ toolCalls: true, streaming: true }),
  modelId: z.string().min(1).default('scripted'),
});
export interface ScriptedModelOptions {
  steps: ScriptStep[];
  loop?: boolean;
  capabilities?: ModelCapabilities;
  modelId?: string;
}

export interface ScriptedModel extends LanguageModel {
  /** The calls received, oldest first (at most the last 100). */
  readonly calls: readonly CallOptions[];
}

const MAX_RECORDED_CALLS = 100;
let toolCallCounter = 0;

function countWords(text: string): number {
  return wordChunks(text).length;
}

export function createScriptedModel(options: ScriptedModelOptions): ScriptedModel {
  const o = parseOptions(scriptedOptionsSchema, options, 'scripted model');
  const steps = options.steps;
  const calls: CallOptions[] = [];
  let next = 0;

  function take(call: CallOptions): ScriptedResponse {
    calls.push(call);
    if (calls.length > MAX_RECORDED_CALLS) calls.shift();
    if (next >= steps.length) {
      if (!o.loop) throw new InternalError(`the scripted model has no step left for call ${next + 1} (${steps.length} scripted)`);
      next = 0;
    }
    const index = next++;
    const step = steps[index]!;
    return typeof step === 'function' ? step(call, index) : step;
  }

  function resultOf(call: CallOptions, response: ScriptedResponse): GenerateResult {
    if (response.error) throw response.error;
    const text = response.text ?? '';
    const toolCalls = (response.toolCalls ?? []).map((tc) => ({
      toolCallId: tc.toolCallId ?? `call_scripted_${++toolCallCounter}`,
      toolName: tc.toolName,
      input: typeof tc.input === 'string' ? tc.input : JSON.stringify(tc.input ?? {}),
    }));
    const inputWords = call.messages.reduce((sum, m) => sum + countWords(m.content), 0);
    return {
      text,
      toolCalls,
      finishReason: response.finishReason ?? (toolCalls.length > 0 ? 'tool-calls' : 'stop'),
      usage: response.usage ?? usageOf(inputWords, countWords(text)),
      warnings: [],
      ...(response.sources ? { sources: response.sources } : {}),
    };
  }

  return {
    provider: 'scripted',
    modelId: o.modelId,
    capabilities: o.capabilities,
    calls,
    async generate(call) {
      const aborted = abortedError(call.abortSignal);
      if (aborted) throw aborted;
      return resultOf(call, take(call));
    },
    stream(call) {
      let response: ScriptedResponse | undefined;
      return replayAsStream(
        async () => {
          const aborted = abortedError(call.abortSignal);
          if (aborted) throw aborted;
          response = take(call);
          return resultOf(call, response);
        },
        call.abortSignal,
        async () => {
          if (response?.chunkDelayMs) await sleep(response.chunkDelayMs, undefined, { signal: call.abortSignal });
        },
      );
    },
    close: async () => {},
  };
}

/**
 * DEV_MOCK_AI: a looping script that answers from the turn's passages when there are any (citing the first)
 * and otherwise echoes the question, so the whole pipeline can be clicked through without a model.
 */
export function createDevMockModel(): ScriptedModel {
  return createScriptedModel({
    modelId: 'dev-mock',
    loop: true,
    steps: [
      (call) => {
        const question = [...call.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
        const passage = call.context?.passages[0];
        return passage
          ? { text: `(mock model) According to "${passage.title}": ${passage.snippet} [1]`, sources: [passage] }
          : { text: `(mock model) You asked: "${question.slice(0, 200)}". No model is running (DEV_MOCK_AI=true).` };
      },
    ],
  });
}
