import { describe, expect, it } from 'vitest';
import { SessionBusyError } from '../../errors.js';
import { KeyedMutex } from './mutex.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedMutex', () => {
  it('grants in arrival order, hands over on release and on lease expiry, and forgets idle keys', async () => {
    const mutex = new KeyedMutex();
    const first = await mutex.acquire('k', 1000, 50);
    const order: string[] = [];
    const second = mutex.acquire('k', 1000, 1000).then((token) => (order.push('second'), token));
    const third = mutex.acquire('k', 1000, 1000).then((token) => (order.push('third'), token));
    expect(await mutex.acquire('other', 0, 1000)).toBeTypeOf('string'); // keys are independent
    // first never releases: its lease runs out after 50 ms
    const secondToken = await second;
    expect(mutex.release('k', first)).toBe(false);
    expect(mutex.extend('k', secondToken, 1000)).toBe(true);
    expect(mutex.release('k', secondToken)).toBe(true);
    expect(mutex.release('k', await third)).toBe(true);
    expect(order).toEqual(['second', 'third']);
    expect(mutex.isHeld('k')).toBe(false);
  });

  it('fails a waiter past its wait with SESSION_BUSY without disturbing the others', async () => {
    const mutex = new KeyedMutex(2);
    const holder = await mutex.acquire('k', 0, 10_000);
    const impatient = mutex.acquire('k', 20, 1000);
    const patient = mutex.acquire('k', 5000, 1000);
    await expect(mutex.acquire('k', 5000, 1000)).rejects.toThrow(/too many waiters/);
    await expect(impatient).rejects.toBeInstanceOf(SessionBusyError);
    await sleep(5);
    mutex.release('k', holder);
    expect(mutex.release('k', await patient)).toBe(true);
    mutex.clear();
  });
});
