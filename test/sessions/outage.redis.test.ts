/**
 * Redis going away and coming back, on a redis-server this test starts and stops itself (not the machine's
 * shared one): session calls fail fast with SESSION_STORE_UNAVAILABLE and work again once Redis is back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStoreUnavailableError } from '../../src/errors.js';
import { withSessionLock } from '../../src/sessions/locks.js';
import type { RedisSessionStore } from '../../src/sessions/redis/store.js';
import { makeRedisStore, newSessionInput, sleep } from './helpers.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

class RedisProcess {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child.on('error', (error) => {
      throw new Error(`could not start redis-server (is it installed?): ${error.message}`);
    });
    await waitFor(async () => {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined); // refused until the server listens: expected here
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, `redis-server on port ${this.port}`);
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
      this.child = undefined;
    } else {
      child.kill(signal);
    }
  }
}

describe('redis outage', () => {
  let redis: RedisProcess;
  let store: RedisSessionStore;

  beforeAll(async () => {
    redis = new RedisProcess(await freePort());
    await redis.start();
    store = makeRedisStore({ url: redis.url, socketTimeoutMs: 500 });
  });
  afterAll(async () => {
    await redis.signal('SIGCONT');
    await store?.close();
    await redis.signal('SIGKILL');
  });

  it('fails fast while Redis is down and recovers by itself when it returns', async () => {
    const { id } = await store.create(newSessionInput());
    await store.appendMessage(id, { role: 'user', content: 'before the outage' });
    expect(await store.health()).toMatchObject({ ok: true });

    await redis.signal('SIGKILL');
    for (const call of [
      () => store.get(id),
      () => store.create(newSessionInput()),
      () => store.increment(id, 'failureCount'),
      () => store.acquireLock(id),
      () => store.stats(),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    }
    const down = await store.health();
    expect(down.ok).toBe(false);

    await redis.start(); // same port; nothing was persisted (--save "")
    await waitFor(async () => (await store.health()).ok, 'the store to reconnect');
    // Scripts are loaded again on first use (EVALSHA falls back to EVAL after NOSCRIPT).
    const session = await store.create(newSessionInput());
    await withSessionLock(store, session.id, async (locked) => {
      locked.stage({ messages: [{ role: 'user', content: 'after the outage' }] });
    });
    expect((await store.get(session.id))!.messages.map((m) => m.content)).toEqual(['after the outage']);
  });

  it('does not hang on a Redis that stops answering: commands time out as unavailable', async () => {
    const { id } = await store.create(newSessionInput());
    await redis.signal('SIGSTOP');
    try {
      await expect(store.get(id)).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      await expect(store.update(id, { status: 'closed' })).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    } finally {
      await redis.signal('SIGCONT');
    }
    await waitFor(async () => (await store.get(id)) !== null, 'the store to answer again');
    expect((await store.update(id, { status: 'closed' })).status).toBe('closed');
  });
});
