/**
 * Turn pipeline overhead (npx tsx bench/agent/turn.bench.ts): everything a chat turn does except model inference
 * and the query embedding (authorise, lock, store the message, search the help centre, learn and recall
 * customer facts, check the reply, store it, write the session and unlock), through the real HTTP route, beside
 * a bare Fastify route on the same app doing one session-store get and one set. Goal: turn p50 <= 2 ms.
 *
 * The model is a scripted one that answers at once; the knowledge base runs lexical-only (no embedding model),
 * over BENCH_DOCS synthetic help articles in SQLite. BENCH_TURNS tunes the sample size.
 */
import path from 'node:path';
import { createScriptedModel } from '../../src/llm/index.js';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../../test/helpers/app.js';
import { addArticle, benchSettings } from './app.js';

const TURNS = Number(process.env.BENCH_TURNS ?? 600);
const DOCS = Number(process.env.BENCH_DOCS ?? 300);
const WARMUP = 50;

const TOPICS = ['refund', 'delivery', 'password', 'invoice', 'warranty', 'subscription', 'card', 'account', 'return', 'exchange'];
const QUESTIONS = TOPICS.map((topic) => `How does the ${topic} process work for my order?`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarise(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
}

async function main(): Promise<void> {
  const settings = benchSettings('turn-bench', {
    AI_PROVIDER: 'extractive',
    // No embedding model: lexical-only search, so no query embedding is timed.
    MODEL_CACHE_DIR: path.join(tempDir('no-models'), 'none'),
  });
  const model = createScriptedModel({ loop: true, steps: [{ text: 'Here is how it works, step by step [1].' }] });
  const app = await createApp(settings, { logger: createLogger(settings), model });
  const { sessionStore } = app.services;
  app.get('/bench/bare/:id', async (request) => {
    const { id } = request.params as { id: string };
    const session = await sessionStore.get(id);
    await sessionStore.update(id, { metadata: { seen: (session?.revision ?? 0) + 1 } });
    return { ok: true };
  });
  await app.ready();

  for (let i = 0; i < DOCS; i++) {
    const topic = TOPICS[i % TOPICS.length]!;
    const content = `# ${topic} guide ${i}\nThe ${topic} process for orders takes ${i % 9 + 1} business days. Contact support with your order number if the ${topic} is delayed. Section ${i} explains fees, timing and exceptions for ${topic} requests.`;
    await addArticle(app, `${topic} guide ${i}`, content);
  }

  // Many sessions, a few turns each, as real traffic is.
  const sessions: { id: string; auth: string }[] = [];
  for (let i = 0; i < 100; i++) {
    const created = (await app.inject({ method: 'POST', url: '/api/sessions' })).json() as { sessionId: string; token: string };
    sessions.push({ id: created.sessionId, auth: `Bearer ${created.token}` });
  }

  const turn: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < TURNS + WARMUP; i++) {
    const session = sessions[i % sessions.length]!;
    // Alternate the two so machine noise hits both alike.
    let started = performance.now();
    const response = await app.inject({
      method: 'POST',
      url: `/api/sessions/${session.id}/messages`,
      headers: { authorization: session.auth },
      payload: { message: QUESTIONS[i % QUESTIONS.length] },
    });
    const turnMs = performance.now() - started;
    if (response.statusCode !== 200) throw new Error(`turn failed: ${response.body}`);
    started = performance.now();
    await app.inject({ method: 'GET', url: `/bench/bare/${session.id}` });
    const bareMs = performance.now() - started;
    if (i >= WARMUP) {
      turn.push(turnMs);
      bare.push(bareMs);
    }
  }
  await app.close();

  const t = summarise(turn);
  const b = summarise(bare);
  const row = (name: string, s: ReturnType<typeof summarise>) =>
    `${name.padEnd(34)} ${s.p50.toFixed(3).padStart(8)} ${s.p90.toFixed(3).padStart(8)} ${s.p99.toFixed(3).padStart(8)}`;
  console.log(`turn pipeline overhead: ${TURNS} turns over ${sessions.length} sessions, ${DOCS} articles (SQLite, memory store, lexical search)`);
  console.log(`${'ms'.padEnd(34)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)}`);
  console.log(row('bare route: store get + set', b));
  console.log(row('chat turn (no model, no embedding)', t));
  console.log(`turn p50 / bare p50 = ${(t.p50 / b.p50).toFixed(1)}x; turn p50 ${t.p50.toFixed(2)} ms (goal <= 2 ms): ${t.p50 <= 2 ? 'met' : 'NOT met'}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
