/**
 * The real services the integration tests use. Tests never skip when a service is down: they fail with a
 * message naming the service and the command that starts it.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const START_REDIS =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis';

export async function assertPostgresUp(url = POSTGRES_ADMIN_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not answering at ${url} (${(error as Error).message}). Start it with: ${START_POSTGRES}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function assertRedisUp(url = REDIS_TEST_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`Redis is not answering at ${url} (${(error as Error).message}). Start it with: ${START_REDIS}`);
  } finally {
    client.disconnect();
  }
}

/**
 * A fresh PostgreSQL database for one test file, dropped by `drop()`. Each file gets its own so files can run
 * side by side without seeing each other's rows.
 */
export async function createTestPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  await assertPostgresUp();
  const name = `frontline_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** A key prefix unique to one test, so tests sharing the machine's Redis never see each other's keys. */
export function uniqueRedisPrefix(label = 'test'): string {
  return `frontline-test:${label}:${randomBytes(4).toString('hex')}:`;
}
