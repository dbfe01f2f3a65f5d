/**
 * Chatting with a real app in tests: start a session (optionally as a verified customer), add help-centre
 * articles, send messages and read back what was stored.
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { LanguageModel } from '../../src/llm/index.js';
import { signCustomerId } from '../../src/server/sessions/identity.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ADMIN_KEY, adminHeaders, requireModelFiles } from '../knowledge/service/helpers.js';

export { REFUND_ARTICLE } from './fixtures.js';

export const IDENTITY_SECRET = 'identity-secret-for-the-agent-tests-0123456789';

/** An app with the real embedding model, an admin key, customer identities, and (optionally) a scripted model. */
export async function buildAgentApp(env: Record<string, string> = {}, model?: LanguageModel): Promise<TestApp> {
  return buildTestApp(
    {
      ...requireModelFiles(),
      ADMIN_API_KEY: ADMIN_KEY,
      CUSTOMER_IDENTITY_SECRET: IDENTITY_SECRET,
      RAG_SIMILARITY_THRESHOLD: '0.3',
      PROCESS_UPLOADS_ASYNC: 'false',
      ...env,
    },
    undefined,
    { model },
  );
}

export interface Chat {
  sessionId: string;
  token: string;
  headers: Record<string, string>;
  send(message: string, extra?: Record<string, unknown>): Promise<TurnBody>;
}

export interface TurnBody {
  reply: string;
  sources: { documentId: string; title: string; chunkId: string; score: number; snippet: string }[];
  escalated: boolean;
  ticketId?: string;
  confidence: number;
  outcome: string;
  reasons: string[];
  status: string;
  messageId?: string;
  sessionStats: Record<string, number>;
}

export async function startChat(app: FastifyInstance, options: { customerId?: string } = {}): Promise<Chat> {
  const payload = options.customerId
    ? { customerId: options.customerId, customerSignature: signCustomerId(IDENTITY_SECRET, options.customerId) }
    : {};
  const created = await app.inject({ method: 'POST', url: '/api/sessions', payload });
  expect(created.statusCode, created.body).toBe(201);
  const { sessionId, token } = created.json() as { sessionId: string; token: string };
  const headers = { authorization: `Bearer ${token}` };
  return {
    sessionId,
    token,
    headers,
    async send(message, extra = {}) {
      const response = await app.inject({ method: 'POST', url: `/api/sessions/${sessionId}/messages`, headers, payload: { message, ...extra } });
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as TurnBody;
    },
  };
}

export async function addArticle(app: FastifyInstance, title: string, content: string, format: 'markdown' | 'text' = 'markdown'): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/knowledge/documents', headers: adminHeaders(), payload: { title, content, format } });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { id: string }).id;
}

export async function transcript(app: FastifyInstance, chat: Chat) {
  const response = await app.inject({ method: 'GET', url: `/api/sessions/${chat.sessionId}/messages?limit=500`, headers: chat.headers });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { messages: { role: string; content: string; status: string; sources: unknown[]; confidence: number | null }[] }).messages;
}

/** Each reply directly follows its own question (the scripted model echoes it): no two turns interleaved. */
export function expectEachReplyFollowsItsQuestion(stored: { role: string; content: string }[]): void {
  for (let i = 0; i < stored.length; i += 2) {
    expect(stored[i]!.role).toBe('customer');
    expect(stored[i + 1]!.content).toContain(stored[i]!.content);
  }
}

/** A WebSocket client of `/ws` at `host:port` that keeps every frame; `next(type)` waits for the first of a type. */
export function connectWs(base: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`ws://${base}/ws`, { headers });
  const frames: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Record<string, unknown>);
    waiters.splice(0).forEach((wake) => wake());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const next = async (type: string) => {
    for (;;) {
      const found = frames.find((f) => f.type === type);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const opened = new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, frames, next, closed, opened };
}
