/**
 * The agent on the real local GGUF model (SmolLM2-135M from scripts/fetch-models.sh): a turn streams real
 * tokens over SSE and ends with a stored reply. A 135M model writes what it writes, so the test checks the
 * pipeline's guarantees (streamed deltas add up to the reply, a grounded answer carries its sources, the turn
 * is stored), not the wording.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localModelPath } from '../../src/llm/index.js';
import type { TestApp } from '../helpers/app.js';
import { addArticle, buildAgentApp, REFUND_ARTICLE, startChat, transcript } from './helpers.js';

let t: TestApp;

beforeAll(async () => {
  t = await buildAgentApp({ AI_PROVIDER: 'local', AGENT_MAX_TOKENS: '48', AGENT_TEMPERATURE: '0' });
  const modelFile = localModelPath(t.settings);
  if (!fs.existsSync(modelFile)) throw new Error(`no GGUF model at ${modelFile}: run scripts/fetch-models.sh`);
  await addArticle(t.app, 'Returns and refunds', REFUND_ARTICLE);
}, 120_000);
afterAll(() => t.close());

describe('AI_PROVIDER=local', () => {
  it('runs the GGUF model, not the extractive fallback', () => {
    expect(t.app.services.agentService.model.provider).toBe('local');
  });

  it('streams a real reply over SSE and stores it with its sources', async () => {
    const chat = await startChat(t.app);
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/sessions/${chat.sessionId}/messages`,
      headers: { ...chat.headers, accept: 'text/event-stream' },
      payload: { message: 'How many days do I have to return an unused item for a refund?' },
    });
    expect(response.statusCode).toBe(200);
    const events = response.body
      .split('\n\n')
      .filter(Boolean)
      .map((block) => ({ event: /^event: (.*)$/m.exec(block)![1]!, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Record<string, unknown> }));
    const final = events.at(-1)!;
    expect(final.event).toBe('reply');
    const reply = final.data as { reply: string; outcome: string; sources: unknown[] };
    expect(['answered', 'unknown', 'escalated']).toContain(reply.outcome);
    const tokens = events.filter((e) => e.event === 'token');
    expect(tokens.length).toBeGreaterThan(1);
    if (reply.outcome === 'answered') {
      expect(reply.sources.length).toBeGreaterThan(0);
      expect(tokens.map((e) => e.data.delta).join('')).toBe(reply.reply.slice(0, tokens.map((e) => e.data.delta).join('').length));
    }
    const stored = await transcript(t.app, chat);
    expect(stored.map((m) => m.role)).toEqual(['customer', 'assistant']);
    expect(stored[1]!.content).toBe(reply.reply);
  }, 120_000);
});
