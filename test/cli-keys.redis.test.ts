/** `frontline keys rotate`: sessions written under an old key are re-encrypted under the new primary key. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/index.js';
import { createSessionStore } from '../src/sessions/index.js';
import { REDIS_TEST_URL, uniqueRedisPrefix } from './helpers/services.js';

const CLI = path.resolve('dist/cli/main.js');

describe('frontline keys rotate', () => {
  it('re-encrypts every session so the old key can be dropped', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64url'); // the seed's Fernet-style url-safe form
    const base = { SESSION_STORE_TYPE: 'redis', REDIS_URL: REDIS_TEST_URL, REDIS_SESSION_KEY_PREFIX: uniqueRedisPrefix('rotate') };
    const before = await createSessionStore(loadSettings({ ...base, SESSION_ENCRYPTION_KEY: oldKey }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await before.create({ tokenHash: 'a'.repeat(64), metadata: { n: i } })).id);
    await before.close();

    const run = spawnSync(process.execPath, [CLI, 'keys', 'rotate'], {
      env: { PATH: process.env.PATH ?? '', ...base, SESSION_ENCRYPTION_KEY: `${newKey},${oldKey}` },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(report).toMatchObject({ sessions: 3, reencrypted: 3, failed: [] });

    const after = await createSessionStore(loadSettings({ ...base, SESSION_ENCRYPTION_KEY: newKey }));
    try {
      for (const [i, id] of ids.entries()) expect((await after.get(id))?.metadata).toEqual({ n: i });
    } finally {
      for (const id of ids) await after.delete(id);
      await after.close();
    }
  });
});
