/**
 * The reply's contact-detail check (guardrails.contactScreen) applied while it streams: text is released
 * word by word, and a trailing run that could still grow into an e-mail address or a phone number is held back
 * until it is complete, so no unseen address or number reaches the client even for a moment.
 */
import type { ContactScreen } from './guardrails.js';

/** A run of phone-number characters (digits, spaces, + ( ) . -) at the end of the text that holds a digit. */
const TRAILING_NUMBER = /\+?[\d(][\d\s().-]*$/u;

export interface StreamGuard {
  push(delta: string): void;
  /** Releases whatever is held (the stream ended). */
  flush(): void;
  /** Contact details removed so far. */
  readonly removed: number;
}

export function createStreamGuard(screen: ContactScreen, emit: (text: string) => void): StreamGuard {
  let held = '';
  let removed = 0;
  const release = (text: string) => {
    if (!text) return;
    const checked = screen.redact(text);
    removed += checked.removed;
    emit(checked.text);
  };
  return {
    push(delta) {
      held += delta;
      const lastSpace = Math.max(held.lastIndexOf(' '), held.lastIndexOf('\n'), held.lastIndexOf('\t'));
      if (lastSpace < 0) return;
      let cut = lastSpace + 1;
      const number = TRAILING_NUMBER.exec(held.slice(0, cut));
      if (number) cut = number.index;
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
