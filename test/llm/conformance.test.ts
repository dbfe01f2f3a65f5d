/**
 * The conformance suite against the providers that need nothing but this process: OpenAI-compatible and Azure
 * (against the local wire-format server), extractive and scripted. The local GGUF provider runs it in
 * local.test.ts, beside its own tests, so the model is loaded once.
 */
import { afterAll, beforeAll } from 'vitest';
import { createAzureModel } from '../../src/llm/azure.js';
import { createExtractiveModel } from '../../src/llm/extractive.js';
import { createOpenAICompatibleModel } from '../../src/llm/openai-compatible.js';
import { createDevMockModel } from '../../src/llm/scripted.js';
import { describeLanguageModelConformance } from './conformance.js';
import { chunkEvent, DONE_EVENT, sendCompletion, startFakeOpenAIServer, startStream, type FakeOpenAIServer } from './fake-openai-server.js';

const ANSWER = 'You can return an item within 30 days of delivery for a full refund, using the returns portal.';
let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  // A server that answers like a model: whole, or word by word with a little delay (so aborts land mid-stream).
  server.handle(async (request, res) => {
    if (!request.body.stream) return sendCompletion(res, { content: ANSWER });
    startStream(res);
    for (const word of ANSWER.split(/(?= )/)) {
      if (res.destroyed) return;
      res.write(chunkEvent({ content: word }));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    res.write(chunkEvent({}, 'stop'));
    res.end(DONE_EVENT);
  });
});
afterAll(() => server.close());

const http = { model: 'test-model', timeoutMs: 5_000, maxRetries: 1, backoff: { baseDelayMs: 5, maxDelayMs: 5 } };

describeLanguageModelConformance({
  name: 'openai-compatible',
  create: () => createOpenAICompatibleModel({ ...http, baseUrl: server.baseUrl, apiKey: 'sk-conformance-key' }),
});
describeLanguageModelConformance({
  name: 'azure',
  create: () => createAzureModel({ ...http, endpoint: server.origin, apiKey: 'azure-conformance-key', deployment: 'd1' }),
});
describeLanguageModelConformance({ name: 'extractive', create: () => createExtractiveModel() });
describeLanguageModelConformance({ name: 'scripted (DEV_MOCK_AI)', create: () => createDevMockModel() });
