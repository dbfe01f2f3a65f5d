/**
 * One reply from the model: stream it, run the tools it calls (when it can), stream again, at most MAX_STEPS
 * rounds. Never throws: a provider failure or a cancellation comes back in the result with whatever text was
 * produced before it, so the turn can store it and tell the customer.
 */
import type { AppError } from '../errors.js';
import type { ChatMessage, GroundingPassage, LanguageModel, ToolCall } from '../llm/types.js';
import { AGENT_TOOLS, runTool, type ToolContext } from './tools.js';

export const MAX_STEPS = 3;

export interface GenerationRequest {
  model: LanguageModel;
  messages: ChatMessage[];
  /** Tools for models that can call them; undefined to offer none. */
  tools?: ToolContext;
  signal?: AbortSignal;
  onDelta: (delta: string) => void;
}

export interface Generation {
  text: string;
  /** Passages the provider itself says it cites (the extractive provider does). */
  providerSources?: GroundingPassage[];
  toolCalls: number;
  outputTokens: number;
  /** Set when the provider failed (not when the caller cancelled). */
  error?: AppError;
  cancelled: boolean;
}

export async function generateReply(request: GenerationRequest): Promise<Generation> {
  const { model, tools, signal } = request;
  const messages = [...request.messages];
  const useTools = tools !== undefined && model.capabilities.toolCalls;
  const result: Generation = { text: '', toolCalls: 0, outputTokens: 0, cancelled: false };

  for (let step = 0; step < MAX_STEPS; step++) {
    const calls: ToolCall[] = [];
    let stepText = '';
    const lastStep = step === MAX_STEPS - 1;
    const stream = model.stream({
      messages,
      abortSignal: signal,
      context: { passages: tools?.passages ?? [] },
      ...(useTools && !lastStep ? { tools: AGENT_TOOLS, toolChoice: 'auto' as const } : {}),
    });
    for await (const part of stream) {
      if (part.type === 'text-delta') {
        stepText += part.delta;
        result.text += part.delta;
        request.onDelta(part.delta);
      } else if (part.type === 'tool-call') {
        calls.push(part.toolCall);
      } else if (part.type === 'finish') {
        result.outputTokens += part.usage.outputTokens ?? 0;
        if (part.sources) result.providerSources = part.sources;
      } else {
        if (signal?.aborted) result.cancelled = true;
        else result.error = part.error;
        return result;
      }
    }
    if (signal?.aborted) {
      result.cancelled = true;
      return result;
    }
    if (calls.length === 0 || !useTools) return result;
    result.toolCalls += calls.length;
    messages.push({ role: 'assistant', content: stepText, toolCalls: calls });
    for (const call of calls) {
      messages.push({ role: 'tool', toolCallId: call.toolCallId, toolName: call.toolName, content: await runTool(call, tools) });
    }
    // Text before a tool call was thinking aloud; the customer gets what follows the tool results.
    if (stepText) result.text += '\n\n';
  }
  return result;
}
