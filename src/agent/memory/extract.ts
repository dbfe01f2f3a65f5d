/**
 * Rule-based fact extraction from one customer message, no model. Conservative by design: a wrong fact the
 * agent repeats back is worse than a fact it never learned, so each rule needs an explicit cue ("my name is",
 * "order #", "reply in French") and a negation in the same clause ("I don't speak English") cancels it.
 *
 * Keys (values are single-line, length-capped, and never hold a secret: see sensitive.ts):
 * - `name`                 "my name is Ana López", "I'm Ana", "Hi, this is Ana", "call me Ana", "Name: Ana"
 * - `email`                an e-mail address the customer gives as theirs (not one they wrote to)
 * - `phone`                "my phone number is ...", "call me on ...", "reach me at ..." (7-15 digits)
 * - `order:<ID>`           one key per order ("order #A-1234", "orders 1001 and 1002"), value = the ID, so
 *                          several orders are remembered side by side and each can be forgotten alone
 * - `tracking_number`      "tracking number 1Z999AA10123456784"
 * - `preferred_language`   "please reply in Spanish", "I prefer French", "my language is German"
 * - `preferred_contact`    email | phone | sms | whatsapp | post ("contact me by email", "text is best")
 * - `account_type`, `plan` "I have a premium account" -> account_type=premium; "I'm on the family plan" -> plan=family
 */
import { clauseBefore } from '../escalation/text.js';
import { containsSensitive, redactSensitive } from './sensitive.js';

export interface ExtractedFact {
  key: string;
  value: string;
  /** 0..1: how explicit the cue was. */
  confidence: number;
}

/** Longer messages are read up to here: facts come early, and the rules stay linear in a bounded input. */
export const MAX_TEXT_LENGTH = 20_000;
export const MAX_VALUE_LENGTH = 100;
const MAX_NAME_LENGTH = 60;
const MAX_ORDERS_PER_MESSAGE = 10;

// ---- name

const NAME_WORD = /^\p{Lu}(?:\p{Ll}+|['’]\p{Lu}\p{Ll}+)(?:\p{Lu}\p{Ll}+)*(?:-\p{Lu}\p{Ll}+)*$/u;
const ANY_WORD = /^\p{L}+(?:['’-]\p{L}+)*$/u;
const PARTICLES = new Set(['de', 'da', 'del', 'della', 'di', 'du', 'la', 'le', 'van', 'von', 'der', 'den', 'bin', 'al']);
export const LANGUAGES = [
  'English', 'Spanish', 'French', 'German', 'Italian', 'Portuguese', 'Dutch', 'Polish', 'Swedish', 'Norwegian',
  'Danish', 'Finnish', 'Greek', 'Turkish', 'Russian', 'Ukrainian', 'Czech', 'Romanian', 'Hungarian', 'Arabic',
  'Hebrew', 'Hindi', 'Bengali', 'Urdu', 'Chinese', 'Mandarin', 'Cantonese', 'Japanese', 'Korean', 'Vietnamese',
  'Thai', 'Indonesian', 'Malay', 'Tagalog', 'Filipino', 'Catalan', 'Basque', 'Galician', 'Irish', 'Welsh',
] as const;
/** What follows "I'm" / "this is" far more often than a name: states, fillers, places, nationalities, plans. */
const NOT_A_NAME = new Set(
  `a an the not no so very really just still also too here there back sorry afraid happy unhappy glad sad upset angry
  mad annoyed frustrated disappointed confused worried concerned sure unsure fine good great okay ok well sick tired
  done ready new old interested unable able trying waiting looking calling writing having getting going contacting
  reaching asking wondering hoping planning struggling currently actually always never now today finally only
  in on at from with for about by into over under of to as and or but if that this it its is was urgent important
  customer client member user guest premium gold silver platinum basic standard business student pro free
  american canadian british mexican indian australian brazilian scottish canada america england spain france
  monday tuesday wednesday thursday friday saturday sunday hi hello hey dear thanks thank please yes yeah yep nope i
  ridiculous unacceptable terrible awful outrageous insane crazy absurd frustrating annoying disgusting
  muslim christian jewish catholic hindu buddhist atheist gay straight lesbian trans pregnant disabled deaf blind
  what who where why how when which there's it's name wrong correct incorrect missing different spelled misspelled
  ${LANGUAGES.join(' ')}`
    .toLowerCase()
    .split(/\s+/),
);

interface NameCue {
  pattern: RegExp;
  confidence: number;
  /** Strict cues ("I'm") accept only capitalised words; "my name is ana" is explicit enough for any case. */
  strict: boolean;
}

const NAME_CUES: readonly NameCue[] = [
  { pattern: /\bmy\s+(?:full\s+|first\s+)?name\s*(?:is(?![\p{L}'’])|['’]s|:|=)\s*/giu, confidence: 0.9, strict: false },
  { pattern: /(?:^|[\n.!?]\s*)(?:full\s+)?name\s*:\s*/giu, confidence: 0.85, strict: false },
  { pattern: /\b(?:you\s+can\s+|please\s+)?call\s+me\s+/giu, confidence: 0.75, strict: true },
  // Only after a greeting: a bare "This is Ridiculous" is an opinion, "Hi, this is Ana" an introduction.
  { pattern: /\b(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening))\b[\s,!.]*this\s+is\s+/giu, confidence: 0.7, strict: true },
  // Not "im": German "im Urlaub" would make a name of every capitalised noun.
  { pattern: /\b(?:i\s+am|i['’]m)\s+/giu, confidence: 0.6, strict: true },
];

const TRAILING_PUNCTUATION = /[.,!?;:)]+$/;
const possessive = (word: string) => /['’]s$/.test(word);
const countNames = (words: readonly string[]) => words.filter((w) => !PARTICLES.has(w)).length;

/**
 * Reads up to three name words (particles such as "de" between them) from `start`. Strict cues ("I'm") take
 * only capitalised words. After "my name is" a flat word ("ana", "ANA") is taken too, but a flat run of several
 * words only when it plainly ends there ("my name is ana lopez." / "... ana lopez and"), else just its first
 * word ("my name is ana can you help" -> Ana). A possessive ("I'm Ana's husband") means no name at all.
 */
function readName(text: string, start: number, strict: boolean): string | null {
  const words = text.slice(start, start + 120).split(/\s+/).filter(Boolean).slice(0, 8);
  const first = words[0]?.replace(TRAILING_PUNCTUATION, '');
  if (!first || possessive(first) || NOT_A_NAME.has(first.toLowerCase())) return null;
  if (strict ? !NAME_WORD.test(first) || isActivity(first) : !ANY_WORD.test(first)) return null;
  const flat = !NAME_WORD.test(first);
  const taken = [first];
  let closed = first !== words[0];
  let next = 1;
  for (; !closed && next < words.length && countNames(taken) < 3; next++) {
    const raw = words[next]!;
    const word = raw.replace(TRAILING_PUNCTUATION, '');
    if (possessive(word)) return null;
    if (PARTICLES.has(word) && word === raw) {
      taken.push(word);
      continue;
    }
    if (NOT_A_NAME.has(word.toLowerCase()) || !(flat ? ANY_WORD.test(word) : NAME_WORD.test(word))) break;
    if (strict && isActivity(word)) break;
    taken.push(word);
    closed = word !== raw;
  }
  while (taken.length > 1 && PARTICLES.has(taken[taken.length - 1]!)) taken.pop();
  const after = words[next]?.replace(TRAILING_PUNCTUATION, '').toLowerCase();
  if (flat && taken.length > 1 && !closed && after !== undefined && !NOT_A_NAME.has(after)) taken.splice(1);
  const name = taken.map((word, i) => (i > 0 && PARTICLES.has(word) ? word : titleCaseIfFlat(word))).join(' ');
  return name.length <= MAX_NAME_LENGTH ? name : null;
}

/** "-ing" words of 6+ letters are activities ("I'm Calling"), not names; "Ming" and "King" survive. */
function isActivity(word: string): boolean {
  return /ing$/i.test(word) && word.length > 5;
}

/** "ana" and "ANA" become "Ana"; "McDonald" stays as typed. */
function titleCaseIfFlat(word: string): string {
  const flat = word === word.toLowerCase() || word === word.toUpperCase();
  return flat ? word.toLowerCase().replace(/(^|[-'’])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase()) : word;
}

// ---- contact details

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b/g;
/** Before an address in its clause: the customer's own ("my e-mail", "reach me at") or one they wrote to. */
const OWN_ADDRESS = /\b(?:my|me|mine|i'm|i am|i use)\b/;
const WRITTEN_TO = /\b(?:to|emailed|e-mailed|mailed|wrote|sent|forwarded|contacted|cc|cc'd|from|support|your)\b/;

const PHONE_CUE =
  /\b(?:my\s+(?:phone|mobile|cell|telephone|contact|home|work|landline)(?:\s+(?:phone\s+)?(?:number|no\.?|#))?|(?:phone|mobile|cell|telephone)\s*(?:number|no\.?|#)|(?:call|reach|text|ring|whatsapp)\s+me\s+(?:back\s+)?(?:at|on))\s*(?:is\s+|:\s*|=\s*|-\s*)?/giu;
const PHONE_NUMBER = /^\+?\(?\d[\d\s().-]{5,22}\d(?!\d)/;

// ---- references

const DATE_LIKE = /^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{2,4})$/;
const REFERENCE = String.raw`#?\s*([A-Za-z0-9][A-Za-z0-9-]{2,31})`;
const ORDER_CUE = new RegExp(
  String.raw`\borders?\b\s*(?:number|no\.?|num\.?|id|ref(?:erence)?|#)?\s*(?:is\s+|:\s*|=\s*)?${REFERENCE}((?:\s*(?:,|and|&)\s*${REFERENCE.replace('(', '(?:')})*)`,
  'giu',
);
const TRACKING_CUE = /\btracking\s*(?:number|no\.?|#|id|code)?\s*(?:is\s+|:\s*|=\s*)?#?\s*([A-Za-z0-9]{8,34})\b/giu;

/** "A-123" or "1001": a few digits among letters, or four or more alone ("order 300 units" is a quantity). */
function isReference(id: string): boolean {
  const digits = id.match(/\d/g)?.length ?? 0;
  return digits >= (/^\d+$/.test(id) ? 4 : 3) && !DATE_LIKE.test(id);
}

// ---- preferences

const LANGUAGE = `(${LANGUAGES.join('|')})`;
const LANGUAGE_CUES: readonly [RegExp, number][] = [
  [new RegExp(String.raw`\b(?:reply|respond|answer|write|speak|talk|continue|chat)\s+(?:to\s+me\s+|with\s+me\s+)?in\s+${LANGUAGE}\b`, 'gi'), 0.9],
  [new RegExp(String.raw`\bi\s*(?:would\s+|['’]d\s+)?prefer(?:\s+to\s+(?:speak|talk|chat|write))?\s+(?:in\s+)?${LANGUAGE}\b`, 'gi'), 0.9],
  [new RegExp(String.raw`\bmy\s+(?:native\s+|first\s+|preferred\s+|mother\s+)?(?:language|tongue)\s+is\s+${LANGUAGE}\b`, 'gi'), 0.85],
  [new RegExp(String.raw`\b(?:can|could)\s+(?:we|you)\s+(?:please\s+)?(?:speak|talk|chat|continue|write)\s+in\s+${LANGUAGE}\b`, 'gi'), 0.8],
  [new RegExp(String.raw`\bi\s+(?:only\s+)?speak\s+${LANGUAGE}\b`, 'gi'), 0.7],
];

const CHANNEL = String.raw`(?:an?\s+)?(e-?mails?|phone(?:\s+calls?)?|telephone|calls?|text(?:\s+messages?)?|texts|sms|whats\s?app|post|letters?)`;
const CONTACT_CUES: readonly [RegExp, number][] = [
  [new RegExp(String.raw`\b(?:contact|reach|update|notify|get\s+back\s+to|reply\s+to|respond\s+to)\s+me\s+(?:by|via|through|over|on)\s+${CHANNEL}\b`, 'giu'), 0.85],
  [new RegExp(String.raw`\bi\s*(?:would\s+|['’]d\s+)?prefer\s+(?:to\s+be\s+contacted\s+)?(?:by|via|through|over)?\s*${CHANNEL}\b`, 'giu'), 0.85],
  [new RegExp(String.raw`\b${CHANNEL}\s+(?:is|works)\s+(?:best|better|easiest|easier|preferred)\b`, 'giu'), 0.8],
];

function channelOf(word: string): string {
  const w = word.toLowerCase();
  if (w.startsWith('e')) return 'email';
  if (w.startsWith('whats')) return 'whatsapp';
  if (w.startsWith('text') || w === 'sms') return 'sms';
  if (w === 'post' || w.startsWith('letter')) return 'post';
  return 'phone';
}

const TIER = String.raw`(premium|gold|silver|platinum|bronze|basic|standard|pro|professional|plus|free|business|enterprise|personal|family|student|starter|premier|joint|savings|checking|current|corporate|team|individual|unlimited|prepaid|postpaid|trial)`;
const TIER_CUE = new RegExp(
  String.raw`\b(?:i\s+(?:have|hold|own|got)|i['’]ve\s+got|i\s*['’]m\s+on|i\s+am\s+on|i\s*['’]m\s+using|i\s+am\s+using|my)\s+(?:an?\s+|the\s+)?${TIER}\s+(account|plan|subscription|membership|tier|package)\b`,
  'giu',
);

// ---- extraction

const NEGATION = /\b(?:not|never|no|don't|doesn't|didn't|isn't|wasn't|haven't|hasn't|can't|cannot|won't|used\s+to|no\s+longer)\b|n't\b/;

/** A negation earlier in the same clause cancels the cue: "I don't speak English", "I no longer have ...". */
function negated(text: string, index: number): boolean {
  const before = text.slice(Math.max(0, index - 200), index).toLowerCase().replace(/[’]/g, "'");
  return NEGATION.test(clauseBefore(before, before.length));
}

/** One line, no control characters, capped: customer text is data and must not smuggle structure into prompts. */
export function cleanValue(value: string, max = MAX_VALUE_LENGTH): string {
  const line = value.normalize('NFC').replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : line.slice(0, max).trimEnd();
}

export function extractFacts(text: string): ExtractedFact[] {
  const input = redactSensitive(text.slice(0, MAX_TEXT_LENGTH));
  const found = new Map<string, ExtractedFact>();
  /** References are not negatable: "I did not receive order 1234" is exactly when the order matters. */
  const add = (key: string, value: string, confidence: number, index: number, negatable = true) => {
    const clean = cleanValue(value);
    if (!clean || containsSensitive(clean) || (negatable && negated(input, index))) return;
    const previous = found.get(key);
    // A later, at-least-as-explicit statement wins ("sorry, my name is actually ...").
    if (!previous || confidence >= previous.confidence) found.set(key, { key, value: clean, confidence });
  };

  for (const cue of NAME_CUES) {
    for (const match of input.matchAll(cue.pattern)) {
      const name = readName(input, match.index + match[0].length, cue.strict);
      if (name) add('name', name, cue.confidence, match.index);
    }
  }

  for (const match of input.matchAll(EMAIL)) {
    const before = input.slice(Math.max(0, match.index - 80), match.index).toLowerCase();
    const clause = clauseBefore(before, before.length);
    const own = OWN_ADDRESS.test(clause);
    if (!own && WRITTEN_TO.test(clause)) continue;
    add('email', match[0].toLowerCase(), own ? 0.95 : 0.6, match.index);
  }

  for (const match of input.matchAll(PHONE_CUE)) {
    const number = PHONE_NUMBER.exec(input.slice(match.index + match[0].length))?.[0];
    const digits = number?.replace(/\D/g, '').length ?? 0;
    if (number && digits >= 7 && digits <= 15) add('phone', number.replace(/\s+/g, ' '), 0.85, match.index);
  }

  let orders = 0;
  for (const match of input.matchAll(ORDER_CUE)) {
    const ids = [match[1]!, ...(match[2] ?? '').split(/\s*(?:,|and|&)\s*/i).map((part) => part.replace(/^#?\s*/, ''))];
    for (const id of ids) {
      if (!id || !isReference(id) || orders >= MAX_ORDERS_PER_MESSAGE) continue;
      const normalised = id.toUpperCase();
      if (!found.has(`order:${normalised}`)) orders++;
      add(`order:${normalised}`, normalised, 0.9, match.index, false);
    }
  }

  for (const match of input.matchAll(TRACKING_CUE)) {
    if (isReference(match[1]!)) add('tracking_number', match[1]!.toUpperCase(), 0.85, match.index, false);
  }

  for (const [pattern, confidence] of LANGUAGE_CUES) {
    for (const match of input.matchAll(pattern)) {
      add('preferred_language', match[1]![0]!.toUpperCase() + match[1]!.slice(1).toLowerCase(), confidence, match.index);
    }
  }

  for (const [pattern, confidence] of CONTACT_CUES) {
    for (const match of input.matchAll(pattern)) add('preferred_contact', channelOf(match[1]!), confidence, match.index);
  }

  for (const match of input.matchAll(TIER_CUE)) {
    const [tier, kind] = [match[1]!.toLowerCase(), match[2]!.toLowerCase()];
    // A "current account" is a kind of account; "my current plan" is just the plan I have now.
    if (kind === 'account') add('account_type', tier, 0.8, match.index);
    else if (tier !== 'current') add('plan', tier, 0.8, match.index);
  }

  return [...found.values()];
}
