/**
 * Typing slips in the few words a request for a human hangs on ("somone", "eprson", "talkk", "represnetative"),
 * put right before the request shapes are matched: customers type fast in a chat box, and a missed request for a
 * human costs far more than a missed word elsewhere.
 *
 * Only a word that is not itself a vocabulary word is corrected, and only to a vocabulary word one edit away
 * (a letter added, dropped, changed, or two neighbours swapped). Short words are where real words sit one edit
 * apart ("steak"/"speak", "cat"/"chat"), so the shorter a vocabulary word, the fewer slips it accepts: from six
 * letters any one edit, at five only a swap of neighbours or a doubled letter, and four-letter words only a
 * doubled letter.
 */

const VOCABULARY = [
  'human', 'humans', 'person', 'people', 'agent', 'agents', 'someone', 'somebody', 'anyone', 'anybody',
  'operator', 'operators', 'representative', 'representatives', 'assistant', 'assistants', 'advisor', 'adviser',
  'customer', 'service', 'support', 'transfer', 'connect', 'contact', 'contacting', 'speak', 'speaking',
  'talk', 'talking', 'chatting', 'employee', 'manager', 'supervisor',
];
const KNOWN = new Set(VOCABULARY);
/**
 * Real words one slip away from the vocabulary, never corrected: every such word of at least four letters in a
 * 20,000-word English word list (all-MiniLM-L6-v2's vocabulary), except inflections of the vocabulary words
 * themselves ("persons", "contacts"), which mean the same thing corrected.
 */
const REAL_WORDS = new Set([
  'taking', 'walking', 'stalking', 'peaking', 'sneaking', 'charting', 'chanting', 'contract', 'contracting', 'manage',
  'managed', 'manages', 'employed', 'employer', 'pearson', 'persona', 'advise', 'advised', 'advises', 'advisory',
  'serviced', 'humane', 'supervisory',
]);

/** Whether `typed` is `word` with one neighbouring pair swapped. */
function swapped(typed: string, word: string): boolean {
  if (typed.length !== word.length) return false;
  let first = -1;
  for (let i = 0; i < word.length; i += 1) {
    if (typed[i] === word[i]) continue;
    if (first >= 0) return i === first + 1 && typed[first] === word[i] && typed[i] === word[first] && typed.slice(i + 1) === word.slice(i + 1);
    first = i;
  }
  return false;
}

/** Whether `typed` is `word` with one of its letters typed twice ("talkk", "talkiing"). */
function doubled(typed: string, word: string): boolean {
  if (typed.length !== word.length + 1) return false;
  for (let i = 1; i < typed.length; i += 1) {
    if (typed[i] === typed[i - 1] && typed.slice(0, i) + typed.slice(i + 1) === word) return true;
  }
  return false;
}

/** Whether `typed` is one edit (insert, delete, substitute) away from `word`. */
function oneEdit(typed: string, word: string): boolean {
  const [a, b] = typed.length <= word.length ? [typed, word] : [word, typed];
  if (b.length - a.length > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  return a.length === b.length ? a.slice(i + 1) === b.slice(i + 1) : a.slice(i) === b.slice(i + 1);
}

function accepts(typed: string, word: string): boolean {
  if (doubled(typed, word)) return true;
  if (word.length >= 6) return oneEdit(typed, word) || swapped(typed, word);
  if (word.length === 5) return swapped(typed, word);
  return false;
}

function correctWord(typed: string): string {
  if (typed.length < 4 || KNOWN.has(typed) || REAL_WORDS.has(typed)) return typed;
  for (const word of VOCABULARY) if (accepts(typed, word)) return word;
  // Two words run together: "tosomebody", "anagent".
  const joined = /^(to|with|an?|the|some)(.{5,})$/.exec(typed);
  if (joined && KNOWN.has(joined[2]!)) return `${joined[1]} ${joined[2]}`;
  return typed;
}

/** `text` (already normalised: lower case, single spaces) with slips in the request vocabulary put right. */
export function correctTypos(text: string): string {
  return text.replace(/[a-z]{4,}/g, correctWord);
}
