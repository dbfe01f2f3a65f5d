import { describe, expect, it } from 'vitest';
import { correctTypos } from './typos.js';

describe('correctTypos', () => {
  it.each([
    ['can i talk to somone', 'can i talk to someone'],
    ['a real eprson', 'a real person'],
    ['talkk to an agnet', 'talk to an agent'],
    ['an opertor please', 'an operator please'],
    ['a represnetative', 'a representative'],
    ['speak tosomebody', 'speak to somebody'],
    ['chatting with an assistgant', 'chatting with an assistant'],
  ])('puts right %j', (typed, meant) => {
    expect(correctTypos(typed)).toBe(meant);
  });

  it.each([
    // Real words one slip from a request word, short words, and words that are fine as they are.
    'i need to manage my contract',
    'taking a walk',
    'a humane persona',
    'a steak for the cat',
    'chat wth me',
    'my refund has not arrived',
    'speak to someone',
  ])('leaves %j alone', (text) => {
    expect(correctTypos(text)).toBe(text);
  });
});
