import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { applyPatch, assembleSession, newSessionData, zeroCounters } from './model.js';

const base = () => newSessionData({ tokenHash: 'h', metadata: { kept: 'yes', gone: 1 } });

describe('applyPatch metadata', () => {
  it('stores exactly what a JSON round trip of the patch would, flat or not', () => {
    const symbol = Symbol('s');
    const patches: Record<string, unknown>[] = [
      { text: 'a', count: 2, flag: false, gone: null },
      { negativeZero: -0, notANumber: NaN, infinite: -Infinity },
      { missing: undefined, fn: () => 1, [symbol]: 1, kept: 'changed' },
      { nested: { deep: [1, { x: undefined }], at: new Date(0) } },
      { withToJson: { toJSON: () => 'as text' } },
      JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>,
    ];
    for (const metadata of patches) {
      // The rule as first written: a JSON round trip of the patch, then each key set or (null) removed.
      const expected = { ...base().metadata } as Record<string, unknown>;
      for (const [key, value] of Object.entries(JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>)) {
        if (value === null) delete expected[key];
        else expected[key] = value;
      }
      const patched = applyPatch(base(), { metadata });
      expect(JSON.stringify(patched.metadata)).toBe(JSON.stringify(expected));
      expect(Object.getPrototypeOf(patched.metadata)).toEqual(Object.getPrototypeOf(expected));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('copies the values it keeps, so a later change to the caller object changes nothing stored', () => {
    const metadata = { step: 1, list: [1] };
    const patched = applyPatch(base(), { metadata });
    metadata.step = 2;
    metadata.list.push(2);
    expect(patched.metadata).toMatchObject({ step: 1, list: [1] });
  });

  it('refuses what is not a plain object or cannot become JSON', () => {
    expect(() => applyPatch(base(), { metadata: [] as unknown as Record<string, unknown> })).toThrow(ValidationError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => applyPatch(base(), { metadata: { cyclic } })).toThrow(ValidationError);
    expect(() => applyPatch(base(), { metadata: { big: 10n } })).toThrow(ValidationError);
  });
});

describe('assembleSession', () => {
  it('freezes the snapshot, its messages and its metadata all the way down', () => {
    const data = applyPatch(base(), { metadata: { nested: { list: [{ a: 1 }] } } });
    const session = assembleSession({
      id: 's',
      data,
      counters: zeroCounters(),
      messages: [{ role: 'user', content: 'hi', at: new Date(0).toISOString() }],
      createdMs: 0,
      activeMs: 0,
      expiresMs: 1,
      revision: 1,
    });
    const nested = session.metadata.nested as { list: { a: number }[] };
    for (const value of [session, session.counters, session.messages, session.messages[0], session.metadata, nested, nested.list, nested.list[0]]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
  });
});
