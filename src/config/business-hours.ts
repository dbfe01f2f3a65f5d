/**
 * The grammar of ESCALATION_BUSINESS_HOURS and the check of ESCALATION_TIMEZONE. It lives in config, not in the
 * agent (src/agent/escalation/business-hours.ts does the time arithmetic), because config imports nothing of the
 * project and must refuse a bad spec at startup.
 */

/**
 * One open period of ESCALATION_BUSINESS_HOURS: a weekday (0 = Sunday) and minutes after local midnight. An end
 * before the start runs past midnight into the next day (22:00-06:00 opens Monday night, closes Tuesday morning).
 */
export interface BusinessHoursPeriod {
  day: number;
  start: number;
  end: number;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** "Mon", "tues", "Thursday" -> 1, 2, 4; -1 when it names no day (three letters at least, so "t" is refused). */
function weekdayIndex(word: string): number {
  const w = word.trim().toLowerCase();
  return w.length < 3 ? -1 : WEEKDAYS.findIndex((day) => day.startsWith(w));
}

/** "9:05" -> 545; 24:00 only as an end; -1 when malformed. */
function minuteOfDay(time: string, isEnd: boolean): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  const [h, m] = [Number(match?.[1]), Number(match?.[2])];
  if (!match || m > 59 || h > 24 || (h === 24 && (m > 0 || !isEnd))) return -1;
  return h * 60 + m;
}

/**
 * Parses ESCALATION_BUSINESS_HOURS ("Mon-Fri 09:00-17:30; Sat 10:00-14:00"; day ranges may wrap, "Fri-Mon"; a
 * period may list several ranges, "Mon 09:00-12:00, 13:00-17:00"). Null for an empty spec (always staffed), a
 * message when malformed.
 */
export function parseBusinessHours(spec: string): BusinessHoursPeriod[] | null | string {
  const fail = (detail: string) => `${detail} (expected e.g. "Mon-Fri 09:00-17:30; Sat 10:00-14:00")`;
  const periods: BusinessHoursPeriod[] = [];
  for (const part of spec.split(/[;\n]/).map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z\s,-]*?)\s*(\d.*)$/i.exec(part);
    if (!match) return fail(`expected days followed by times in "${part}"`);
    const days: number[] = [];
    for (const item of match[1]!.split(',').filter((d) => d.trim())) {
      const ends = item.split('-').map(weekdayIndex);
      if (ends.length > 2 || ends.includes(-1)) return fail(`unknown day or day range "${item.trim()}"`);
      const [from, to = from] = ends as [number, number?];
      for (let d = from; ; d = (d + 1) % 7) {
        days.push(d);
        if (d === to) break;
      }
    }
    for (const range of match[2]!.split(',')) {
      const [startText = '', endText = '', extra] = range.split('-');
      const [start, end] = [minuteOfDay(startText, false), minuteOfDay(endText, true)];
      if (extra !== undefined || start < 0 || end < 0) return fail(`expected a time range like 09:00-17:30, got "${range.trim()}"`);
      if (start === end) return fail(`the range "${range.trim()}" is empty`);
      for (const day of days) periods.push({ day, start, end });
    }
  }
  return periods.length > 0 ? periods : null;
}

/** The canonical IANA name of a time zone ("europe/london" -> "Europe/London"), or undefined when Intl knows none. */
export function canonicalTimeZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}
