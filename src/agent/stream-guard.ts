/**
 * The reply's contact-detail check (guardrails.contactScreen) applied while it streams. Text is released as
 * soon as it cannot be part of an unseen address or number:
 * - a trailing run that could still grow into a phone number (digits, spaces, + ( ) . -) is held until complete;
 * - the current word is released while it is letters only, and held from its first other character (@ . _ + -
 *   digits...) until it is complete. When such a word turns out to be an unseen e-mail address, everything from
 *   that character on is replaced, so what reached the client is at most the address's leading letters ("bob"):
 *   no usable address, and no more than a name, which the screen does not cover anyway.
 * Releasing letters at once keeps the first token as fast as the model's (holding every word until the next
 * token arrived cost one token's time, ~17 ms with a small local model).
 */
import type { ContactScreen } from './guardrails.js';

/** A run of phone-number characters (digits, spaces, + ( ) . -) at the end of the text that holds a digit. */
const TRAILING_NUMBER = /\+?[\d(][\d\s().-]*$/u;
const WHITESPACE = /\s/u;
/** The leading letters of a word: safe to release before the word is complete. */
const LEADING_LETTERS = /^\p{L}+/u;

export interface StreamGuard {
  push(delta: string): void;
  /** Releases whatever is held (the stream ended). */
  flush(): void;
  /** Contact details removed so far. */
  readonly removed: number;
}

export function createStreamGuard(screen: ContactScreen, emit: (text: string) => void): StreamGuard {
  let held = '';
  /** Letters of the current word already released (held text continues this word). */
  let releasedOfWord = '';
  let removed = 0;
  const release = (text: string) => {
    if (!text) return;
    // Screened together with the part of its word already sent, so an address split across the two is seen.
    const checked = screen.redact(releasedOfWord + text);
    removed += checked.removed;
    const out = checked.text.startsWith(releasedOfWord) ? checked.text.slice(releasedOfWord.length) : checked.text;
    emit(out);
    const lastSpace = lastWhitespace(text);
    releasedOfWord = lastSpace < 0 ? releasedOfWord + text : text.slice(lastSpace + 1);
  };
  return {
    push(delta) {
      held += delta;
      let cut = lastWhitespace(held) + 1;
      const number = TRAILING_NUMBER.exec(held.slice(0, cut));
      if (number) cut = number.index;
      else cut += LEADING_LETTERS.exec(held.slice(cut))?.[0].length ?? 0;
      release(held.slice(0, cut));
      held = held.slice(cut);
    },
    flush() {
      release(held);
      held = '';
    },
    get removed() {
      return removed;
    },
  };
}

function lastWhitespace(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (WHITESPACE.test(text[i]!)) return i;
  return -1;
}
