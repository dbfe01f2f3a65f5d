/** The escalation policy on utterances written for this test (not taken from any evaluation set). */
import { describe, expect, it } from 'vitest';
import { findExplicitRequest } from '../../../src/agent/escalation/explicit.js';
import { decideEscalation, type EscalationSettings } from '../../../src/agent/escalation/policy.js';
import { scoreSentiment } from '../../../src/agent/escalation/sentiment.js';

const settings: EscalationSettings = { enabled: true, confidenceThreshold: 0.7, keywords: { urgent: 1.0, emergency: 1.0, legal: 0.9 } };
const decide = (message: string, extra: Partial<Parameters<typeof decideEscalation>[0]> = {}, s = settings) =>
  decideEscalation({ message, ...extra }, s);

describe('explicit requests for a human', () => {
  it.each([
    'Can I speak to a real person please?',
    "I'd like to talk with one of your agents",
    'Put me through to customer service',
    'transfer me',
    'Please have someone call me back tomorrow morning',
    'operator',
    'Human, please!',
    'I want a human, not a bot',
    'Is there someone I could talk to about my mortgage?',
    "Why can't I just talk to somebody?",
    'connect me with a representative',
    'I need to speak with your supervisor',
    'Could you give me a call on my mobile?',
    'let me talk to the front desk',
    "I'd rather speak to a human being",
    'get me a live agent',
    "I don't want to chat with a robot",
    'this chat is not helping at all',
    'is there any way to reach customer support by phone?',
    'I want to talk to the housekeeping team about my room',
    'Stop, no more bots. Get me someone from your team.',
    'Can I get a callback?',
    'put me on to someone who knows what they are doing',
    'Can a member of staff contact me?',
    'Who can I talk to about this?',
    'Let me speak to your boss',
    'I need assistance from a person',
    'Are there any humans here?',
    'Please give me an actual human',
    'gimme a person pls',
    'I want to speak with a normal agent',
    'how do I reach one of your non-automated advisors?',
    'could you put me in touch with a real person',
    'please hand this conversation over to an agent',
    'human handover please',
    "I don't wanna chat with you anymore",
    'this bot is useless',
    'get someone to look at my claim',
    'can somebody else help me with this?',
    'do you have anyone there to talk to?',
    'are there also people working at your support desk?',
    "I don't know how I can get hold of an advisor",
    'I need to contact somebody about my order',
    // A shop's or a bank's assistant is a person; typing slips in the words the request hangs on:
    'could I chat with an assistant about my delivery?',
    'I would like help contacting an advisor',
    'can i speak to somone please',
    'I want to talk to a real eprson',
    'put me through to an opertor',
    'need to speak to a represnetative now',
    'please let me talkk to an agnet',
    'I want speak a representative',
    'please connect an operator',
    'let me talk to your customer care executive',
    'please call me 0207 946 0000',
    // "send me to", a bare role with "help", "manual" service, not wanting a machine:
    'can you send me to a colleague of yours?',
    'operator help',
    'I would prefer manual customer support',
    'human service please',
    "I really don't want a chatbot",
    'is there somebody here we could actually speak with?',
    'good morning, agent please',
    // A place, a product or "near" later in the message does not cancel a request:
    "get me a human, I'm close to my wits' end",
    "I need to speak to an agent, I'm near the end of my patience",
    'can I speak to customer service card declined',
    'talk to an agent credit limit issue',
  ])('escalates: %s', (message) => {
    const decision = decide(message);
    expect(decision.escalate).toBe(true);
    expect(decision.reasons.map((r) => r.kind)).toContain('explicit_request');
  });

  it.each([
    "I don't want to talk to a human, just tell me the balance",
    'No need to transfer me, you answered my question',
    'Do I have to speak to someone to close my account?',
    'Can I close my account online without talking to anyone?',
    'I never want to be transferred to an agent again',
    'How do I change my PIN?',
    'What are your customer service opening hours?',
    'My card was stolen yesterday',
    'I spoke to an agent last week and she said the refund was on its way',
    'Is the spa open on Sunday?',
    'Can I book a table at the restaurant for eight?',
    'What phone number should I use for international transfers?',
    'Thanks, that is all I needed',
    'How much does a transfer to another bank cost?',
    'Please send the statement to my accountant',
    'Is there an agent fee for this?',
    'Who can I send money to abroad?',
    // A role or team named as a thing, a third party, or money moving to "someone":
    'Do you have staff in Paris?',
    'I want people to be able to pay me by card',
    'Can I see the branch opening hours?',
    'I would like the fraud team email address',
    'I have an agent who manages my rental property',
    'Can I get a person to person transfer?',
    'The app keeps asking me to contact the branch',
    'Can my partner call me from abroad with this plan?',
    'Please call me by my first name',
    'Give me a ring binder',
    'I need to send money to someone',
    'Transfer it to someone else',
    'Can I have a booking for two people?',
    // Questions about what the assistant is, and money moving to a new payee:
    'Are you a real person?',
    'r u human or a bot',
    'am I talking to a real agent right now?',
    'you sound like a real person',
    'I need to make a transfer to a new person',
    // The chat's own assistant, opening hours, and real words one letter from the request words:
    'the assistant told me my parcel left yesterday',
    'is your virtual assistant available in French?',
    'At what time can I call customer service on Saturdays?',
    'I need to manage my standing orders',
    'I want to cancel my phone contract',
    'Can I add a persona to my profile?',
    'the chat agent said my refund was sent',
    'let me chat a bit more about my order',
    // A greeting that names the assistant, how a thing is used when one calls, a person to find nearby, a role
    // that only describes a product:
    'hey agent',
    'which passcode do I give when I phone customer support?',
    'what number is used to speak to an agent about claims?',
    'After we talk to a representative, how long does the form take?',
    'can I update the security details for speaking to an agent?',
    'can I talk to an advisor near my home?',
    'how do I find the nearest agent to me?',
    'I want to talk to a mortgage consultant close to where I live',
    'I need employee discounts for my staff',
    // Refusing the offer of one, and not wanting a machine that is not this chat:
    'no agent please',
    "I don't want automated payments any more",
    "so I don't need a computer to open an account?",
  ])('does not escalate: %s', (message) => {
    const decision = decide(message);
    expect(decision.escalate).toBe(false);
    expect(findExplicitRequest(message)).toBeUndefined();
  });

  it('records what matched', () => {
    const decision = decide('Can you transfer me to a human agent?');
    expect(decision.reasons).toEqual([{ kind: 'explicit_request', detail: expect.stringContaining('transfer me to a human agent'), weight: 1 }]);
    expect(decision.score).toBe(1);
  });
});

describe('keywords', () => {
  const weighted: EscalationSettings = { ...settings, keywords: { urgent: 1.0, legal: 0.6, lawyer: 0.5, 'data breach': 0.7 } };

  it('sums the weights of the keywords present and escalates at 1.0', () => {
    const decision = decide('I need legal advice, my lawyer says the fee was unlawful', {}, weighted);
    expect(decision.reasons.filter((r) => r.kind === 'keyword')).toEqual([
      { kind: 'keyword', detail: 'keyword "legal"', weight: 0.6 },
      { kind: 'keyword', detail: 'keyword "lawyer"', weight: 0.5 },
    ]);
    expect(decision.score).toBe(1.1);
    expect(decision.escalate).toBe(true);
  });

  it('does not escalate on one light keyword', () => {
    const decision = decide('Is this legal?', {}, weighted);
    expect(decision.score).toBe(0.6);
    expect(decision.escalate).toBe(false);
  });

  it('matches whole words, case-insensitively, multi-word keywords across spaces', () => {
    expect(decide('URGENT: card blocked', {}, weighted).escalate).toBe(true);
    expect(decide('please handle this urgently', {}, weighted).reasons).toEqual([]);
    expect(decide('Was there a data  breach?', {}, weighted).score).toBe(0.7);
    expect(decide('my paralegal asked', {}, weighted).reasons).toEqual([]);
  });
});

describe('low confidence', () => {
  it('escalates below the threshold and says by how much, with the retrieval score', () => {
    const decision = decide('What is the fee for a replacement card?', { confidence: 0.41, retrievalTopScore: 0.23 });
    expect(decision.escalate).toBe(true);
    expect(decision.reasons).toEqual([
      { kind: 'low_confidence', detail: 'confidence 0.41 below 0.7; best passage scored 0.23', weight: 1 },
    ]);
  });

  it('ignores confidence at or above the threshold, and when none is given', () => {
    expect(decide('What is the fee?', { confidence: 0.7 }).reasons).toEqual([]);
    expect(decide('What is the fee?').reasons).toEqual([]);
  });
});

describe('repeated failure', () => {
  it('escalates after two failed turns', () => {
    expect(decide('And what about the fee?', { failureCount: 1 }).escalate).toBe(false);
    const decision = decide('And what about the fee?', { failureCount: 2 });
    expect(decision.escalate).toBe(true);
    expect(decision.reasons).toEqual([{ kind: 'repeated_failure', detail: expect.stringContaining('2 unanswered turn(s)'), weight: 1 }]);
  });

  it('counts complaints and repeated questions in the conversation', () => {
    const history = [
      { role: 'user' as const, content: 'How do I raise my card limit?' },
      { role: 'assistant' as const, content: 'You can see your limits in the app.' },
    ];
    const decision = decide("That doesn't help. How do I raise my card limit?", { history });
    expect(decision.escalate).toBe(true);
    expect(decision.reasons[0]!.detail).toMatch(/complaint.*asked the same question again/);
  });
});

describe('negative sentiment', () => {
  it('scores angry messages strongly negative and thankful ones positive', () => {
    expect(scoreSentiment('This is absolutely ridiculous, I have been waiting three weeks!!').score).toBeLessThan(-0.75);
    expect(scoreSentiment('Great, thanks a lot, that was really helpful').score).toBeGreaterThan(0.5);
    expect(scoreSentiment('My card was stolen and blocked').score).toBe(0);
  });

  it('lets negation flip and damp a word, and intensifiers strengthen it', () => {
    expect(scoreSentiment('not bad').score).toBeGreaterThan(0);
    expect(scoreSentiment('I am not happy').score).toBeLessThan(0);
    expect(scoreSentiment('really terrible').score).toBeLessThan(scoreSentiment('terrible').score);
  });

  it('escalates on strong negative sentiment, only adds half a point on mild', () => {
    const angry = decide('This is absolutely ridiculous and your service is useless!!');
    expect(angry.escalate).toBe(true);
    expect(angry.reasons).toEqual([{ kind: 'negative_sentiment', detail: expect.stringMatching(/^strongly negative/), weight: 1 }]);
    const mild = decide('The app is a bit confusing and slow');
    expect(mild.escalate).toBe(false);
  });

  it('uses a sentiment score given by the caller', () => {
    expect(decide('ok', { sentiment: -0.9 }).reasons).toEqual([
      { kind: 'negative_sentiment', detail: 'strongly negative sentiment -0.9', weight: 1 },
    ]);
    expect(decide('ok', { sentiment: -0.5 }).reasons[0]!.weight).toBe(0.5);
  });

  it('adds a mild negative to a light keyword to reach the threshold', () => {
    const decision = decide('The legal team was rude to me', {}, { ...settings, keywords: { legal: 0.6 } });
    expect(decision.reasons.map((r) => r.kind)).toEqual(['keyword', 'negative_sentiment']);
    expect(decision.escalate).toBe(true);
  });
});

describe('reasons and switches', () => {
  it('records every reason that applies and sums them', () => {
    const decision = decide('URGENT: I want to speak to a manager, this is a disgrace!!', { confidence: 0.2, failureCount: 3 });
    expect(decision.reasons.map((r) => r.kind)).toEqual(['explicit_request', 'keyword', 'low_confidence', 'repeated_failure', 'negative_sentiment']);
    expect(decision.score).toBeGreaterThanOrEqual(4);
    expect(decision.escalate).toBe(true);
  });

  it('never escalates when ESCALATION_ENABLED is false, but still says why it would have', () => {
    const decision = decide('Let me talk to a person', {}, { ...settings, enabled: false });
    expect(decision.escalate).toBe(false);
    expect(decision.reasons.map((r) => r.kind)).toEqual(['explicit_request']);
  });
});
