/**
 * Turns whatever a customer typed into safe full-text queries. Search text is never passed to FTS5 or
 * to_tsquery as syntax: it is cut into words (runs of Unicode letters, marks and digits, close to FTS5's
 * unicode61 tokenizer), stopwords are dropped, and each word becomes a quoted term, OR-ed with the others - so
 * quotes, parentheses, NEAR, AND/NOT, '-', '*', ':' and '^' are plain words or separators, never operators.
 * OR rather than AND: a support question rarely shares every word with the passage that answers it, and BM25 /
 * ts_rank already reward passages that match more of the terms.
 */

/** Common English function words: they match nearly every chunk and only cost time. */
const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both ' +
    'but by can could did do does doing down during each few for from further had has have having he her here hers ' +
    'herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on ' +
    'once only or other our ours ourselves out over own same she should so some such than that the their theirs them ' +
    'themselves then there these they this those through to too under until up very was we were what when where ' +
    'which while who whom why will with would you your yours yourself yourselves im ive id youre dont doesnt didnt ' +
    'cant wont isnt arent wasnt hi hello please thanks thank'
  ).split(' '),
);

/** Caps that keep a pasted essay from becoming a query with thousands of terms. */
export const MAX_QUERY_TERMS = 48;
const MAX_TERM_LENGTH = 64;

// Marks stay inside words (Devanagari, Thai and decomposed accents would otherwise split mid-word).
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/** Lower-cased, accents removed (as FTS5's remove_diacritics and most users' spelling expect). */
export function foldWord(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

export interface QueryTermOptions {
  /** Drop English stopwords (default true). */
  stopwords?: boolean;
  maxTerms?: number;
}

/**
 * The distinct search terms of `text`, lower-cased, in first-seen order. Accents are kept: FTS5 removes them
 * itself (remove_diacritics), and PostgreSQL's english configuration does not, so a folded "cafe" would miss
 * its stored "café" there.
 */
export function queryTerms(text: string, options: QueryTermOptions = {}): string[] {
  const maxTerms = options.maxTerms ?? MAX_QUERY_TERMS;
  const words: string[] = [];
  const seen = new Set<string>();
  for (const match of text.normalize('NFC').matchAll(WORD)) {
    const word = match[0].toLowerCase().slice(0, MAX_TERM_LENGTH);
    // Lone letters are mostly debris of contractions ("don't" -> "don", "t"); lone digits can matter ("step 2").
    if (word.length === 0 || (word.length === 1 && !/\p{N}/u.test(word)) || seen.has(word)) continue;
    seen.add(word);
    words.push(word);
  }
  // A query of nothing but stopwords ("what is this") searches nothing: matching every chunk on "is" is noise,
  // and PostgreSQL's english configuration drops them anyway - both index kinds behave the same.
  const content = options.stopwords === false ? words : words.filter((word) => !STOPWORDS.has(foldWord(word)));
  return content.slice(0, maxTerms);
}

/** An FTS5 MATCH expression for `terms`: `"a" OR "b"`; undefined when there is nothing to search for. */
export function fts5MatchQuery(terms: string[]): string | undefined {
  // Terms hold only letters and digits, so the quotes can never be closed early.
  return terms.length === 0 ? undefined : terms.map((term) => `"${term}"`).join(' OR ');
}

/** A to_tsquery() input for `terms`: `a | b`; letters and digits only, so no tsquery operator can appear. */
export function tsQueryText(terms: string[]): string | undefined {
  return terms.length === 0 ? undefined : terms.join(' | ');
}
