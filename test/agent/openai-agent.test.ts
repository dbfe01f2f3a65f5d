/**
 * The agent over a real OpenAI-compatible HTTP server (started by the test): the turn's prompt goes out in the
 * wire format, the streamed answer comes back cited, and a server that never answers ends the turn cleanly
 * after AGENT_TIMEOUT with an offer of a human, not a hang or a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { sendStreamedText, useFakeOpenAIServer } from '../llm/fake-openai-server.js';
import { MODEL_FAILED_REPLY } from '../../src/agent/reply.js';
import { addArticle, buildAgentApp, REFUND_ARTICLE, startChat } from './helpers.js';

const fake = useFakeOpenAIServer();
let t: TestApp;

beforeAll(async () => {
  t = await buildAgentApp({
    AI_PROVIDER: 'openai',
    OPENAI_API_BASE: fake.server.baseUrl,
    OPENAI_API_KEY: 'sk-test-agent-0123456789',
    AGENT_TIMEOUT: '1',
    AGENT_MAX_RETRIES: '0',
  });
  await addArticle(t.app, 'Returns and refunds', REFUND_ARTICLE);
});
afterAll(() => t.close());

describe('AI_PROVIDER=openai', () => {
  it('sends the grounded prompt and streams back a cited answer', async () => {
    fake.server.handle((_request, res) => sendStreamedText(res, ['You can return ', 'unused items within ', '30 days [1].']));
    const chat = await startChat(t.app);
    const turn = await chat.send('How many days do I have to return an item?');
    expect(turn).toMatchObject({ outcome: 'answered', reply: 'You can return unused items within 30 days [1].' });
    expect(turn.sources[0]?.title).toBe('Returns and refunds');
    const body = fake.server.requests.at(-1)!.body as { messages: { role: string; content: string }[]; stream: boolean };
    expect(body.stream).toBe(true);
    expect(body.messages[0]!.role).toBe('system');
    expect(body.messages[0]!.content).toContain('<document number="1"');
    expect(body.messages.at(-1)).toEqual({ role: 'user', content: 'How many days do I have to return an item?' });
  });

  it('ends the turn after AGENT_TIMEOUT when the model never answers, offering a human', { timeout: 15_000 }, async () => {
    fake.server.handle(() => {}); // never answers
    const chat = await startChat(t.app);
    const turn = await chat.send('How many days do I have to return an item?');
    expect(turn.outcome).toBe('failed');
    expect(turn.reply).toBe(MODEL_FAILED_REPLY);
    expect(turn.sessionStats.failureCount).toBe(1);
  });
});
