import { describe, expect, it } from 'vitest';
import type { CustomerFactRepository } from '../../storage/index.js';
import { CustomerMemory, MAX_SUBJECT_LENGTH } from './memory.js';

const settings = { enabled: true, maxEntries: 10, ttlHours: 24, cleanupDays: 30 };
/** Subject and settings checks happen before any storage is touched (the real stores run in test/agent/memory). */
const untouchable = new Proxy({} as CustomerFactRepository, {
  get: (_target, name) => () => Promise.reject(new Error(`storage touched: ${String(name)}`)),
});

describe('CustomerMemory', () => {
  it('remembers per verified customer, or per session when the customer is anonymous', () => {
    expect(CustomerMemory.subjectFor({ id: 's-1', customerId: 'cust-1' })).toBe('cust-1');
    expect(CustomerMemory.subjectFor({ id: 's-1' })).toBe('session:s-1');
    expect(CustomerMemory.subjectFor({ id: 's-1', customerId: '' })).toBe('session:s-1');
  });

  it('refuses settings it cannot honour, naming each', () => {
    expect(() => new CustomerMemory(untouchable, { ...settings, maxEntries: 0, ttlHours: Number.NaN })).toThrow(
      /maxEntries must be a whole number >= 1 \(got 0\); ttlHours must be > 0/,
    );
    expect(() => new CustomerMemory(untouchable, { ...settings, cleanupDays: -1 })).toThrow(/cleanupDays/);
  });

  it('refuses an empty or oversized subject before touching storage', async () => {
    const memory = new CustomerMemory(untouchable, settings);
    await expect(memory.learn('', 'my name is Ana')).rejects.toThrow(RangeError);
    await expect(memory.recall('x'.repeat(MAX_SUBJECT_LENGTH + 1))).rejects.toThrow(RangeError);
    await expect(memory.forget('')).rejects.toThrow(RangeError);
  });

  it('does not touch storage for a message without facts, or when turned off', async () => {
    expect(await new CustomerMemory(untouchable, settings).learn('cust-1', 'hello, where is my parcel?')).toEqual([]);
    const off = new CustomerMemory(untouchable, { ...settings, enabled: false });
    expect(off.enabled).toBe(false);
    expect(await off.learn('cust-1', 'my name is Ana')).toEqual([]);
    expect(await off.recall('cust-1')).toEqual([]);
  });
});
