import { describe, expect, it } from 'vitest';
import { SessionTokens } from './authorize.js';

describe('session tokens', () => {
  const tokens = new SessionTokens('a-secret-key-for-the-token-tests-0123456789');

  it('names the session of a token it issued', () => {
    const token = tokens.issue('session-1');
    expect(tokens.sessionIdOf(token)).toBe('session-1');
    expect(token.split('.')).toHaveLength(3);
  });

  it('refuses a token with any part changed, or made with another key', () => {
    const [id, secret, tag] = tokens.issue('session-1').split('.') as [string, string, string];
    const flip = (text: string) => (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    expect(tokens.sessionIdOf(`session-2.${secret}.${tag}`)).toBeUndefined();
    expect(tokens.sessionIdOf(`${id}.${flip(secret)}.${tag}`)).toBeUndefined();
    expect(tokens.sessionIdOf(`${id}.${secret}.${flip(tag)}`)).toBeUndefined();
    expect(tokens.sessionIdOf(`${id}.${secret}`)).toBeUndefined();
    expect(tokens.sessionIdOf('not a token')).toBeUndefined();
    const other = new SessionTokens('another-secret-key-0123456789-0123456789');
    expect(other.sessionIdOf(tokens.issue('session-1'))).toBeUndefined();
  });

  it('issues a different secret every time', () => {
    expect(tokens.issue('s')).not.toBe(tokens.issue('s'));
  });
});
