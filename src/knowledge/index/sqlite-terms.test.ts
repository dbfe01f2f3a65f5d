import { describe, expect, it } from 'vitest';
import { selectInformativeTerms } from './sqlite-terms.js';

describe('selectInformativeTerms', () => {
  it('leaves out terms in more than the given fraction of chunks, but never every term', () => {
    expect(selectInformativeTerms(['refund', 'bank', 'card'], [40, 900, 300], 1000, 0.5)).toEqual(['refund', 'card']);
    expect(selectInformativeTerms(['bank', 'account'], [900, 700], 1000, 0.5)).toEqual(['account']);
    expect(selectInformativeTerms(['unknown'], [0], 1000, 0.5)).toEqual(['unknown']);
    expect(selectInformativeTerms([], [], 1000, 0.5)).toEqual([]);
  });
});
