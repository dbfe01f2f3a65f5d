/** The session API on the Redis store: same behaviour as memory, encrypted at rest, and clean failure when Redis is away. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { PrivateRedis, waitFor } from '../helpers/processes.js';
import { REDIS_TEST_URL, uniqueRedisPrefix } from '../helpers/services.js';
import { sessionApiSuite, strictFingerprintCheck } from './sessions.suite.js';

const key = randomBytes(32).toString('base64');
const redisEnv = (url = REDIS_TEST_URL) => ({
  SESSION_STORE_TYPE: 'redis',
  REDIS_URL: url,
  SESSION_ENCRYPTION_KEY: key,
  REDIS_SESSION_KEY_PREFIX: uniqueRedisPrefix('api'),
});

sessionApiSuite('redis', () => redisEnv());

describe('session API on Redis', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('refuses a hijacked session with 403 in strict mode', () => strictFingerprintCheck(redisEnv()));

  it('keeps no plaintext metadata in Redis', async () => {
    const env = redisEnv();
    const t = await buildTestApp(env);
    cleanups.push(() => t.close());
    const marker = `plaintext-marker-${randomBytes(4).toString('hex')}`;
    const created = await t.app.inject({ method: 'POST', url: '/api/sessions', payload: { metadata: { page: marker } } });
    expect(created.statusCode).toBe(201);
    const redis = new Redis(REDIS_TEST_URL);
    cleanups.push(async () => redis.quit());
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${env.REDIS_SESSION_KEY_PREFIX}*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    expect(keys.length).toBeGreaterThan(0);
    for (const name of keys) {
      const dump = await redis.dumpBuffer(name);
      expect(dump?.toString('latin1') ?? '').not.toContain(marker);
    }
  });

  it('fails session requests fast with 503 while Redis hangs, then recovers with nothing lost', async () => {
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.stop());
    const t = await buildTestApp({ ...redisEnv(redis.url), REDIS_SOCKET_TIMEOUT: '0.5', SESSION_L1_CACHE_ENABLED: 'false' });
    cleanups.push(() => t.close());
    const created = (await t.app.inject({ method: 'POST', url: '/api/sessions' })).json();
    const read = () => t.app.inject({ method: 'GET', url: `/api/sessions/${created.sessionId}`, headers: { authorization: `Bearer ${created.token}` } });
    expect((await read()).statusCode).toBe(200);

    redis.pause();
    const during = await read();
    expect(during.statusCode).toBe(503);
    expect(during.json().error.code).toBe('SESSION_STORE_UNAVAILABLE');
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.session_store.status).toBe('error');
    expect((await t.app.inject({ method: 'POST', url: '/api/sessions' })).statusCode).toBe(503);

    redis.resume();
    await waitFor(async () => (await read()).statusCode === 200, 15_000, 'session reads to recover');
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});
