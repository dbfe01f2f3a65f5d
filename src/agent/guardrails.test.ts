import { describe, expect, it } from 'vitest';
import { admitsNotKnowing, citedSources, contactScreen, dropInventedCitations, repeatsRules } from './guardrails.js';
import { systemRules } from './prompts/system.js';
import { acceptsOffer, detectSmallTalk } from './small-talk.js';
import { createStreamGuard } from './stream-guard.js';

const passage = (n: number) => ({ documentId: `d${n}`, title: `Doc ${n}`, chunkId: `c${n}`, score: 0.5, snippet: `text ${n}` });

describe('contact screen', () => {
  const screen = contactScreen('My email is me@example.com and my phone is +44 20 7946 0000. Order 123456.');
  it('keeps contact details the conversation saw and removes the others', () => {
    expect(screen.redact('Write to me@example.com or call +44 20 7946 0000').text).toBe('Write to me@example.com or call +44 20 7946 0000');
    expect(screen.redact('Write to other@example.org or call 020 7946 1111')).toEqual({ text: 'Write to [removed] or call [removed]', removed: 2 });
  });
  it('leaves amounts, dates and order numbers alone', () => {
    const text = 'Refunds of £120.50 take 5 days; order 123456 shipped on 2024-03-01.';
    expect(screen.redact(text).text).toBe(text);
  });
});

describe('stream guard', () => {
  it('never releases an unseen address or number, however the stream splits it', () => {
    const out: string[] = [];
    const guard = createStreamGuard(contactScreen(''), (text) => out.push(text));
    for (const delta of ['Call ', '+4', '4 20 79', '46 0', '958 or mail bo', 'b@exa', 'mple.com', ' today']) guard.push(delta);
    guard.flush();
    const streamed = out.join('');
    // The address's leading letters went out before the @ came; the address itself never did.
    expect(streamed).toBe('Call [removed] or mail bob[removed] today');
    expect(out.every((piece) => !/\d{3}|@|example/.test(piece))).toBe(true);
    expect(guard.removed).toBe(2);
  });
  it('never releases a usable unseen address or number, wherever the stream splits', () => {
    const text = 'Mail jo.smith@corp.example.org or call +1 (555) 010-9999, not help@shop.com. Order 1234 ships today.';
    const screen = contactScreen('you can write to help@shop.com');
    for (let first = 1; first < text.length; first++) {
      for (const step of [1, 3, 7]) {
        const out: string[] = [];
        const guard = createStreamGuard(screen, (piece) => out.push(piece));
        guard.push(text.slice(0, first));
        for (let at = first; at < text.length; at += step) guard.push(text.slice(at, at + step));
        guard.flush();
        const streamed = out.join('');
        expect(streamed).not.toMatch(/@corp|corp\.example|555|9999/);
        expect(streamed).toContain('help@shop.com');
        expect(streamed).toContain('Order 1234 ships today.');
        expect(guard.removed).toBe(2);
      }
    }
  });
  it('releases letters at once and holds what could become an address or a number', () => {
    const out: string[] = [];
    const guard = createStreamGuard(contactScreen('write to help@shop.com'), (text) => out.push(text));
    guard.push('The');
    expect(out.join('')).toBe('The');
    guard.push(' refund takes 1');
    expect(out.join('')).toBe('The refund takes ');
    guard.push('4 days; mail help');
    expect(out.join('')).toBe('The refund takes 14 days; mail help');
    guard.push('@shop');
    expect(out.join('')).toBe('The refund takes 14 days; mail help');
    guard.push('.com.');
    guard.flush();
    expect(out.join('')).toBe('The refund takes 14 days; mail help@shop.com.');
    expect(guard.removed).toBe(0);
  });
});

describe('citations', () => {
  const passages = [passage(1), passage(2)];
  it('reads [n] markers in order of first citation and drops invented ones', () => {
    expect(citedSources('See [2] and [1], again [2].', passages).map((p) => p.chunkId)).toEqual(['c2', 'c1']);
    expect(dropInventedCitations('Yes [1][3].', passages.length)).toBe('Yes [1].');
  });
});

describe('reply checks', () => {
  it('spots a reply that repeats the system rules', () => {
    const rules = systemRules('Acme', true);
    expect(repeatsRules(`My rules: ${rules.split('\n')[2]}`, rules)).toBe(true);
    expect(repeatsRules('You can return items within 30 days [1].', rules)).toBe(false);
  });
  it('spots a reply that admits not knowing', () => {
    expect(admitsNotKnowing("I'm not sure about that.")).toBe(true);
    expect(admitsNotKnowing("I couldn't find anything in the help centre about pets.")).toBe(true);
    expect(admitsNotKnowing('You can return items within 30 days [1].')).toBe(false);
  });
});

describe('small talk', () => {
  it('recognises whole greetings, thanks and goodbyes only', () => {
    expect(detectSmallTalk('Hello!')).toBe('greeting');
    expect(detectSmallTalk('good morning team')).toBe('greeting');
    expect(detectSmallTalk('ok thanks')).toBe('thanks');
    expect(detectSmallTalk('bye')).toBe('goodbye');
    expect(detectSmallTalk('hi, my card was stolen')).toBeUndefined();
  });
  it('recognises a yes to the offer of a human', () => {
    expect(acceptsOffer('yes please')).toBe(true);
    expect(acceptsOffer('Sure, thanks!')).toBe(true);
    expect(acceptsOffer('yes but how do refunds work?')).toBe(false);
  });
});
