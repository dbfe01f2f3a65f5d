/**
 * Checks on what leaves the agent. The prompt fences outside text (prompts/system.ts), but a model can still be
 * talked into things, so the reply is checked on the way out:
 * - it must not repeat the system rules;
 * - it must not carry an e-mail address or phone number that this conversation never saw (the only way another
 *   customer's data could surface: nothing of theirs is ever put in this turn's prompt, but a model might
 *   invent or recall one);
 * - citations must point at passages that were given; when an answer used the knowledge base and cites
 *   nothing, a sources line is added so the customer can always check.
 */
import type { Source } from './types.js';

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const PHONE = /(?<![\p{L}\p{N}])\+?\d[\d\s().-]{7,}\d(?![\p{L}\p{N}])/gu;
const digitsOf = (text: string) => text.replace(/\D/g, '');
/** 2024-03-01, 01/03/2024, 1.3.24: dates, not phone numbers. */
const DATE = /^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\s*$/;

export const RULES_REFUSAL = "I'm sorry, I can't share that. Is there something about your account or our services I can help you with?";

export interface ContactScreen {
  /** `text` with every e-mail address and phone number this conversation never saw replaced by "[removed]". */
  redact(text: string): { text: string; removed: number };
}

/** A screen over what the conversation has seen, prepared once per turn (it is applied to every streamed word). */
export function contactScreen(seen: string): ContactScreen {
  const seenLower = seen.toLowerCase();
  const seenDigits = digitsOf(seen);
  return {
    redact(reply) {
      let removed = 0;
      let text = reply.includes('@')
        ? reply.replace(EMAIL, (email) => (seenLower.includes(email.toLowerCase()) ? email : (removed++, '[removed]')))
        : reply;
      text = text.replace(PHONE, (phone) => {
        const digits = digitsOf(phone);
        // Short digit runs are amounts, dates or order numbers; a phone number has at least 8 digits.
        if (digits.length < 8 || DATE.test(phone) || seenDigits.includes(digits)) return phone;
        removed++;
        return '[removed]';
      });
      return { text, removed };
    },
  };
}

/** Whether the reply repeats a sizeable piece (a rule's sentence) of the system rules. */
export function repeatsRules(reply: string, rules: string): boolean {
  const normalised = reply.toLowerCase().replace(/\s+/g, ' ');
  return rules
    .split('\n')
    .map((line) => line.replace(/^\d+\.\s*/, '').toLowerCase().replace(/\s+/g, ' ').slice(0, 60))
    .filter((fragment) => fragment.length >= 40)
    .some((fragment) => normalised.includes(fragment));
}

const CITATION = /\[(\d{1,2})\]/g;

/** The passages the reply cites with [n] (1-based, in order of first citation); out-of-range numbers are dropped. */
export function citedSources(reply: string, passages: readonly Source[]): Source[] {
  const cited: Source[] = [];
  for (const match of reply.matchAll(CITATION)) {
    const passage = passages[Number(match[1]) - 1];
    if (passage && !cited.includes(passage)) cited.push(passage);
  }
  return cited;
}

/** Removes [n] markers that point at no passage (a model inventing a citation). */
export function dropInventedCitations(reply: string, passageCount: number): string {
  return reply.replace(CITATION, (marker, n: string) => (Number(n) >= 1 && Number(n) <= passageCount ? marker : ''));
}

export function sourcesLine(sources: readonly Source[], numberOf: (source: Source) => number): string {
  return `Sources: ${sources.map((source) => `[${numberOf(source)}] ${source.title || 'Untitled document'}`).join('; ')}`;
}

/** "I don't know", "I couldn't find", "I'm not sure": the reply admits it has no answer. */
const ADMITS_NOT_KNOWING =
  /\b(?:i\s+(?:do\s*n[o']?t|don't|really\s+don't)\s+know|i(?:'m|\s+am)\s+not\s+sure|i\s+(?:could\s*n[o']?t|couldn't|can't|cannot|was\s+unable\s+to)\s+find|(?:no|nothing\s+in\s+(?:the|our))\s+(?:information|documents?|help\s*cent(?:re|er))\s+(?:about|on|mentions?))/i;

export function admitsNotKnowing(reply: string): boolean {
  return ADMITS_NOT_KNOWING.test(reply);
}
