import { describe, expect, it } from 'vitest';
import { containsSensitive, luhnValid, REDACTED, redactSensitive } from './sensitive.js';

describe('sensitive data', () => {
  it('checks Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('5500000000000004')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('41x1')).toBe(false);
  });

  it('redacts card numbers however they are grouped, and a card followed by its CVV', () => {
    expect(redactSensitive('card 4111 1111 1111 1111 please')).toBe(`card ${REDACTED} please`);
    expect(redactSensitive('4111-1111-1111-1111')).toBe(REDACTED);
    expect(redactSensitive('pay with 4111 1111 1111 1111 123')).toBe(`pay with ${REDACTED}`);
    // Not a card: fails Luhn, or too long to be one and typed as a single reference.
    expect(redactSensitive('ref 4111111111111112')).toBe('ref 4111111111111112');
    expect(redactSensitive('parcel 9400111899223100001234567')).toBe('parcel 9400111899223100001234567');
  });

  it('redacts what follows a secret keyword, but keeps ordinary words after it', () => {
    expect(redactSensitive('my password is hunter2, thanks')).toBe(`my password is ${REDACTED}, thanks`);
    expect(redactSensitive('PIN 1234')).toBe(`PIN ${REDACTED}`);
    expect(redactSensitive('account number is 12 34 56 78.')).toBe(`account number is ${REDACTED}.`);
    expect(redactSensitive('I forgot my password and cannot log in')).toBe('I forgot my password and cannot log in');
    expect(redactSensitive('my password was reset yesterday')).toBe('my password was reset yesterday');
  });

  it('redacts IBANs and social security numbers', () => {
    expect(redactSensitive('to GB82 WEST 1234 5698 7654 32 today')).toBe(`to ${REDACTED} today`);
    expect(redactSensitive('ssn 123-45-6789')).toBe(`ssn ${REDACTED}`);
  });

  it('finds a card number hidden among letters', () => {
    expect(containsSensitive('A4111111111111111')).toBe(true);
    expect(containsSensitive('A-12345')).toBe(false);
  });
});
