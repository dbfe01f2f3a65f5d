import { describe, expect, it } from 'vitest';
import { KeyedSerial } from './serial.js';

describe('KeyedSerial', () => {
  it('runs tasks of one key one after another, whatever each one ends with, and others alongside', async () => {
    const serial = new KeyedSerial();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = [serial.run('a', task('a1', true)), serial.run('a', task('a2')), serial.run('b', task('b1'))];
    expect(serial.size).toBe(2);
    await expect(results[0]).rejects.toThrow('a1');
    expect(await results[1]).toBe('a2');
    expect(await results[2]).toBe('b1');
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(serial.size).toBe(0);
  });
});
