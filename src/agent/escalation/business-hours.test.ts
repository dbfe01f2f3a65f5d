import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { handoffMessage, isOpen, nextOpening, parseBusinessHours, type BusinessHours } from './business-hours.js';

const at = (iso: string) => new Date(iso);
const WEEKDAYS = parseBusinessHours('Mon-Fri 09:00-17:30; Sat 10:00-14:00')!;
const OFFICE = parseBusinessHours('Mon-Fri 09:00-17:30')!;

describe('parseBusinessHours', () => {
  it('reads day ranges, lists and several time ranges', () => {
    expect(WEEKDAYS).toEqual([
      ...[1, 2, 3, 4, 5].map((day) => ({ day, start: 540, end: 1050 })),
      { day: 6, start: 600, end: 840 },
    ]);
    expect(parseBusinessHours('Fri-Mon 10:00-12:00')!.map((p) => p.day)).toEqual([5, 6, 0, 1]);
    expect(parseBusinessHours('monday, Wednesday 9:00-12:00, 13:00-17:00')).toEqual([
      { day: 1, start: 540, end: 720 },
      { day: 3, start: 540, end: 720 },
      { day: 1, start: 780, end: 1020 },
      { day: 3, start: 780, end: 1020 },
    ]);
    expect(parseBusinessHours('Sun 00:00-24:00')).toEqual([{ day: 0, start: 0, end: 1440 }]);
    expect(parseBusinessHours('Mon-Sun 22:00-06:00')).toHaveLength(7);
  });

  it('reads an empty spec as always staffed', () => {
    expect(parseBusinessHours('')).toBeNull();
    expect(parseBusinessHours(' ; ')).toBeNull();
  });

  it.each([
    ['Mon-Fri', 'expected days followed by times'],
    ['Mo 09:00-17:00', 'unknown day or day range "Mo"'],
    ['Funday 09:00-10:00', 'unknown day'],
    ['Mon-Wed-Fri 09:00-10:00', 'unknown day or day range'],
    ['Mon 25:00-26:00', 'expected a time range like 09:00-17:30, got "25:00-26:00"'],
    ['Mon 9-17', 'expected a time range'],
    ['Mon 24:00-02:00', 'expected a time range'],
    ['Mon 09:00-09:00', 'the range "09:00-09:00" is empty'],
  ])('refuses %s with a clear message and an example', (spec, message) => {
    let error: unknown;
    try {
      parseBusinessHours(spec);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain('Mon-Fri 09:00-17:30; Sat 10:00-14:00');
  });
});

describe('isOpen', () => {
  it('is always open without a schedule', () => {
    expect(isOpen(null, 'UTC', at('2025-06-01T03:00:00Z'))).toBe(true);
    expect(nextOpening(null, 'UTC', at('2025-06-01T03:00:00Z'))).toEqual(at('2025-06-01T03:00:00Z'));
  });

  it('reads the wall clock of the zone, daylight saving time included', () => {
    // Europe/London: GMT until 2025-03-30 01:00 UTC, BST (UTC+1) after.
    expect(isOpen(OFFICE, 'Europe/London', at('2025-03-28T08:30:00Z'))).toBe(false); // Fri 08:30 GMT
    expect(isOpen(OFFICE, 'Europe/London', at('2025-03-28T09:00:00Z'))).toBe(true); // Fri 09:00 GMT
    expect(isOpen(OFFICE, 'Europe/London', at('2025-03-31T08:30:00Z'))).toBe(true); // Mon 09:30 BST
    expect(isOpen(OFFICE, 'Europe/London', at('2025-03-31T16:29:00Z'))).toBe(true); // Mon 17:29 BST
    expect(isOpen(OFFICE, 'Europe/London', at('2025-03-31T16:30:00Z'))).toBe(false); // Mon 17:30 BST: the end is excluded
    expect(isOpen(WEEKDAYS, 'Europe/London', at('2025-03-29T11:00:00Z'))).toBe(true); // Sat 11:00 GMT
    expect(isOpen(WEEKDAYS, 'Europe/London', at('2025-03-30T11:00:00Z'))).toBe(false); // Sunday
  });

  it('handles periods that run past midnight', () => {
    const nights = parseBusinessHours('Mon-Sun 22:00-06:00');
    expect(isOpen(nights, 'America/New_York', at('2025-07-01T07:00:00Z'))).toBe(true); // 03:00 EDT
    expect(isOpen(nights, 'America/New_York', at('2025-07-01T10:00:00Z'))).toBe(false); // 06:00 EDT
    expect(isOpen(nights, 'America/New_York', at('2025-07-01T16:00:00Z'))).toBe(false); // 12:00 EDT
    expect(nextOpening(nights, 'America/New_York', at('2025-07-01T16:00:00Z'))).toEqual(at('2025-07-02T02:00:00Z'));

    // One night only: Friday 22:00 to Saturday 02:00.
    const friday = parseBusinessHours('Fri 22:00-02:00');
    expect(isOpen(friday, 'UTC', at('2025-06-06T21:59:00Z'))).toBe(false);
    expect(isOpen(friday, 'UTC', at('2025-06-07T01:00:00Z'))).toBe(true); // Saturday 01:00
    expect(isOpen(friday, 'UTC', at('2025-06-07T02:00:00Z'))).toBe(false);
    expect(isOpen(friday, 'UTC', at('2025-06-08T01:00:00Z'))).toBe(false); // Sunday 01:00
    expect(nextOpening(friday, 'UTC', at('2025-06-07T03:00:00Z'))).toEqual(at('2025-06-13T22:00:00Z'));
  });

  it('handles zones with half-hour offsets', () => {
    const india = parseBusinessHours('Mon-Fri 09:00-18:00');
    expect(isOpen(india, 'Asia/Kolkata', at('2025-06-02T03:29:00Z'))).toBe(false); // Mon 08:59 IST
    expect(isOpen(india, 'Asia/Kolkata', at('2025-06-02T03:30:00Z'))).toBe(true); // Mon 09:00 IST
    expect(nextOpening(india, 'Asia/Kolkata', at('2025-06-02T03:00:00Z'))).toEqual(at('2025-06-02T03:30:00Z'));
  });
});

describe('nextOpening', () => {
  it('is now when open', () => {
    expect(nextOpening(OFFICE, 'UTC', at('2025-06-02T10:00:00Z'))).toEqual(at('2025-06-02T10:00:00Z'));
  });

  it('finds Monday morning across a weekend that changes the clocks', () => {
    // Friday 18:00 GMT; Monday opens at 09:00 BST = 08:00 UTC.
    expect(nextOpening(OFFICE, 'Europe/London', at('2025-03-28T18:00:00Z'))).toEqual(at('2025-03-31T08:00:00Z'));
    // New York: Friday 18:00 EST; Monday 09:00 EDT = 13:00 UTC.
    expect(nextOpening(OFFICE, 'America/New_York', at('2025-03-07T23:00:00Z'))).toEqual(at('2025-03-10T13:00:00Z'));
    // Back to winter time: Friday 18:00 BST; Monday 09:00 GMT = 09:00 UTC.
    expect(nextOpening(OFFICE, 'Europe/London', at('2025-10-24T17:00:00Z'))).toEqual(at('2025-10-27T09:00:00Z'));
  });

  it('opens at the jump when the opening time is skipped by spring forward', () => {
    // London skips 01:00-02:00 on 2025-03-30; "01:30" never happens, the team starts when clocks read 02:00 BST.
    const sunday = parseBusinessHours('Sun 01:30-05:00');
    const opening = nextOpening(sunday, 'Europe/London', at('2025-03-29T12:00:00Z'));
    expect(opening).toEqual(at('2025-03-30T01:00:00Z'));
    expect(isOpen(sunday, 'Europe/London', opening!)).toBe(true);
    expect(isOpen(sunday, 'Europe/London', at('2025-03-30T00:59:00Z'))).toBe(false);
  });

  it('opens at the first of two identical readings when clocks fall back', () => {
    // London reads 01:00-02:00 twice on 2025-10-26: first in BST (00:00-01:00 UTC), then in GMT.
    const sunday = parseBusinessHours('Sun 01:30-03:00');
    expect(nextOpening(sunday, 'Europe/London', at('2025-10-25T12:00:00Z'))).toEqual(at('2025-10-26T00:30:00Z'));
  });

  it('returns null when every period falls in a skipped hour', () => {
    // Sunday 01:10-01:50 in London: the only Sunday of the coming week is 2025-03-30, when that hour is skipped.
    const skipped = parseBusinessHours('Sun 01:10-01:50');
    expect(nextOpening(skipped, 'Europe/London', at('2025-03-24T12:00:00Z'))).toBeNull();
    expect(handoffMessage({ now: at('2025-03-24T12:00:00Z'), schedule: skipped, timezone: 'Europe/London' })).toContain('as soon as they are back');
    expect(nextOpening(skipped, 'Europe/London', at('2025-03-31T12:00:00Z'))).toEqual(at('2025-04-06T00:10:00Z')); // 01:10 BST
  });

  it('looks a whole week ahead', () => {
    const weekly = parseBusinessHours('Mon 09:00-10:00');
    expect(nextOpening(weekly, 'UTC', at('2025-06-02T11:00:00Z'))).toEqual(at('2025-06-09T09:00:00Z'));
  });
});

describe('handoffMessage', () => {
  it('says a human joins shortly while the team is in', () => {
    const message = handoffMessage({ now: at('2025-06-02T10:00:00Z'), schedule: OFFICE, timezone: 'Europe/London' });
    expect(message).toContain('A member of the team will join this conversation shortly');
    expect(message).toContain('keep writing here');
    expect(handoffMessage({ now: at('2025-06-01T03:00:00Z'), schedule: null, timezone: 'UTC' })).toContain('shortly');
  });

  it('says when the team will reply while it is off, in the schedule zone', () => {
    const message = handoffMessage({ now: at('2025-03-28T18:00:00Z'), schedule: OFFICE, timezone: 'Europe/London' });
    expect(message).toContain('offline');
    expect(message).toContain('reply on Monday at 09:00 (Europe/London)');
    expect(message).toContain('conversation is saved');
    expect(message).not.toContain('shortly');
  });

  it('says today, tomorrow, a weekday, or a date a week ahead', () => {
    const utc = (iso: string, schedule: BusinessHours | null = OFFICE) => handoffMessage({ now: at(iso), schedule, timezone: 'UTC' });
    expect(utc('2025-06-02T07:00:00Z')).toContain('reply today at 09:00 (UTC)');
    expect(utc('2025-06-02T18:00:00Z')).toContain('reply tomorrow at 09:00 (UTC)');
    expect(utc('2025-06-07T12:00:00Z')).toContain('reply on Monday at 09:00 (UTC)');
    expect(utc('2025-06-02T11:00:00Z', parseBusinessHours('Mon 09:00-10:00'))).toContain('reply on Monday 9 June at 09:00 (UTC)');
  });

  it('formats the time for a locale', () => {
    const message = handoffMessage({ now: at('2025-06-07T12:00:00Z'), schedule: OFFICE, timezone: 'America/New_York', locale: 'en-US' });
    expect(message).toContain('on Monday at 09:00 AM (America/New_York)');
  });
});
