/**
 * zod building blocks for reading environment variables: every value arrives as a string (or is absent), and
 * each helper turns it into a typed value or a precise "expected ..." message.
 */
import { z } from 'zod';

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** A boolean flag: true/false, 1/0, yes/no, on/off (any case). */
export function flag(defaultValue: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${raw}"` });
      return z.NEVER;
    });
}

/** An optional flag whose default depends on other settings (decided after parsing). */
export function optionalFlag() {
  return z
    .string()
    .optional()
    .transform((raw, ctx): boolean | undefined => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${raw}"` });
      return z.NEVER;
    });
}

/** A number within [min, max]; integers only unless `decimals` is set. */
export function num(defaultValue: number, opts: { min?: number; max?: number; decimals?: boolean } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER, decimals = false } = opts;
  const kind = decimals ? 'a number' : 'an integer';
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const value = Number(raw.trim());
      if (!Number.isFinite(value) || (!decimals && !Number.isInteger(value)) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `expected ${kind} from ${min} to ${max}, got "${raw}"` });
        return z.NEVER;
      }
      return value;
    });
}

/** One of a fixed set of words (case-insensitive); `aliases` maps other spellings onto them. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
  aliases: Record<string, T[number]> = {},
) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const word = raw.trim().toLowerCase();
      const aliased = aliases[word];
      if (aliased) return aliased;
      if ((values as readonly string[]).includes(word)) return word as T[number];
      ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}, got "${raw}"` });
      return z.NEVER;
    });
}

/** Free text with an optional default; empty counts as absent. */
export function text(defaultValue?: string) {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === '' ? defaultValue : raw.trim()));
}

/** The URL with any password in its user info replaced by `***`, for error messages (`scheme://user:***@host`). */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#]*@/i, '$1:***@');
}

/** An absolute http(s) URL, or absent. */
export function url() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      try {
        const parsed = new URL(raw.trim());
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
        return parsed.toString();
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got "${redactUrl(raw)}"` });
        return z.NEVER;
      }
    });
}

/**
 * A list of strings given either as a JSON array (the seed's form: `[".pdf",".md"]`) or comma-separated.
 */
export function stringList(defaultValue: string[]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const trimmed = raw.trim();
      if (trimmed.startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(trimmed);
          if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed as string[];
        } catch {
          /* reported below */
        }
        ctx.addIssue({ code: 'custom', message: `expected a JSON array of strings, got ${raw}` });
        return z.NEVER;
      }
      return trimmed
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
    });
}

/**
 * Keyword weights: a JSON object `{"urgent":1.0}` (the seed's form), a JSON array, or comma-separated words
 * (weight 1 each). Weights must be numbers in [0, 1].
 */
export function weightMap(defaultValue: Record<string, number>) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const trimmed = raw.trim();
      const fail = () => {
        ctx.addIssue({
          code: 'custom',
          message: `expected a JSON object of keyword weights from 0 to 1 (e.g. {"urgent":1.0}), got ${raw}`,
        });
        return z.NEVER;
      };
      let parsed: unknown;
      if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        try {
          parsed = JSON.parse(trimmed);
        } catch {
          return fail();
        }
      } else {
        parsed = trimmed.split(',').map((word) => word.trim());
      }
      if (Array.isArray(parsed)) {
        if (!parsed.every((word) => typeof word === 'string' && word.length > 0)) return fail();
        return Object.fromEntries((parsed as string[]).map((word) => [word.toLowerCase(), 1]));
      }
      if (parsed === null || typeof parsed !== 'object') return fail();
      const entries = Object.entries(parsed as Record<string, unknown>);
      if (!entries.every(([, weight]) => typeof weight === 'number' && weight >= 0 && weight <= 1)) return fail();
      return Object.fromEntries(entries.map(([word, weight]) => [word.toLowerCase(), weight as number]));
    });
}
