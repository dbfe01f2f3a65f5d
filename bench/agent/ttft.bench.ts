/**
 * Time to first token with the local GGUF model (npx tsx bench/agent/ttft.bench.ts): at an SSE client of the
 * real server (HTTP, auth, lock, retrieval, prompt, streaming) vs raw node-llama-cpp on exactly the same prompt
 * (the one the agent built, recorded). Goal: within 5%. Runs alternate so machine noise hits both alike.
 * BENCH_RUNS tunes the sample size; the model is the one scripts/fetch-models.sh installs (or LOCAL_MODEL_PATH).
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem } from 'node-llama-cpp';
import { loadSettings } from '../../src/config/index.js';
import { createLocalModel, localModelPath, type CallOptions, type ChatMessage, type LanguageModel } from '../../src/llm/index.js';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../../test/helpers/app.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 12);
const MAX_TOKENS = 8;
const THREADS = 1;
const QUESTION = 'How many days do I have to return an item for a refund?';
const ARTICLE = [
  '# Refunds',
  'You can return any unused item within 30 days of delivery for a full refund.',
  'Refunds are paid to the original payment method within 5 business days of us receiving the item.',
].join('\n');

/** Passes every call through, keeping the last prompt. */
function recording(model: LanguageModel): LanguageModel & { last?: CallOptions } {
  const wrapper: LanguageModel & { last?: CallOptions } = {
    provider: model.provider,
    modelId: model.modelId,
    capabilities: model.capabilities,
    generate: (call) => ((wrapper.last = call), model.generate(call)),
    stream: (call) => ((wrapper.last = call), model.stream(call)),
    close: () => model.close(),
  };
  return wrapper;
}

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history = messages.map((m): ChatHistoryItem => (m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: 'user', text: m.content }));
  return [...history, { type: 'model', response: [] }];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const dir = tempDir('ttft-bench');
  const settings = loadSettings({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `sqlite:///${path.join(dir, 'bench.db')}`,
    SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
    RATE_LIMIT_ENABLED: 'false',
    ADMIN_API_KEY: 'fl_admin_bench',
    AI_PROVIDER: 'local',
    AGENT_MAX_TOKENS: String(MAX_TOKENS),
    AGENT_TEMPERATURE: '0',
    RAG_SIMILARITY_THRESHOLD: '0',
    PROCESS_UPLOADS_ASYNC: 'false',
  });
  const modelPath = localModelPath(settings);
  const model = recording(await createLocalModel({ modelPath, maxTokens: MAX_TOKENS, temperature: 0, threads: THREADS, maxConcurrency: 1 }));
  const app = await createApp(settings, { logger: createLogger(settings), model });
  const ingest = await app.inject({ method: 'POST', url: '/api/knowledge/documents', headers: { authorization: 'Bearer fl_admin_bench' }, payload: { title: 'Returns and refunds', content: ARTICLE } });
  if (ingest.statusCode !== 201) throw new Error(ingest.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: THREADS, logLevel: LlamaLogLevel.error });
  const raw = await llama.loadModel({ modelPath });
  const context = await raw.createContext({ sequences: 1, contextSize: 4096, threads: THREADS });
  const chat = new LlamaChat({ contextSequence: context.getSequence() });

  async function viaServer(): Promise<number> {
    const { sessionId, token } = (await (await fetch(`${base}/api/sessions`, { method: 'POST' })).json()) as { sessionId: string; token: string };
    const started = performance.now();
    const response = await fetch(`${base}/api/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: QUESTION }),
    });
    let first = 0;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      if (!first && buffer.includes('event: token')) first = performance.now() - started;
    }
    if (!first) throw new Error(`no token event: ${buffer.slice(0, 300)}`);
    return first;
  }

  async function rawFirstToken(messages: readonly ChatMessage[]): Promise<number> {
    const started = performance.now();
    let first = 0;
    await chat.generateResponse(toHistory(messages), { maxTokens: MAX_TOKENS, temperature: 0, onTextChunk: () => (first ||= performance.now() - started) });
    return first;
  }

  await viaServer(); // warm up both, and record the agent's prompt
  const prompt = model.last!.messages;
  await rawFirstToken(prompt);
  const server: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    server.push(await viaServer());
    direct.push(await rawFirstToken(prompt));
  }
  await app.close();
  chat.dispose();
  await context.dispose();
  await raw.dispose();
  await llama.dispose();

  const s = median(server);
  const d = median(direct);
  console.log(`time to first token, ${path.basename(modelPath)}, ${THREADS} thread(s), ${RUNS} runs each, prompt of ${JSON.stringify(prompt).length} chars`);
  console.log(`raw node-llama-cpp           median ${d.toFixed(1)} ms`);
  console.log(`SSE client of the server     median ${s.toFixed(1)} ms`);
  console.log(`server / raw = ${(s / d).toFixed(3)} (goal <= 1.05): ${s / d <= 1.05 ? 'met' : 'NOT met'}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
