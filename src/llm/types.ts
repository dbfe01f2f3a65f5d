/**
 * The one model interface every provider implements (OpenAI-compatible, Azure, local GGUF, extractive, scripted),
 * shaped like the Vercel AI SDK's LanguageModelV2 specification: the same finish reasons, usage fields, warning
 * kinds and stream-part names, with the prompt as plain chat messages. The agent loop is one code path whatever
 * the provider: an option a provider cannot honour becomes a warning, never an exception, and failures are
 * AppErrors (`retryable` says whether trying again may help).
 *
 * This module imports nothing: providers know no agent, and the agent needs nothing but these types.
 */
import type { AppError } from '../errors.js';

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: readonly ToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string };

/** A function the model may call; `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { toolName: string };

/** A tool call the model made. `input` is the arguments as JSON text, as the model wrote it (as in the AI SDK). */
export interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: string;
}

/**
 * A passage of the knowledge base the reply may draw on. Structurally a subset of the knowledge base's
 * SearchResult, so search results pass straight in without this module importing the knowledge base.
 */
export interface GroundingPassage {
  documentId: string;
  title: string;
  chunkId: string;
  /** 0..1, higher is better. */
  score: number;
  snippet: string;
}

export interface CallOptions {
  messages: readonly ChatMessage[];
  tools?: readonly ToolDefinition[];
  toolChoice?: ToolChoice;
  /** Defaults to the provider's configured temperature (AGENT_TEMPERATURE). */
  temperature?: number;
  /** Defaults to the provider's configured limit (AGENT_MAX_TOKENS). */
  maxTokens?: number;
  topP?: number;
  stopSequences?: readonly string[];
  seed?: number;
  abortSignal?: AbortSignal;
  /**
   * Structured grounding for the turn. Generative providers ignore it (the agent has already written the
   * passages into the prompt); the extractive provider answers from it.
   */
  context?: { passages: readonly GroundingPassage[] };
}

/** Names of the call options a provider may not support (for `unsupported-setting` warnings). */
export type CallSetting = Exclude<keyof CallOptions, 'messages' | 'abortSignal' | 'context' | 'tools'>;

export type CallWarning =
  | { type: 'unsupported-setting'; setting: CallSetting; details?: string }
  | { type: 'unsupported-tool'; tool: ToolDefinition; details?: string }
  | { type: 'other'; message: string };

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other' | 'unknown';

/** Token counts; undefined when the provider does not report them. */
export interface Usage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  totalTokens: number | undefined;
}

export interface GenerateResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  warnings: CallWarning[];
  /** The passages the reply cites, in citation order ([1] first); set by providers that know (extractive). */
  sources?: GroundingPassage[];
}

/**
 * What `stream()` yields. Text arrives as deltas; each tool call arrives whole, once its arguments are complete;
 * the last part is either `finish` or `error` (the stream never throws: a failure is an `error` part, which ends it).
 */
export type StreamPart =
  | { type: 'text-delta'; delta: string }
  | { type: 'tool-call'; toolCall: ToolCall }
  | {
      type: 'finish';
      finishReason: FinishReason;
      usage: Usage;
      warnings: CallWarning[];
      sources?: GroundingPassage[];
    }
  | { type: 'error'; error: AppError };

export interface ModelCapabilities {
  /** The model can call tools; without it, tools passed in become `unsupported-tool` warnings. */
  toolCalls: boolean;
  /** Text arrives incrementally as it is produced (rather than as one delta at the end). */
  streaming: boolean;
}

export interface LanguageModel {
  /** 'openai', 'azure', 'local', 'extractive' or 'scripted'. */
  readonly provider: string;
  readonly modelId: string;
  readonly capabilities: ModelCapabilities;
  /** One completion. Rejects with an AppError (UpstreamError, UpstreamTimeoutError, GenerationAbortedError, ...). */
  generate(options: CallOptions): Promise<GenerateResult>;
  /** The same completion as it is produced; never throws (see StreamPart). */
  stream(options: CallOptions): AsyncIterable<StreamPart>;
  /** Frees what the model holds (a loaded GGUF, sockets); idempotent. */
  close(): Promise<void>;
}
