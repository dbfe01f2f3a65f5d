import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/index.js';
import { createSessionStore } from '../../src/sessions/index.js';
import { MemorySessionStore } from '../../src/sessions/memory/store.js';
import { runSessionStoreConformance } from './conformance.suite.js';
import { makeMemoryStore, newSessionInput } from './helpers.js';

runSessionStoreConformance('memory', {
  make: (options) => makeMemoryStore(options),
  dispose: (store) => store.close(),
});

describe('memory session store', () => {
  it('evicts the least recently used session past SESSION_MAX_SESSIONS', async () => {
    const store = makeMemoryStore({ maxSessions: 3 });
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => store.create(newSessionInput())));
    await store.get(a!.id); // a is now more recent than b
    const d = await store.create(newSessionInput());
    expect(await store.get(b!.id)).toBeNull();
    for (const kept of [a, c, d]) expect(await store.get(kept!.id)).not.toBeNull();
    expect((await store.stats()).activeSessions).toBe(3);
    await store.close();
  });

  it('is what createSessionStore builds for SESSION_STORE_TYPE=memory', async () => {
    const settings = loadSettings({ SESSION_STORE_TYPE: 'memory', SESSION_TIMEOUT_MINUTES: '2', SESSION_MAX_MESSAGES: '7' });
    const store = await createSessionStore(settings);
    expect(store).toBeInstanceOf(MemorySessionStore);
    const session = await store.create(newSessionInput());
    expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBe(120_000);
    expect(await store.stats()).toMatchObject({ store: 'memory', encryption: false, locking: true });
    await store.close();
  });
});
