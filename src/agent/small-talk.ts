/**
 * Greetings, thanks and goodbyes need no help-centre search (there is nothing to find, and "I don't know" would
 * be a poor answer to "hi"). Only whole short messages count: "hi, my card was stolen" is a question.
 */
export type SmallTalk = 'greeting' | 'thanks' | 'goodbye';

const PATTERNS: [SmallTalk, RegExp][] = [
  ['greeting', /^(?:hi|hello|hey|hiya|howdy|good\s+(?:morning|afternoon|evening)|greetings|yo)(?:\s+(?:there|all|team))?$/],
  ['thanks', /^(?:(?:thanks?|thank\s+you|thx|ty|cheers|many\s+thanks)(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+again)?|(?:great|perfect|awesome|ok(?:ay)?|got\s+it)[\s,]+thanks?(?:\s+you)?)$/],
  ['goodbye', /^(?:bye|goodbye|bye\s+bye|see\s+you|that'?s\s+all|that\s+is\s+all|have\s+a\s+(?:good|nice)\s+day)$/],
];

const REPLIES: Record<SmallTalk, string> = {
  greeting: 'Hello! How can I help you today?',
  thanks: "You're welcome! Is there anything else I can help you with?",
  goodbye: 'Thank you for contacting us. Have a great day!',
};

export function detectSmallTalk(message: string): SmallTalk | undefined {
  const text = message
    .toLowerCase()
    .replace(/[!.?,:;)(\s]+$/u, '')
    .replace(/^[\s,]+/u, '')
    .replace(/[!.?,]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  if (text.length === 0 || text.length > 40) return undefined;
  return PATTERNS.find(([, pattern]) => pattern.test(text))?.[0];
}

export function smallTalkReply(kind: SmallTalk): string {
  return REPLIES[kind];
}

/** A yes to "would you like me to connect you with a member of our team?". */
export function acceptsOffer(message: string): boolean {
  return /^(?:yes|yeah|yep|yup|sure|ok(?:ay)?|please|yes\s+please|please\s+do|go\s+ahead|do\s+it|that\s+would\s+be\s+great|i\s+would|i'd\s+like\s+that)\b[\s!.,]*(?:please|thanks?|thank\s+you)?[\s!.]*$/i.test(
    message.trim(),
  );
}
