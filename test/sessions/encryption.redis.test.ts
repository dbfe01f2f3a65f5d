/** Encryption at rest: nothing readable in a keyspace dump, and key rotation without losing a session. */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { ciphertextKeyId, keyId, parseEncryptionKey } from '../../src/sessions/crypto.js';
import { rotateKeys } from '../../src/sessions/rotate.js';
import type { RedisSessionStore } from '../../src/sessions/redis/store.js';
import type { Session } from '../../src/sessions/types.js';
import { REDIS_TEST_URL, uniqueRedisPrefix } from '../helpers/services.js';
import { dropKeys, keysUnder, makeRedisStore, newSessionInput, TEST_KEYS } from './helpers.js';

const SECRETS = {
  customer: 'customer-PLAINTEXT-4217',
  message: 'my card number is PLAINTEXT-5555',
  fact: 'allergic to PLAINTEXT-peanuts',
  metadata: 'vip-PLAINTEXT-tier',
};

let raw: Redis;
beforeAll(() => {
  raw = new Redis(REDIS_TEST_URL);
});
afterAll(() => raw.disconnect());

/** Every value stored under the prefix: type-aware reads of each key plus its DUMP serialisation. */
async function dumpKeyspace(prefix: string): Promise<string> {
  const parts: string[] = [];
  for (const key of await keysUnder(prefix)) {
    parts.push(key);
    const type = await raw.type(key);
    if (type === 'hash') parts.push(...Object.entries(await raw.hgetall(key)).flat());
    if (type === 'list') parts.push(...(await raw.lrange(key, 0, -1)));
    if (type === 'string') parts.push((await raw.get(key)) ?? '');
    if (type === 'zset') parts.push(...(await raw.zrange(key, 0, -1, 'WITHSCORES')));
    parts.push(((await raw.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('latin1'));
  }
  return parts.join('\n');
}

async function writeSensitiveSession(store: RedisSessionStore) {
  const session = await store.create(newSessionInput({ customerId: SECRETS.customer, metadata: { tier: SECRETS.metadata } }));
  const lock = await store.acquireLock(session.id);
  await lock.release({
    patch: { metadata: { facts: [SECRETS.fact] } },
    messages: [{ role: 'user', content: SECRETS.message }, { role: 'assistant', content: 'noted' }],
  });
  await store.acquireLock(session.id, { leaseMs: 60_000 }); // leave a lock and a token in the keyspace too
  return session;
}

describe('encryption at rest (redis)', () => {
  const open: RedisSessionStore[] = [];
  const prefixes: string[] = [];
  const make = (options: Parameters<typeof makeRedisStore>[0]) => {
    const store = makeRedisStore(options);
    open.push(store);
    prefixes.push(store.keyPrefix);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    await Promise.all(prefixes.splice(0).map((prefix) => dropKeys(prefix)));
  });

  it('a keyspace dump contains no message, fact, metadata value or customer id', async () => {
    const store = make({});
    const session = await writeSensitiveSession(store);
    const dump = await dumpKeyspace(store.keyPrefix);
    expect(dump).toContain(session.id); // the scan does see the keys...
    for (const secret of Object.values(SECRETS)) expect(dump).not.toContain(secret);
    for (const word of ['PLAINTEXT', 'card number', 'peanuts', 'facts', 'tier']) expect(dump).not.toContain(word);
    // ...and the store still reads everything back.
    const read = (await store.get(session.id))!;
    expect(read).toMatchObject({ customerId: SECRETS.customer, metadata: { tier: SECRETS.metadata, facts: [SECRETS.fact] } });
    expect(read.messages[0]!.content).toBe(SECRETS.message);
  });

  it('control: with encryption off the same scan finds the plaintext', async () => {
    const store = make({ keys: null });
    await writeSensitiveSession(store);
    const dump = await dumpKeyspace(store.keyPrefix);
    for (const secret of Object.values(SECRETS)) expect(dump).toContain(secret);
  });

  it('binds each ciphertext to its session: a blob copied to another session does not decrypt', async () => {
    const store = make({ l1: false });
    const [a, b] = await Promise.all([store.create(newSessionInput()), store.create(newSessionInput())]);
    await raw.hset(`${store.keyPrefix}${b.id}`, 'd', (await raw.hget(`${store.keyPrefix}${a.id}`, 'd'))!);
    await expect(store.get(b.id)).rejects.toBeInstanceOf(InternalError);
  });

  it('rotates keys: old data readable with [new, old], re-encrypted by rotateKeys, then readable with [new] alone', async () => {
    const [oldKey, newKey] = TEST_KEYS;
    const prefix = uniqueRedisPrefix('rotation');
    const before = make({ prefix, keys: [oldKey] });
    const sessions = await Promise.all([writeSensitiveSession(before), writeSensitiveSession(before), before.create(newSessionInput())]);
    const expected = await Promise.all(sessions.map((s) => before.get(s.id)));

    const during = make({ prefix, keys: [newKey, oldKey] });
    for (const [i, session] of sessions.entries()) expect(await during.get(session.id)).toEqual(expected[i]);
    await during.appendMessage(sessions[0].id, { role: 'user', content: 'written during rotation' });

    const report = await rotateKeys(during);
    expect(report).toEqual({ sessions: 3, reencrypted: 3, failed: [] });
    expect((await rotateKeys(during)).reencrypted).toBe(0);
    const newId = keyId(parseEncryptionKey(newKey));
    const stored = (await keysUnder(prefix)).filter((key) => !key.includes('#') && !key.endsWith(':lock'));
    for (const key of stored) {
      const values = (await raw.type(key)) === 'hash' ? [(await raw.hget(key, 'd'))!] : await raw.lrange(key, 0, -1);
      for (const value of values) expect(ciphertextKeyId(value)).toBe(newId);
    }

    const after = make({ prefix, keys: [newKey] });
    const stable = (session: Session | null) => {
      const { tokenHash, customerId, status, metadata, createdAt, expiresAt, messages } = session!;
      return { tokenHash, customerId, status, metadata, createdAt, expiresAt, messages: messages.slice(0, 2) };
    };
    for (const [i, session] of sessions.entries()) expect(stable(await after.get(session.id))).toEqual(stable(expected[i]!));
    expect((await after.get(sessions[0].id))!.messages.at(-1)!.content).toBe('written during rotation');
    const withOldOnly = make({ prefix, keys: [oldKey], l1: false });
    await expect(withOldOnly.get(sessions[0].id)).rejects.toBeInstanceOf(InternalError);
  });
});
