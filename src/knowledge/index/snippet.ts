/**
 * The snippet shown beside a citation: a window of about 240 characters of the chunk around the densest cluster
 * of query words, cut at word boundaries, with an ellipsis where text was left out. Matching is by folded word
 * prefix (the query's "refunds" finds "refund", "refunded" finds "refunding") - a light stand-in for the
 * stemmer the full-text index used, good enough to place the window.
 */
import { foldWord } from './query-text.js';

export const DEFAULT_SNIPPET_LENGTH = 240;
const ELLIPSIS = '…';

interface Hit {
  start: number;
  end: number;
  term: number;
}

/** A crude stem: enough of a word's start that inflected forms of it share it. */
function stem(word: string): string {
  const stripped = word.replace(/(ings?|ed|es|s|ly|ment|ments|ation|ations)$/u, '');
  return stripped.length >= 3 ? stripped : word;
}

export function makeSnippet(text: string, terms: string[], length = DEFAULT_SNIPPET_LENGTH): string {
  const clean = text.replace(/\s+/gu, ' ').trim();
  if (clean.length <= length) return clean;
  const stems = terms.map((term) => stem(foldWord(term))).filter((s) => s.length > 0);
  const hits: Hit[] = [];
  for (const match of clean.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = foldWord(match[0]);
    const term = stems.findIndex((s) => word.startsWith(s));
    if (term >= 0) hits.push({ start: match.index, end: match.index + match[0].length, term });
  }
  if (hits.length === 0) return window(clean, 0, length);

  // Slide over the hits: the best window covers the most distinct terms, then the most hits.
  let best = { from: hits[0]!.start, distinct: 0, count: 0 };
  for (let i = 0, j = 0; i < hits.length; i++) {
    while (j < hits.length && hits[j]!.end - hits[i]!.start <= length) j++;
    const inWindow = hits.slice(i, j);
    const distinct = new Set(inWindow.map((hit) => hit.term)).size;
    if (distinct > best.distinct || (distinct === best.distinct && inWindow.length > best.count)) {
      best = { from: hits[i]!.start, distinct, count: inWindow.length };
    }
  }
  // Start a little before the first hit so the reader gets its context, not a sentence cut mid-word.
  const lead = Math.min(Math.floor(length / 4), best.from);
  return window(clean, best.from - lead, length);
}

function window(text: string, from: number, length: number): string {
  let start = Math.max(0, Math.min(from, text.length - length));
  let end = Math.min(text.length, start + length);
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space >= 0 && space < start + 20) start = space + 1;
  }
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start + length / 2) end = space;
  }
  return `${start > 0 ? ELLIPSIS : ''}${text.slice(start, end).trim()}${end < text.length ? ELLIPSIS : ''}`;
}
