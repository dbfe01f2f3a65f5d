/**
 * Helpers every provider shares: warnings for options a provider cannot honour, turning a finished result into
 * stream parts (and back), and validating a provider's options when it is built.
 */
import type { z } from 'zod';
import { GenerationAbortedError, InternalError, isAppError, type AppError } from '../errors.js';
import type { CallOptions, CallSetting, CallWarning, GenerateResult, StreamPart, Usage } from './types.js';

export const NO_USAGE: Readonly<Usage> = Object.freeze({ inputTokens: undefined, outputTokens: undefined, totalTokens: undefined });

export function usageOf(inputTokens: number | undefined, outputTokens: number | undefined): Usage {
  const totalTokens = inputTokens === undefined || outputTokens === undefined ? undefined : inputTokens + outputTokens;
  return { inputTokens, outputTokens, totalTokens };
}

const SETTINGS: readonly CallSetting[] = ['toolChoice', 'temperature', 'maxTokens', 'topP', 'stopSequences', 'seed'];

/**
 * One warning per option the caller set that the provider ignores, and one per tool when it cannot call tools.
 * `why` explains the ignored settings in the warning's details.
 */
export function unsupportedWarnings(
  options: CallOptions,
  supported: { settings: readonly CallSetting[]; tools: boolean },
  why: string,
): CallWarning[] {
  const warnings: CallWarning[] = [];
  for (const setting of SETTINGS) {
    if (options[setting] !== undefined && !supported.settings.includes(setting)) {
      warnings.push({ type: 'unsupported-setting', setting, details: why });
    }
  }
  if (!supported.tools) {
    for (const tool of options.tools ?? []) warnings.push({ type: 'unsupported-tool', tool, details: why });
  }
  return warnings;
}

/** Splits text into word-sized deltas (each word with the whitespace before it) whose concatenation is the text. */
export function wordChunks(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** The error a stream ends with, or that generate() throws, for anything a provider's code let escape. */
export function asAppError(error: unknown, signal?: AbortSignal): AppError {
  if (isAppError(error)) return error;
  if (signal?.aborted) return new GenerationAbortedError('the generation was cancelled', { cause: error });
  return new InternalError('the model provider failed unexpectedly', { cause: error });
}

export function abortedError(signal: AbortSignal | undefined): AppError | undefined {
  return signal?.aborted ? new GenerationAbortedError('the generation was cancelled') : undefined;
}

/**
 * Replays a finished result as stream parts: text in word chunks, then tool calls, then finish. `pause` runs
 * between chunks (the scripted model's delay); a cancelled signal ends the stream with an error part.
 */
export async function* replayAsStream(
  produce: () => Promise<GenerateResult>,
  signal: AbortSignal | undefined,
  pause?: () => Promise<void>,
): AsyncGenerator<StreamPart> {
  let result: GenerateResult;
  try {
    result = await produce();
  } catch (error) {
    yield { type: 'error', error: asAppError(error, signal) };
    return;
  }
  for (const delta of wordChunks(result.text)) {
    if (pause) {
      try {
        await pause();
      } catch (error) {
        yield { type: 'error', error: asAppError(error, signal) };
        return;
      }
    }
    const aborted = abortedError(signal);
    if (aborted) {
      yield { type: 'error', error: aborted };
      return;
    }
    yield { type: 'text-delta', delta };
  }
  for (const toolCall of result.toolCalls) yield { type: 'tool-call', toolCall };
  const { finishReason, usage, warnings, sources } = result;
  yield { type: 'finish', finishReason, usage, warnings, ...(sources ? { sources } : {}) };
}

/** Consumes a stream into the result generate() would give; throws the error part's error. */
export async function collectStream(stream: AsyncIterable<StreamPart>): Promise<GenerateResult> {
  let text = '';
  const toolCalls: GenerateResult['toolCalls'] = [];
  for await (const part of stream) {
    switch (part.type) {
      case 'text-delta':
        text += part.delta;
        break;
      case 'tool-call':
        toolCalls.push(part.toolCall);
        break;
      case 'error':
        throw part.error;
      case 'finish': {
        const { finishReason, usage, warnings, sources } = part;
        return { text, toolCalls, finishReason, usage, warnings, ...(sources ? { sources } : {}) };
      }
    }
  }
  throw new InternalError('the model stream ended without a finish part');
}

/** Validates a provider's options when it is built; a mistake names every bad option at once. */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`);
  throw new TypeError(`Invalid ${what} options: ${problems.join('; ')}`);
}
