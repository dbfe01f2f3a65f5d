/**
 * The agent's contract: what one customer turn takes and gives, and the narrow views of the parts it uses
 * (knowledge search, customer memory, hand-off). The agent knows no HTTP: REST, SSE and WebSocket all call
 * SupportAgent.turn() with a TurnInput and relay its events.
 */
import type { GroundingPassage } from '../llm/types.js';
import type { SessionClient } from '../sessions/authorize.js';
import type { SessionCounters, SessionStatus } from '../sessions/types.js';

export type Source = GroundingPassage;

export interface TurnInput {
  sessionId: string;
  /** The session's bearer token: the turn authorises itself (token, then fingerprint). */
  token: string | undefined;
  client: SessionClient;
  message: string;
  /** Links to files the customer shared, recorded with the message. */
  attachments?: readonly { name: string; url: string }[];
  /** How the message arrived, recorded on the stored message. */
  channel: 'rest' | 'sse' | 'ws';
  /** Aborting (the client went away) stops generation; the partial reply is stored as such. */
  signal?: AbortSignal;
  /** Progress as it happens: typing, then reply text as it is generated. */
  onEvent?: (event: TurnEvent) => void;
}

export type TurnEvent = { type: 'typing' } | { type: 'token'; delta: string };

export type TurnOutcome =
  /** The agent answered (from the knowledge base, or small talk). */
  | 'answered'
  /** Nothing relevant was found: it said so and offered a human. */
  | 'unknown'
  /** The conversation was handed to a human by this turn. */
  | 'escalated'
  /** A human has the conversation: the message was passed on, the agent stayed silent. */
  | 'relayed'
  /** The model's reply broke the rules (e.g. repeated them) and was replaced by a refusal. */
  | 'refused'
  /** The model failed or timed out: the customer was told and offered a human. */
  | 'failed'
  /** The client went away mid-reply: what was generated is stored as partial. */
  | 'cancelled';

export interface TurnResult {
  reply: string;
  sources: Source[];
  escalated: boolean;
  ticketId?: string;
  /** 0..1: how well the knowledge base supports the reply (0 when it does not use it). */
  confidence: number;
  outcome: TurnOutcome;
  /** Why the conversation was (or would have been) escalated; empty when nothing pointed that way. */
  reasons: string[];
  status: SessionStatus;
  /** The stored assistant message (absent when the agent stayed silent). */
  messageId?: string;
  sessionStats: SessionCounters;
}

/** The knowledge base as the agent sees it (KnowledgeBase implements it). */
export interface KnowledgeSearch {
  search(query: string, options?: { k?: number; minScore?: number }): Promise<
    (Source & { relevance?: number })[]
  >;
}

export interface KnownFact {
  key: string;
  value: string;
}

/** Customer memory as the agent sees it (agent/memory's CustomerMemory implements it). */
export interface FactMemory {
  learn(subject: string, text: string, options?: { sourceMessageId?: string }): Promise<unknown[]>;
  recall(subject: string): Promise<KnownFact[]>;
}
