/** Encryption at rest: nothing readable in a keyspace dump, and key rotation without losing a session. */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { ciphertextFormat, ciphertextKeyId, keyId, parseEncryptionKey } from '../../src/sessions/crypto.js';
import { rotateKeys } from '../../src/sessions/rotate.js';
import type { RedisSessionStore } from '../../src/sessions/redis/store.js';
import type { Session } from '../../src/sessions/types.js';
import { REDIS_TEST_URL, uniqueRedisPrefix } from '../helpers/services.js';
import { dropKeys, keysUnder, makeRedisStore, newSessionInput, TEST_KEYS } from './helpers.js';
import { sealE1 } from './legacy-e1.js';

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

/** Every value stored under the prefix, byte for byte: type-aware reads of each key plus its DUMP serialisation. */
async function dumpKeyspace(prefix: string): Promise<string> {
  const parts: Buffer[] = [];
  for (const key of await keysUnder(prefix)) {
    parts.push(Buffer.from(key));
    const type = await raw.type(key);
    if (type === 'hash') parts.push(...Object.entries(await raw.hgetallBuffer(key)).flatMap(([field, value]) => [Buffer.from(field), value]));
    if (type === 'list') parts.push(...(await raw.lrangeBuffer(key, 0, -1)));
    if (type === 'string') parts.push((await raw.getBuffer(key)) ?? Buffer.alloc(0));
    if (type === 'zset') parts.push(...(await raw.zrangeBuffer(key, 0, -1, 'WITHSCORES')));
    parts.push((await raw.dumpBuffer(key)) ?? Buffer.alloc(0));
  }
  return parts.map((part) => part.toString('latin1')).join('\n');
}

/** The stored values of a session: its encrypted data and each message of its window, as bytes. */
async function storedValues(prefix: string, id: string): Promise<Buffer[]> {
  return [(await raw.hgetBuffer(`${prefix}${id}`, 'd'))!, ...(await raw.lrangeBuffer(`${prefix}${id}:m`, 0, -1))];
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
    await raw.hset(`${store.keyPrefix}${b.id}`, 'd', (await raw.hgetBuffer(`${store.keyPrefix}${a.id}`, 'd'))!);
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
    for (const session of sessions) {
      for (const value of await storedValues(prefix, session.id)) expect(ciphertextKeyId(value)).toBe(newId);
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

  it('reads sessions stored as e1 text by earlier releases; rotateKeys rewrites their messages as e2 bytes', async () => {
    const [key] = TEST_KEYS;
    const prefix = uniqueRedisPrefix('legacy');
    const writer = make({ prefix, keys: [key] });
    const session = await writeSensitiveSession(writer);
    const expected = await writer.get(session.id);
    // Re-seal every stored value as the previous release did.
    const codec = writer.codec;
    const [data, ...messages] = await storedValues(prefix, session.id);
    await raw.hset(`${prefix}${session.id}`, 'd', sealE1(key, JSON.stringify(codec.decode(data!, `${session.id}:d`)), `${session.id}:d`));
    await raw.del(`${prefix}${session.id}:m`);
    const legacy = messages.map((m) => sealE1(key, JSON.stringify(codec.decode(m, `${session.id}:m`)), `${session.id}:m`));
    await raw.rpush(`${prefix}${session.id}:m`, ...legacy);
    for (const value of await storedValues(prefix, session.id)) expect(ciphertextFormat(value)).toBe('e1');

    const reader = make({ prefix, keys: [key], l1: false });
    expect(await reader.get(session.id)).toEqual(expected);
    expect(await rotateKeys(reader)).toEqual({ sessions: 1, reencrypted: 1, failed: [] });
    const [dataAfter, ...messagesAfter] = await storedValues(prefix, session.id);
    expect([dataAfter, ...messagesAfter].map((value) => ciphertextFormat(value!))).toEqual(['e1', ...messagesAfter.map(() => 'e2')]);
    const { messages: after, metadata } = (await reader.get(session.id))!;
    expect({ messages: after, metadata }).toEqual({ messages: expected!.messages, metadata: expected!.metadata });
  });
});
