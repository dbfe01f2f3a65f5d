import { describe, expect, it, vi } from 'vitest';
import { SessionFingerprintMismatchError } from '../errors.js';
import { Fingerprinter, normalizeIp } from './fingerprint.js';

const secretKey = 'x'.repeat(40);
const UA = 'Mozilla/5.0 (X11; Linux x86_64)';

describe('session fingerprints', () => {
  it('is a keyed hash of IP and User-Agent that reveals neither', () => {
    const fp = new Fingerprinter({ secretKey, enabled: true, strict: false });
    const value = fp.compute('203.0.113.7', UA)!;
    expect(value).toMatch(/^fp1\.[A-Za-z0-9_-]{43}$/);
    expect(value).not.toContain('203.0.113.7');
    expect(fp.compute('::ffff:203.0.113.7', UA)).toBe(value);
    expect(fp.compute('203.0.113.8', UA)).not.toBe(value);
    expect(fp.compute('203.0.113.7', `${UA} Other`)).not.toBe(value);
    expect(new Fingerprinter({ secretKey: 'y'.repeat(40), enabled: true, strict: false }).compute('203.0.113.7', UA)).not.toBe(value);
    expect(normalizeIp(' 2001:DB8::1 ')).toBe('2001:db8::1');
  });

  it('verifies match and mismatch; unbound sessions and disabled fingerprinting always match', () => {
    const fp = new Fingerprinter({ secretKey, enabled: true, strict: true });
    const bound = fp.compute('10.0.0.1', UA);
    expect(fp.verify(bound, '10.0.0.1', UA)).toBe('match');
    expect(fp.verify(bound, '10.0.0.2', UA)).toBe('mismatch');
    expect(fp.verify(undefined, '10.0.0.2', UA)).toBe('match');
    const off = new Fingerprinter({ secretKey, enabled: false, strict: true });
    expect(off.compute('10.0.0.1', UA)).toBeUndefined();
    expect(off.verify(bound, '10.0.0.2', UA)).toBe('match');
  });

  it('strict refuses a mismatch; lenient logs it without the IP and counts it', () => {
    const onMismatch = vi.fn();
    const strict = new Fingerprinter({ secretKey, enabled: true, strict: true, onMismatch });
    const session = { id: 's1', fingerprint: strict.compute('10.0.0.1', UA) };
    expect(strict.check(session, '10.0.0.1', UA)).toBe('match');
    expect(() => strict.check(session, '10.9.9.9', UA)).toThrow(SessionFingerprintMismatchError);
    expect(onMismatch).toHaveBeenCalledWith({ sessionId: 's1', strict: true });

    const warn = vi.fn();
    const lenient = new Fingerprinter({ secretKey, enabled: true, strict: false, logger: { warn } });
    expect(lenient.check(session, '10.9.9.9', UA)).toBe('mismatch');
    expect(lenient.check(session, '10.9.9.9', UA)).toBe('mismatch');
    expect(lenient.mismatches).toBe(2);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('10.9.9.9');
    expect(warn).toHaveBeenCalledWith({ sessionId: 's1' }, expect.stringContaining('mismatch'));
  });
});
