/**
 * The OpenAI chat completions wire format (also spoken by Azure OpenAI, Ollama, vLLM, LM Studio and the
 * llama.cpp server): request bodies from CallOptions, results from responses, and the reassembly of tool calls
 * whose arguments arrive in pieces across streamed chunks.
 */
import { UpstreamPermanentError } from '../errors.js';
import { usageOf } from './support.js';
import type { CallOptions, ChatMessage, FinishReason, ToolCall, ToolChoice, Usage } from './types.js';

interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

type WireMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface RequestDefaults {
  /** Sent as `model`; Azure names the deployment in the URL instead, so it sends none. */
  model?: string;
  temperature: number;
  maxTokens: number;
}

function toWireMessage(message: ChatMessage): WireMessage {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      return message.toolCalls && message.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: message.content === '' ? null : message.content,
            tool_calls: message.toolCalls.map((call) => ({
              id: call.toolCallId,
              type: 'function',
              function: { name: call.toolName, arguments: call.input },
            })),
          }
        : { role: 'assistant', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function toWireToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.toolName } };
}

export function requestBody(options: CallOptions, defaults: RequestDefaults, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...(defaults.model ? { model: defaults.model } : {}),
    messages: options.messages.map(toWireMessage),
    temperature: options.temperature ?? defaults.temperature,
    max_tokens: options.maxTokens ?? defaults.maxTokens,
  };
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.stopSequences?.length) body.stop = options.stopSequences;
  if (options.seed !== undefined) body.seed = options.seed;
  if (options.tools?.length) {
    body.tools = options.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.parameters },
    }));
    if (options.toolChoice) body.tool_choice = toWireToolChoice(options.toolChoice);
  }
  if (stream) {
    body.stream = true;
    // Usage arrives in a last chunk with empty choices; servers that do not know the option ignore it.
    body.stream_options = { include_usage: true };
  }
  return body;
}

export function finishReasonOf(raw: unknown): FinishReason {
  switch (raw) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case null:
    case undefined:
      return 'unknown';
    default:
      return 'other';
  }
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export function usageFrom(raw: WireUsage | null | undefined): Usage {
  const usage = usageOf(raw?.prompt_tokens, raw?.completion_tokens);
  return raw?.total_tokens !== undefined ? { ...usage, totalTokens: raw.total_tokens } : usage;
}

interface WireCompletion {
  choices?: { message?: { content?: string | null; tool_calls?: Partial<WireToolCall>[] }; finish_reason?: string | null }[];
  usage?: WireUsage | null;
}

let generatedIds = 0;
/** Some servers (older Ollama) send tool calls without ids; the agent needs one to answer each call. */
function fallbackId(): string {
  generatedIds = (generatedIds + 1) % Number.MAX_SAFE_INTEGER;
  return `call_${Date.now().toString(36)}_${generatedIds}`;
}

export function completionResult(provider: string, json: unknown) {
  const completion = json as WireCompletion;
  const choice = completion?.choices?.[0];
  if (!choice || typeof choice !== 'object') {
    throw new UpstreamPermanentError(`${provider} answered without a completion choice`, { details: { provider } });
  }
  const toolCalls: ToolCall[] = (choice.message?.tool_calls ?? [])
    .filter((call) => call.function?.name)
    .map((call) => ({
      toolCallId: call.id || fallbackId(),
      toolName: call.function!.name,
      input: call.function!.arguments || '{}',
    }));
  return {
    text: choice.message?.content ?? '',
    toolCalls,
    finishReason: finishReasonOf(choice.finish_reason),
    usage: usageFrom(completion.usage),
  };
}

/** One parsed streamed chunk (`chat.completion.chunk`), or an in-stream `{ error }`. */
export interface WireChunk {
  choices?: {
    delta?: {
      content?: string | null;
      tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[];
    };
    finish_reason?: string | null;
  }[];
  usage?: WireUsage | null;
  error?: { message?: string } | string;
}

/**
 * Reassembles streamed tool calls: the first delta of a call carries its index, id and name, later ones append
 * to its arguments by index. Some servers (Ollama) reuse index 0 for every call of a parallel batch and tell
 * them apart only by id, so a new id at a known index opens a new call.
 */
export class ToolCallAssembler {
  private readonly calls: { id: string; name: string; args: string[] }[] = [];
  private readonly slotOfIndex = new Map<number, number>();

  add(deltas: NonNullable<NonNullable<NonNullable<WireChunk['choices']>[number]['delta']>['tool_calls']>): void {
    for (const delta of deltas) {
      const index = delta.index ?? 0;
      let slot = this.slotOfIndex.get(index);
      const current = slot === undefined ? undefined : this.calls[slot];
      if (current === undefined || (delta.id && current.id && delta.id !== current.id)) {
        slot = this.calls.push({ id: delta.id ?? '', name: '', args: [] }) - 1;
        this.slotOfIndex.set(index, slot);
      }
      const call = this.calls[slot!]!;
      if (delta.id && !call.id) call.id = delta.id;
      // The name comes whole in the first delta; some servers repeat it in later ones.
      if (delta.function?.name && !call.name) call.name = delta.function.name;
      if (delta.function?.arguments) call.args.push(delta.function.arguments);
    }
  }

  /** The complete calls, in the order they began. */
  finish(): ToolCall[] {
    return this.calls
      .filter((call) => call.name !== '')
      .map((call) => ({ toolCallId: call.id || fallbackId(), toolName: call.name, input: call.args.join('') || '{}' }));
  }
}
