import { describe, expect, it } from 'vitest';
import { summarizeConversation } from './summary.js';

const customer = (content: string) => ({ role: 'customer', content });
const assistant = (content: string) => ({ role: 'assistant', content });

const conversation = [
  customer('Hi there!'),
  assistant('Hello! How can I help you today?'),
  customer("Hello, I'm Ana. My order #A-12345 hasn't arrived and I need it by Friday. Can you check?"),
  assistant('I am sorry to hear that [1]. Orders usually arrive within **5 working days**. You can track it in your account.'),
  customer('I was charged $49.99 twice on 3 March for it.\nThe tracking page says delivered but nothing is here. My card is 4111 1111 1111 1111.'),
  customer('ok thanks'),
  customer('Also order 778812 was damaged when it arrived last week.'),
  { role: 'system', content: 'Escalation policy: negative sentiment' },
  customer('This is ridiculous, I want to talk to a human.'),
  assistant('I have passed your conversation to our support team. Someone will reply within 2 hours.'),
];

describe('summarizeConversation', () => {
  it('gives a human the request, the key statements, the references and the last reply', () => {
    expect(summarizeConversation(conversation)).toBe(
      [
        "Customer request: I'm Ana. My order #A-12345 hasn't arrived and I need it by Friday. Can you check?",
        'Also mentioned:',
        '- I was charged $49.99 twice on 3 March for it.',
        '- The tracking page says delivered but nothing is here.',
        '- Also order 778812 was damaged when it arrived last week.',
        'References: order A-12345, order 778812',
        'Last assistant reply: I have passed your conversation to our support team. Someone will reply within 2 hours.',
      ].join('\n'),
    );
  });

  it('never repeats a secret, and keeps every line single', () => {
    const summary = summarizeConversation([
      customer('My card 4111 1111 1111 1111 was charged twice yesterday, my PIN is 1234.\n\nPlease refund it'),
    ]);
    expect(summary).not.toMatch(/4111|1234/);
    expect(summary).toContain('[redacted]');
    expect(summary.split('\n')[0]).toMatch(/^Customer request: My card \[redacted\] was charged twice yesterday/);
  });

  it('keeps to its sentence and character budgets, dropping the least telling points first', () => {
    const short = summarizeConversation(conversation, { maxSentences: 3 });
    expect(short.match(/^- /gm)).toHaveLength(1);
    expect(short).toContain('- I was charged $49.99 twice on 3 March for it.');
    expect(summarizeConversation(conversation, { maxSentences: 1 })).not.toContain('Last assistant reply');
    const tight = summarizeConversation(conversation, { maxChars: 300 });
    expect(tight.length).toBeLessThanOrEqual(300);
    expect(tight).toContain('Customer request:');
    expect(tight).not.toContain('Also mentioned');
    const long = summarizeConversation([customer(`My parcel is ${'very '.repeat(400)}late`)], { maxChars: 200 });
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long.endsWith('…')).toBe(true);
  });

  it('is deterministic and copes with conversations that say little', () => {
    expect(summarizeConversation(conversation)).toBe(summarizeConversation([...conversation]));
    expect(summarizeConversation([])).toBe('');
    expect(summarizeConversation([assistant('Hello!')])).toBe('');
    expect(summarizeConversation([customer('hello?')])).toBe('Customer request: Hello?');
    expect(summarizeConversation([customer('Hi!'), customer('refund?')])).toBe('Customer request: Refund?');
  });
});
