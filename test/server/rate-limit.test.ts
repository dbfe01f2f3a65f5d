/** RATE_LIMIT_*: exact counts, headers and the 429 envelope, in memory and shared through Redis. */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { REDIS_TEST_URL } from '../helpers/services.js';

const LIMITED = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_REQUESTS: '3', RATE_LIMIT_PERIOD: '60' };

describe('rate limiting in memory', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(LIMITED);
  });
  afterAll(async () => t.close());

  it('allows exactly RATE_LIMIT_REQUESTS per period, then answers 429 with Retry-After', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await t.app.inject({ method: 'GET', url: '/' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBe('3');
      remaining.push(String(response.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const limited = await t.app.inject({ method: 'GET', url: '/' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const { error } = limited.json();
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.requestId).toBe(limited.headers['x-request-id']);
  });

  it('never limits the health probes or metrics', async () => {
    for (let i = 0; i < 10; i += 1) {
      expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    }
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });

  it('counts each client separately', async () => {
    const other = await t.app.inject({ method: 'GET', url: '/', remoteAddress: '10.9.8.7' });
    expect(other.statusCode).toBe(200);
    expect(other.headers['x-ratelimit-remaining']).toBe('2');
  });
});

describe('rate limiting shared through Redis', () => {
  it('two instances share one budget per client', async () => {
    const env = { ...LIMITED, RATE_LIMIT_STORAGE: 'redis', REDIS_URL: REDIS_TEST_URL };
    const first = await buildTestApp(env);
    const second = await buildTestApp(env);
    // A random client address keeps this run's counter apart from earlier runs on the shared Redis.
    const client = { remoteAddress: `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}` };
    try {
      expect((await first.app.inject({ method: 'GET', url: '/', ...client })).statusCode).toBe(200);
      expect((await second.app.inject({ method: 'GET', url: '/', ...client })).statusCode).toBe(200);
      expect((await first.app.inject({ method: 'GET', url: '/', ...client })).statusCode).toBe(200);
      const limited = await second.app.inject({ method: 'GET', url: '/', ...client });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      const health = await first.app.inject({ method: 'GET', url: '/health/ready' });
      expect(health.json().checks.redis.status).toBe('ok');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
