/**
 * Secrets a customer may type that must never be remembered or repeated in a ticket summary: payment card
 * numbers (13-19 digits passing the Luhn check, with or without spaces or dashes), the value after a password,
 * PIN, CVV, one-time code, bank account / IBAN / sort code / routing / social security keyword, bare IBANs and
 * US social security numbers. `redactSensitive` replaces them before any extraction or summarising runs, and
 * `containsSensitive` is the last check on every value that is about to be stored.
 */

export const REDACTED = '[redacted]';

/** The Luhn checksum every payment card number satisfies (and ~10% of random digit strings do too). */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Digit groups joined by single spaces or dashes: "4111 1111 1111 1111", "4111-1111-...", "4111111111111111". */
const DIGIT_RUN = /(?<!\w)\d+(?:[ -]\d+)*(?!\w)/g;

/**
 * Whether a run of digit groups holds a card number: the whole run, or any span of whole groups, of 13-19
 * digits that passes Luhn ("4111 1111 1111 1111 123" is a card followed by its CVV). Spans follow the groups the
 * customer typed, so an unbroken 25-digit reference is not scanned for a lucky 16-digit window.
 */
function holdsCardNumber(run: string): boolean {
  const groups = run.split(/[ -]/);
  for (let start = 0; start < groups.length; start++) {
    let digits = '';
    for (let end = start; end < groups.length; end++) {
      digits += groups[end];
      if (digits.length > 19) break;
      if (digits.length >= 13 && luhnValid(digits)) return true;
    }
  }
  return false;
}

const SECRET_WORDS = String.raw`(?:passwords?|pass\s*codes?|passwd|pwd|pins?(?:\s+(?:code|number))?|cvv2?|cvc2?|csc|security\s+code|card\s+verification(?:\s+(?:code|value))?|otp|one[\s-]time\s+(?:password|pass\s*code|code)|verification\s+code|(?:bank\s+)?account\s+(?:number|no\.?|#)|acct\.?\s*(?:number|no\.?|#)?|iban|sort\s+code|routing\s+(?:number|no\.?)|aba\s+number|ssn|social\s+security\s+(?:number|no\.?))`;
/** Words after "my password was ..." that say what happened to it rather than what it is. */
const NOT_A_SECRET = String.raw`(?:reset|changed|updated|not|wrong|incorrect|correct|rejected|refused|expired|locked|blocked|stolen|compromised|hacked|accepted|sent|the|a|an|my|too|still|working|ok|fine)\b`;
/**
 * The value after a secret keyword, when it is clearly given: after "is", ":" or "=" (any token but the words
 * above), or straight after the keyword when it contains a digit ("pin 1234"). "I forgot my password and ..."
 * keeps its "and".
 */
/** One token (its trailing punctuation left alone), or digit groups: "hunter2", "12 34 56 78". */
const VALUE = String.raw`\S+?(?:[ -]\d+)*(?=[.,;!?]*(?:\s|$))`;
const SECRET_VALUE = new RegExp(
  String.raw`\b(${SECRET_WORDS})(?:(\s*(?:is|was|=|:)\s*)(?!${NOT_A_SECRET})(${VALUE})|(\s+)((?=\S*\d)${VALUE}))`,
  'giu',
);
const IBAN = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b/g;
const US_SSN = /\b\d{3}-\d{2}-\d{4}\b/g;

export function redactSensitive(text: string): string {
  // Shapes first (an IBAN spans spaces the keyword rule would stop at), then whatever follows a keyword.
  return text
    .replace(IBAN, (match) => ((match.match(/\d/g)?.length ?? 0) >= 8 ? REDACTED : match))
    .replace(US_SSN, REDACTED)
    .replace(DIGIT_RUN, (run) => (holdsCardNumber(run) ? REDACTED : run))
    .replace(SECRET_VALUE, (_match, word: string, connector?: string, value?: string, space?: string) =>
      value !== undefined ? `${word}${connector}${REDACTED}` : `${word}${space}${REDACTED}`,
    );
}

/** True when `value` holds anything `redactSensitive` would remove. */
export function containsSensitive(value: string): boolean {
  if (redactSensitive(value) !== value) return true;
  // Digits among letters ("A4111111111111111") escape the run pattern: check them as one number too.
  const digits = value.replace(/\D/g, '');
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
}
