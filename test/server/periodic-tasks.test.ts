/** The periodic cleanup runs every SESSION_CLEANUP_INTERVAL_SECONDS and its work is visible in /health. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/processes.js';

describe('periodic cleanup', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ SESSION_CLEANUP_INTERVAL_SECONDS: '1' });
  });
  afterAll(async () => t.close());

  it('removes expired customer facts on its interval and reports its runs', async () => {
    const { customerFacts } = t.app.services.repositories;
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    await customerFacts.upsert({ customerId: 'c-1', key: 'order', value: 'A-1', confidence: 1, expiresAt: past });
    await customerFacts.upsert({ customerId: 'c-1', key: 'name', value: 'Ada', confidence: 1, expiresAt: future });

    t.app.services.tasks.start();
    await waitFor(async () => t.app.services.tasks.stats().cleanup!.runs >= 1, 10_000, 'the cleanup task to run');

    const remaining = await customerFacts.listForCustomer('c-1', { now: past });
    expect(remaining.map((fact) => fact.key)).toEqual(['name']);
    const health = (await t.app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.tasks.cleanup.intervalMs).toBe(1000);
    expect(health.tasks.cleanup.runs).toBeGreaterThanOrEqual(1);
  });
});
