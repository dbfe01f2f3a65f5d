/**
 * Time to first token with the local GGUF model (npx tsx bench/agent/ttft.bench.ts): at an SSE client of the
 * real server (HTTP, auth, lock, retrieval, prompt, streaming) vs raw node-llama-cpp on exactly the same prompt
 * (the one the agent built, recorded). Goal: within 5%. Runs alternate so machine noise hits both alike.
 * BENCH_RUNS tunes the sample size; the model is the one scripts/fetch-models.sh installs (or LOCAL_MODEL_PATH).
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, type ChatHistoryItem } from 'node-llama-cpp';
import { createLocalModel, localModelPath, type CallOptions, type ChatMessage, type LanguageModel } from '../../src/llm/index.js';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { addArticle, benchSettings, REFUND_ARTICLE } from './app.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 12);
const MAX_TOKENS = 8;
const THREADS = 1;
/** A different question each run, as in real traffic: no run finds its prompt already evaluated in the KV cache. */
const QUESTIONS = [
  'How many days do I have to return an item for a refund?',
  'When will my refund reach my card after I send the item back?',
  'Can I return something I bought three weeks ago?',
  'How long does standard delivery take to arrive?',
  'If I order before 2pm will express delivery come tomorrow?',
  'Do I get all my money back when I return an unused item?',
  'What happens after you receive my returned parcel?',
  'Is next day delivery available for my order?',
  'How quickly are refunds paid to the original payment method?',
  'What is the deadline for returning an unused product?',
  'How many business days does standard shipping take?',
  'I ordered at 1pm, will express delivery arrive the next business day?',
  'Do you refund returns to my original card or as store credit?',
  'Could I still send back an item after 30 days?',
];


/** Passes every call through, keeping the last prompt and when the call began and its first text arrived. */
function recording(model: LanguageModel): LanguageModel & { last?: CallOptions; calledAt?: number; firstTextAt?: number } {
  const wrapper: LanguageModel & { last?: CallOptions; calledAt?: number; firstTextAt?: number } = {
    provider: model.provider,
    modelId: model.modelId,
    capabilities: model.capabilities,
    generate: (call) => ((wrapper.last = call), model.generate(call)),
    stream: (call) => {
      wrapper.last = call;
      wrapper.calledAt = performance.now();
      wrapper.firstTextAt = undefined;
      const inner = model.stream(call);
      return (async function* () {
        for await (const part of inner) {
          if (part.type === 'text-delta') wrapper.firstTextAt ??= performance.now();
          yield part;
        }
      })();
    },
    close: () => model.close(),
  };
  return wrapper;
}

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history = messages.map((m): ChatHistoryItem => (m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: 'user', text: m.content }));
  return [...history, { type: 'model', response: [] }];
}

/** When the server said it started working on the answer (after the turn's checks, before retrieval). */
const typingTimes: number[] = [];
/** When the agent called the model, and when the model's first text reached the agent. */
const modelCalled: number[] = [];
const modelFirstText: number[] = [];
let startedAt = 0;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const settings = benchSettings('ttft-bench', { AI_PROVIDER: 'local', AGENT_MAX_TOKENS: String(MAX_TOKENS), AGENT_TEMPERATURE: '0' });
  const modelPath = localModelPath(settings);
  const model = recording(await createLocalModel({ modelPath, maxTokens: MAX_TOKENS, temperature: 0, threads: THREADS, maxConcurrency: 1 }));
  const app = await createApp(settings, { logger: createLogger(settings), model });
  await addArticle(app, 'Returns and refunds', REFUND_ARTICLE);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: THREADS, logLevel: LlamaLogLevel.error });
  const raw = await llama.loadModel({ modelPath });
  const context = await raw.createContext({ sequences: 1, contextSize: 4096, threads: THREADS });
  const chat = new LlamaChat({ contextSequence: context.getSequence() });

  async function viaServer(question: string): Promise<number> {
    const { sessionId, token } = (await (await fetch(`${base}/api/sessions`, { method: 'POST' })).json()) as { sessionId: string; token: string };
    const started = performance.now();
    startedAt = started;
    const response = await fetch(`${base}/api/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: question }),
    });
    let first = 0;
    let typing = 0;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      if (!typing && buffer.includes('event: typing')) typing = performance.now() - started;
      if (!first && buffer.includes('event: token')) first = performance.now() - started;
    }
    if (!first) throw new Error(`no token event: ${buffer.slice(0, 300)}`);
    typingTimes.push(typing);
    modelCalled.push(model.calledAt! - started);
    modelFirstText.push(model.firstTextAt! - started);
    return first;
  }

  async function rawFirstToken(messages: readonly ChatMessage[]): Promise<number> {
    const started = performance.now();
    let first = 0;
    await chat.generateResponse(toHistory(messages), { maxTokens: MAX_TOKENS, temperature: 0, onTextChunk: () => (first ||= performance.now() - started) });
    return first;
  }

  // Warm up both (model pages, JIT); then each run: the server answers a new question, and raw node-llama-cpp
  // gets exactly the prompt the agent built for it.
  await viaServer(QUESTIONS[QUESTIONS.length - 1]!);
  await rawFirstToken(model.last!.messages);
  const server: number[] = [];
  typingTimes.length = 0;
  modelCalled.length = 0;
  modelFirstText.length = 0;
  const direct: number[] = [];
  let promptChars = 0;
  for (let i = 0; i < RUNS; i++) {
    server.push(await viaServer(QUESTIONS[i % (QUESTIONS.length - 1)]!));
    const prompt = model.last!.messages;
    promptChars += JSON.stringify(prompt).length;
    direct.push(await rawFirstToken(prompt));
  }
  await app.close();
  chat.dispose();
  await context.dispose();
  await raw.dispose();
  await llama.dispose();

  const s = median(server);
  const d = median(direct);
  // Each server run is followed by a raw run on its prompt: the median of these paired ratios is what the goal
  // is judged on, since load from elsewhere on the machine shifts a pair far less than it shifts the two medians.
  const paired = median(server.map((time, i) => time / direct[i]!));
  console.log(`time to first token, ${path.basename(modelPath)}, ${THREADS} thread(s), ${RUNS} runs each, prompts of ${Math.round(promptChars / RUNS)} chars on average`);
  console.log(`raw node-llama-cpp           median ${d.toFixed(1)} ms`);
  console.log(`SSE client of the server     median ${s.toFixed(1)} ms`);
  console.log(
    `  where the time goes (medians): typing event ${median(typingTimes).toFixed(1)} ms, model called ${median(modelCalled).toFixed(1)} ms, ` +
      `model's first text ${median(modelFirstText).toFixed(1)} ms, first token event at the client ${s.toFixed(1)} ms`,
  );
  console.log(`server / raw, ratio of the medians = ${(s / d).toFixed(3)}`);
  console.log(`server / raw, median of the ${RUNS} paired ratios = ${paired.toFixed(3)} (goal <= 1.05): ${paired <= 1.05 ? 'met' : 'NOT met'}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
