import { describe, expect, it } from 'vitest';
import { conversationTitle } from './support-agent.js';

describe('conversation title', () => {
  it('is the first line of the first message, cut at a word past 80 characters', () => {
    expect(conversationTitle('Where is my parcel?\nIt was due on Monday.')).toBe('Where is my parcel?');
    const long = 'My order 12345 arrived with a broken screen and the replacement you promised last week never came either';
    const title = conversationTitle(long);
    expect(title.endsWith('…')).toBe(true);
    expect(title.length).toBeLessThanOrEqual(81);
    expect(long.startsWith(title.slice(0, -1))).toBe(true);
    expect(title.slice(0, -1).endsWith(' ')).toBe(false);
  });
});
