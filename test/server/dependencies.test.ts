/**
 * Dependencies that go away: readiness turns 503 naming the failing check and comes back by itself; start-up
 * fails fast with a clear message when a required dependency does not answer.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { buildTestApp, testSettings } from '../helpers/app.js';
import { PrivateRedis, waitFor } from '../helpers/processes.js';

describe('dependencies', () => {
  it('readiness is 503 naming redis while Redis is down, and recovers when it returns', async () => {
    const redis = await PrivateRedis.start();
    const t = await buildTestApp({ RATE_LIMIT_STORAGE: 'redis', REDIS_URL: redis.url, REDIS_SOCKET_TIMEOUT: '0.5' });
    try {
      expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      await redis.stop();
      const down = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(down.statusCode).toBe(503);
      const body = down.json();
      expect(body.status).toBe('not_ready');
      expect(body.checks.redis.status).toBe('error');
      expect(body.checks.redis.error).toBeTruthy();
      expect(body.checks.database.status).toBe('ok');
      // Liveness is about the process, not its dependencies.
      expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);

      await redis.start();
      await waitFor(async () => (await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200, 15_000, 'readiness to recover');
    } finally {
      await t.close();
      await redis.stop();
    }
  });

  it('refuses to start when DATABASE_URL points at a PostgreSQL that does not answer, without leaking the password', async () => {
    const settings = testSettings({ DATABASE_URL: 'postgresql://frontline:pa55word-xyz@127.0.0.1:1/frontline', DATABASE_POOL_TIMEOUT: '2' });
    const error = await createApp(settings, { logger: createLogger({ ...settings, app: { ...settings.app, logLevel: 'silent' } }) }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1/);
    expect((error as Error).message).not.toContain('pa55word-xyz');
  });

  it('refuses to start when Redis is required but does not answer', async () => {
    const redis = await PrivateRedis.start();
    await redis.stop();
    const settings = testSettings({ RATE_LIMIT_STORAGE: 'redis', REDIS_URL: redis.url, REDIS_SOCKET_CONNECT_TIMEOUT: '1' });
    const error = await createApp(settings, { logger: createLogger({ ...settings, app: { ...settings.app, logLevel: 'silent' } }) }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+\/0 does not answer/);
  });
});
