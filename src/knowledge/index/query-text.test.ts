import { describe, expect, it } from 'vitest';
import { fts5MatchQuery, MAX_QUERY_TERMS, queryTerms, tsQueryText } from './query-text.js';
import { makeSnippet } from './snippet.js';

describe('query terms', () => {
  it('keeps words, drops syntax, stopwords and duplicates', () => {
    expect(queryTerms('How do I "reset" my PASSWORD (NEAR) -now* reset?')).toEqual(['reset', 'password', 'near']);
    expect(fts5MatchQuery(queryTerms('title:refund ^card'))).toBe('"title" OR "refund" OR "card"');
    expect(tsQueryText(queryTerms("refund:* & card:A | !x <-> '; drop"))).toBe('refund | card | drop');
    expect(queryTerms('what is this')).toEqual([]);
    expect(queryTerms('what is this', { stopwords: false })).toEqual(['what', 'is', 'this']);
    expect(queryTerms('Café naïve step 2 don\'t')).toEqual(['café', 'naïve', 'step', '2', 'don']);
    expect(queryTerms(Array.from({ length: 500 }, (_, i) => `w${i}`).join(' '))).toHaveLength(MAX_QUERY_TERMS);
    expect(fts5MatchQuery([])).toBeUndefined();
  });
});

describe('snippet', () => {
  const filler = (word: string, n: number) => `${word} `.repeat(n);
  it('returns short text whole and cuts long text around the densest cluster of query words', () => {
    expect(makeSnippet('  Short   text. ', ['x'])).toBe('Short text.');
    const text = `${filler('alpha', 60)}the refund of a card payment arrives in five days ${filler('omega', 60)}`;
    const snippet = makeSnippet(text, ['refunds', 'payments']);
    expect(snippet).toMatch(/^….*refund of a card payment.*…$/);
    expect(snippet.length).toBeLessThanOrEqual(242);
    expect(makeSnippet(text, ['nothing-matches'])).toMatch(/^alpha.*…$/);
    expect(makeSnippet(`${filler('x', 100)}café`, ['CAFE'])).toMatch(/café$/);
  });
});
