/**
 * Business hours (ESCALATION_BUSINESS_HOURS in ESCALATION_TIMEZONE): whether humans are answering now, when they
 * next will, and what the customer is told after a hand-off. Wall-clock times come from Intl.DateTimeFormat, so
 * daylight saving time follows the platform's time-zone data: a day when clocks jump still opens at the stated
 * local time (or at the jump, when that time is skipped), never an hour off.
 */
import { parseBusinessHours as parseSpec, type BusinessHoursPeriod } from '../../config/business-hours.js';
import { ValidationError } from '../../errors.js';

export type { BusinessHoursPeriod };
/** Open periods; `null` means always staffed. */
export type BusinessHours = readonly BusinessHoursPeriod[];

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** "Mon-Fri 09:00-17:30; Sat 10:00-14:00" -> periods; null for an empty spec (always staffed). Throws when malformed. */
export function parseBusinessHours(spec: string): BusinessHours | null {
  const parsed = parseSpec(spec);
  if (typeof parsed === 'string') throw new ValidationError(`Invalid business hours "${spec}": ${parsed}`);
  return parsed;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  /** 0 = Sunday. */
  weekday: number;
  minuteOfDay: number;
  /** The wall-clock reading as if it were UTC: its difference to the instant is the zone's offset then. */
  asUtc: number;
}

// One formatter per zone (building one is slow); a handful of zones at most, but bounded all the same.
const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(instant: number, timeZone: string): WallClock {
  let format = formatters.get(timeZone);
  if (!format) {
    if (formatters.size >= 64) formatters.clear();
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(instant)) part[type] = Number(value);
  const [year, month, day, hour, minute, second] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((t) => part[t] ?? 0) as [
    number, number, number, number, number, number,
  ];
  const date = Date.UTC(year, month - 1, day);
  return { year, month, day, weekday: new Date(date).getUTCDay(), minuteOfDay: hour * 60 + minute, asUtc: date + (hour * 60 + minute) * MINUTE + second * 1000 };
}

function offsetAt(instant: number, timeZone: string): number {
  return wallClock(instant, timeZone).asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The first instant whose wall clock in `timeZone` reads `wall` (a wall-clock reading as UTC milliseconds). When
 * clocks fall back the reading happens twice: the earlier wins. When they jump forward over it: the jump itself.
 */
function instantOf(wall: number, timeZone: string): number {
  // Offsets a day either side bracket the answer (zones do not change offset twice within two days).
  const candidates = [...new Set([offsetAt(wall - DAY, timeZone), offsetAt(wall + DAY, timeZone)])].map((offset) => wall - offset);
  const exact = candidates.filter((t) => wallClock(t, timeZone).asUtc === wall);
  if (exact.length > 0) return Math.min(...exact);
  let [lo, hi] = [Math.min(...candidates), Math.max(...candidates)];
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (wallClock(mid, timeZone).asUtc >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

function openAt(schedule: BusinessHours, clock: WallClock): boolean {
  const { weekday, minuteOfDay } = clock;
  return schedule.some(({ day, start, end }) =>
    end > start
      ? day === weekday && minuteOfDay >= start && minuteOfDay < end
      : (day === weekday && minuteOfDay >= start) || ((day + 1) % 7 === weekday && minuteOfDay < end),
  );
}

/** Whether humans answer at `now` in `timezone` (an IANA name). Always true without a schedule. */
export function isOpen(schedule: BusinessHours | null, timezone: string, now: Date): boolean {
  return !schedule || openAt(schedule, wallClock(now.getTime(), timezone));
}

/**
 * The first instant at or after `now` when humans answer: `now` itself when open (or always staffed); null when
 * the schedule never opens in the coming week (every period lies in a skipped DST hour).
 */
export function nextOpening(schedule: BusinessHours | null, timezone: string, now: Date): Date | null {
  const from = now.getTime();
  const today = wallClock(from, timezone);
  if (!schedule || openAt(schedule, today)) return new Date(from);
  let best: number | null = null;
  // Eight local days: a schedule open one hour a week opens again at most seven days after today.
  for (let k = 0; k <= 7; k += 1) {
    const date = Date.UTC(today.year, today.month - 1, today.day + k);
    const weekday = new Date(date).getUTCDay();
    for (const period of schedule) {
      if (period.day !== weekday) continue;
      const at = instantOf(date + period.start * MINUTE, timezone);
      // Checked again: a skipped hour can swallow a whole period.
      if (at > from && (best === null || at < best) && openAt(schedule, wallClock(at, timezone))) best = at;
    }
    if (best !== null) break;
  }
  return best === null ? null : new Date(best);
}

export interface HandoffMessageInput {
  now: Date;
  schedule: BusinessHours | null;
  /** IANA time zone of the schedule, also named in the message. */
  timezone: string;
  /** Formats the weekday and time (default en-GB: "Monday at 09:00"); the sentences stay in English. */
  locale?: string;
}

/** "today at 17:00 (UTC)", "tomorrow at 09:00 (...)", "on Monday at 09:00 (Europe/London)". */
function describeWhen(at: Date, now: Date, timeZone: string, locale: string): string {
  const [a, n] = [wallClock(at.getTime(), timeZone), wallClock(now.getTime(), timeZone)];
  const days = Math.round((Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(n.year, n.month - 1, n.day)) / DAY);
  const format = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone, ...options }).format(at);
  const time = format({ hour: '2-digit', minute: '2-digit' });
  const weekday = format({ weekday: 'long' });
  // A week ahead the weekday alone would read as "later today"'s weekday: add the date.
  const day = days === 0 ? 'today' : days === 1 ? 'tomorrow' : days < 7 ? `on ${weekday}` : `on ${weekday} ${format({ day: 'numeric', month: 'long' })}`;
  return `${day} at ${time} (${timeZone})`;
}

/** What the customer reads after a hand-off: when a human will answer, and that the conversation is kept. */
export function handoffMessage({ now, schedule, timezone, locale = 'en-GB' }: HandoffMessageInput): string {
  const passed = "I've passed your conversation to our support team.";
  if (isOpen(schedule, timezone, now)) {
    return `${passed} A member of the team will join this conversation shortly; you can keep writing here in the meantime.`;
  }
  const opening = nextOpening(schedule, timezone, now);
  const when = opening ? describeWhen(opening, now, timezone, locale) : 'as soon as they are back';
  return (
    `${passed} The team is offline right now, so a member of the team will reply ${when}. ` +
    'Your conversation is saved, and anything you add here will be passed on to them.'
  );
}
