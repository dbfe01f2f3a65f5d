/**
 * Session store benchmark (npx tsx bench/sessions/store.bench.ts). Prints, measured in one run:
 *   1. encrypted get+update through the Redis store vs raw ioredis GET+SET of the same payload, same
 *      concurrency: throughput ratio (target >= 50%);
 *   2. Redis round trips per chat turn (lock+load, then save+unlock) from INFO commandstats (target <= 3).
 * It starts its own redis-server on a free port so that nothing else pollutes the command statistics
 * (BENCH_REDIS_URL=redis://... uses an existing server instead). BENCH_CONCURRENCY, BENCH_OPS tune the load.
 */
import { PrivateRedis } from '../../test/helpers/processes.js';
import { Redis } from 'ioredis';
import { loadSettings } from '../../src/config/index.js';
import { createSessionStore, generateEncryptionKey, withSessionLock, type SessionStore } from '../../src/sessions/index.js';
import { createSessionRedisClient } from '../../src/sessions/redis/connection.js';

const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map(Number);
const OPS = Number(process.env.BENCH_OPS ?? 3000);
const ROUNDS = 3;
const SESSIONS = 64;
const TURNS = 200;
const PREFIX = 'bench:sessions:';

/** A redis-server of the bench's own (nothing else's commands in INFO commandstats), unless BENCH_REDIS_URL is set. */
async function privateRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL, stop: async () => undefined };
  const redis = await PrivateRedis.start();
  return { url: redis.url, stop: () => redis.stop() };
}

/** Runs `op(i)` `ops` times with `concurrency` in flight; returns operations per second. */
async function throughput(op: (i: number) => Promise<unknown>, concurrency: number, ops = OPS): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ops) await op(next++);
    }),
  );
  return ops / ((performance.now() - started) / 1000);
}

async function commandCalls(info: Redis): Promise<Map<string, number>> {
  const text = await info.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const result = new Map<string, number>();
  for (const [name, calls] of after) {
    const diff = calls - (before.get(name) ?? 0);
    if (diff > 0 && name !== 'info') result.set(name, diff);
  }
  return result;
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const redis = await privateRedis();
  const settings = loadSettings({
    SESSION_STORE_TYPE: 'redis',
    REDIS_URL: redis.url,
    REDIS_SESSION_KEY_PREFIX: PREFIX,
    SESSION_ENCRYPTION_KEY: generateEncryptionKey(),
    SESSION_ENCRYPTION_ENABLED: process.env.BENCH_ENCRYPTION ?? 'true',
  });
  let sent = 0;
  const store: SessionStore = await createSessionStore(settings, {
    redis: () => {
      const client = createSessionRedisClient(redis.url, settings.redis);
      const send = client.sendCommand.bind(client);
      client.sendCommand = ((...args: Parameters<typeof send>) => ((sent += 1), send(...args))) as typeof client.sendCommand;
      return client;
    },
  });
  const raw = new Redis(redis.url);
  const info = new Redis(redis.url);

  // A realistic live session: 20 messages, a few facts in metadata.
  const ids: string[] = [];
  for (let s = 0; s < SESSIONS; s += 1) {
    const { id } = await store.create({ tokenHash: 'f'.repeat(64), customerId: `customer-${s}`, metadata: { plan: 'gold', facts: ['prefers email', 'has two cards'] } });
    for (let m = 0; m < 20; m += 1) {
      await store.appendMessage(id, { role: m % 2 ? 'assistant' : 'user', content: `message ${m} `.padEnd(200, 'lorem ipsum ') });
    }
    ids.push(id);
  }
  const payload = JSON.stringify(await store.get(ids[0]!));
  for (let s = 0; s < SESSIONS; s += 1) await raw.set(`bench:raw:${s}`, payload, 'PX', 1_800_000);

  const storeOp = async (i: number) => {
    const id = ids[i % SESSIONS]!;
    await store.get(id);
    await store.update(id, { metadata: { step: i } });
  };
  const rawOp = async (i: number) => {
    const key = `bench:raw:${i % SESSIONS}`;
    await raw.get(key);
    await raw.set(key, payload, 'PX', 1_800_000);
  };
  await throughput(storeOp, 8, 1000); // warm-up: JIT, script cache, L1
  await throughput(rawOp, 8, 1000);
  // Raw and store runs alternate; the ratio of each pair is taken, and the median of the pairs reported, so
  // that load from other processes on the machine hits both sides alike.
  const levels = [];
  for (const concurrency of LEVELS) {
    const pairs: { raw: number; store: number; ratio: number }[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      const raw = await throughput(rawOp, concurrency);
      const stored = await throughput(storeOp, concurrency);
      pairs.push({ raw, store: stored, ratio: stored / raw });
    }
    pairs.sort((a, b) => a.ratio - b.ratio);
    levels.push({ concurrency, ...pairs[Math.floor(pairs.length / 2)]! });
  }

  // One chat turn: lock + load, then save (two messages, counters, touch) + unlock.
  const before = await commandCalls(info);
  const sentBefore = sent;
  for (let t = 0; t < TURNS; t += 1) {
    await withSessionLock(store, ids[t % SESSIONS]!, async (locked) => {
      locked.stage({
        messages: [{ role: 'user', content: 'where is my card?' }, { role: 'assistant', content: 'It was posted on Monday.' }],
        increments: { tokenCount: 42 },
        touch: true,
      });
    });
  }
  const used = delta(before, await commandCalls(info));
  const scripts = (used.get('evalsha') ?? 0) + (used.get('eval') ?? 0);

  console.log(`session store benchmark (redis ${redis.url}; ${OPS} ops per run; median of ${ROUNDS} alternating runs)`);
  console.log(`  payload: ${payload.length} bytes (a session with 20 messages); store: AES-256-GCM ${settings.sessions.encryptionEnabled ? 'on' : 'OFF'}, L1 on`);
  console.log('  concurrency   raw GET+SET ops/s   store get+update ops/s   ratio (target >= 50%)');
  for (const level of levels) {
    console.log(
      `  ${String(level.concurrency).padStart(11)}   ${level.raw.toFixed(0).padStart(17)}   ${level.store.toFixed(0).padStart(22)}   ${(level.ratio * 100).toFixed(1).padStart(6)}%`,
    );
  }
  console.log(`  chat turn (lock+load, save+unlock), ${TURNS} turns:`);
  console.log(`    round trips per turn (EVALSHA+EVAL in commandstats): ${(scripts / TURNS).toFixed(2)} (target <= 3)`);
  console.log(`    commands sent by the client per turn: ${((sent - sentBefore) / TURNS).toFixed(2)}`);
  console.log(`    commands run inside Redis per turn (incl. inside scripts): ${(sum(used.values()) / TURNS).toFixed(2)}`);

  await store.close();
  raw.disconnect();
  info.disconnect();
  if (process.env.BENCH_REDIS_URL) {
    const cleanup = new Redis(redis.url);
    for await (const keys of cleanup.scanStream({ match: 'bench:*', count: 1000 })) {
      if ((keys as string[]).length > 0) await cleanup.del(...(keys as string[]));
    }
    cleanup.disconnect();
  }
  await redis.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
