/**
 * The JSON a turn answers with on every channel (REST body, the final SSE event, the WebSocket `reply` frame),
 * and how a failure is described once a stream has started (the HTTP status is gone by then).
 */
import { z } from 'zod';
import type { TurnResult } from '../../agent/types.js';
import { isAppError } from '../../errors.js';

export const sourceSchema = z.object({ documentId: z.string(), title: z.string(), chunkId: z.string(), score: z.number(), snippet: z.string() });

export const turnResultSchema = z.object({
  reply: z.string().describe('The reply; empty when a human has the conversation and the agent stays silent'),
  sources: z.array(sourceSchema).describe('What the reply cites, [1] first'),
  escalated: z.boolean(),
  ticketId: z.string().optional(),
  confidence: z.number().describe('0..1: how well the knowledge base supports the reply'),
  outcome: z.enum(['answered', 'unknown', 'escalated', 'relayed', 'refused', 'failed', 'cancelled']),
  reasons: z.array(z.string()).describe('Why the conversation was handed to a human (or nearly was)'),
  status: z.string().describe('The session status after the turn'),
  messageId: z.string().optional(),
  sessionStats: z.record(z.string(), z.number()),
});

export function toTurnResponse(result: TurnResult): z.infer<typeof turnResultSchema> {
  return { ...result, sources: result.sources.map(({ documentId, title, chunkId, score, snippet }) => ({ documentId, title, chunkId, score, snippet })) };
}

export interface StreamError {
  code: string;
  message: string;
  requestId: string;
}

/** An error as a stream event: AppErrors say what they are; anything else is an internal error, details logged. */
export function toStreamError(error: unknown, requestId: string, log: { error(o: object, m: string): void }): StreamError {
  if (isAppError(error)) return { code: error.code, message: error.message, requestId };
  log.error({ err: error }, 'unhandled error in a streamed turn');
  return { code: 'INTERNAL_ERROR', message: 'Internal server error', requestId };
}
