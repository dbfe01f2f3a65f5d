/**
 * Does the customer ask for a human? A set of request shapes ("speak to a person", "transfer me", "call me
 * back", "a real person, not a bot", a message that is only "agent please") over a vocabulary of who a human is
 * here (agent, representative, operator, customer service, the front desk, ...). A request governed by a
 * negation in its own clause ("I don't need to talk to anyone") or asked as a question about the process ("do
 * I have to speak to someone to close my account?") is not one.
 */
import { clauseBefore, normalise } from './text.js';
import { correctTypos } from './typos.js';

/** Teams a customer may ask for by name: a hotel's spa or restaurant, a bank's fraud or mortgage team. */
const DEPARTMENT = String.raw`(?:spa|restaurant|kitchen|housekeeping|room\s+service|bar|gym|events?|billing|accounts?|fraud|mortgages?|loans?|lending|complaints?|sales|card|cards|payments?|security|technical|tech|it)`;
const DET_REQUIRED = String.raw`(?:(?:a|an|the|some|one|any|your|another|other|a\s+different|one\s+of\s+(?:your|the|our))\s+)`;
const DET = `${DET_REQUIRED}?`;
const ADJ = String.raw`(?:(?:real|actual|live|proper|human|manual|physical|qualified|senior|more\s+senior|flesh\s+and\s+blood)\s+)*`;
/** "An assistant" is a person (a shop's, a bank's); "the assistant", "your virtual assistant" is this chat. */
const HUMAN_ASSISTANT = String.raw`(?<!\b(?:the|this|your|my|virtual|ai|digital|chat|automated|online|smart)\s+)assistants?`;
/** One person whose job is to help: asking to "get", "need" or "reach" one is asking for a human. */
const ROLE = String.raw`(?:human(?:\s+beings?)?|humans|person|agents?|${HUMAN_ASSISTANT}|reps?|representatives?|operators?|advis[oe]rs?|consultants?|staff\s+members?|members?\s+of\s+(?:the\s+|your\s+)?(?:staff|team|support\s+team)|employees?|executives?|colleagues?|managers?|supervisors?|boss|receptionists?|concierge)`;
/** The service as a whole: as much a human as a role when the customer asks for it. */
const SERVICE = String.raw`(?:customer\s+(?:service|support|care|services)(?:\s+(?:agents?|team|reps?|representatives?|department|people|staff))?|(?:support|service|care)\s+(?:team|desk|agents?|staff)|help\s*desk|front\s+desk|reception|call\s+cent(?:er|re))`;
/** Groups one talks to or is transferred to, but "needs" or "has" in other senses ("the branch address"). */
const GROUP = String.raw`(?:${SERVICE}|people|staff|(?:your|the)\s+(?:support\s+)?(?:team|staff)|the\s+branch|branch\s+staff|someone\s+else|somebody\s+else|${DEPARTMENT}\s+(?:team|staff|desk|department|people|manager|office))`;
/** One more describing word, after a determiner: "a normal person", "your other agent", "a real Acme employee". */
const ANY_WORD = String.raw`(?:[a-z][a-z'-]*\s+)?`;
const SOMEONE_FROM = String.raw`(?:someone|somebody|anyone)\s+(?:from|at|in)\s+(?:${GROUP}|your\s+\w+)`;
/** A role as the vocabulary names it ("a live agent"), for shapes where a looser match would catch money moving. */
const NAMED_PERSON = String.raw`(?:${DET}${ADJ}(?:${ROLE}|${SERVICE})|${SOMEONE_FROM})`;
const PERSON = String.raw`(?:${DET_REQUIRED}${ADJ}${ANY_WORD}(?:${ROLE}|${SERVICE})|${NAMED_PERSON})`;
const HUMAN = String.raw`(?:${PERSON}|${DET}${ADJ}${GROUP})`;
/** Open-ended "someone": a human only after a talk or connect verb ("send money to someone" is not). */
const ANYONE = String.raw`(?:someone|somebody|anyone|anybody|a\s+human|a\s+person|one\s+of\s+(?:you|your\s+(?:staff|team|colleagues)))`;
/** "an agent fee", "a person-to-person transfer", "the customer service email": the role only describes a thing. */
const NOT_A_MODIFIER = String.raw`(?![\s-]+(?:to[\s-]+person|fees?|address|e-?mail|number|code|id|details|portal|login|account|hours|opening|banking|app|website|site|page|form|letter|who\s+(?:manages|handles|looks)))`;
const TALK = String.raw`(?:speak|speaking|talk|talking|chat|chatting|complain|discuss\s+(?:this|it|that)|have\s+a\s+(?:word|chat|conversation))`;
const OBJECT = String.raw`(?:me|us|my\s+(?:call|case|query|question|issue|complaint)|this(?:\s+(?:call|case|chat|conversation|issue))?)`;
/** A message that is nothing but a human ("agent", "a real person", "customer service") and these words after it. */
const ALONE = String.raw`(?:${HUMAN}|operator|someone|somebody)`;
const ALONE_TAIL = String.raw`(?:please|now|pls|asap|right\s+now|help)`;
const GREETING = String.raw`(?:hi|hello|hey|good\s+(?:morning|afternoon|evening))(?:\s+there)?`;
/** Where a call request may go on: "call me back", "call me 0207 946 0000", "give me a call tomorrow" (not "a ring binder", "by my name"). */
const CALL_TAIL = String.raw`(?=\s*(?:[?.!,;]|$|\s+\+?\d|\s+(?:back|please|pls|on|at|when|today|tomorrow|tonight|asap|soon|later|now|about|regarding|so|and|if|this|in|after|before|between|as|urgently)\b))`;

interface RequestShape {
  name: string;
  pattern: RegExp;
  /** A negation before it in its clause cancels it (false for shapes that contain their own "not"). */
  negatable: boolean;
}

const shape = (name: string, source: string, negatable = true): RequestShape => ({
  name,
  pattern: new RegExp(source, 'g'),
  negatable,
});

export const REQUEST_SHAPES: readonly RequestShape[] = [
  shape(
    'talk to a human',
    // The preposition may be missing before "a"/"an" ("I want to talk a agent"), not before a bare role ("chat agent").
    String.raw`\b${TALK}(?:\s+(?:directly|personally|in\s+person|over\s+the\s+phone|on\s+the\s+phone|right\s+now|now))?\s+(?:(?:to|with)\s+|(?=an?\s))(?:${HUMAN}|${ANYONE}|the\s+${DEPARTMENT})\b${NOT_A_MODIFIER}`,
  ),
  shape(
    'transfer to a human',
    String.raw`\b(?:(?:connect|transfer|put|pass|forward|redirect|route|escalate|hand|refer)\s+${OBJECT}|send\s+(?:me|us))(?:\s+(?:through|over|across|on))?\s+(?:to|with)\s+(?:${HUMAN}|${ANYONE})\b${NOT_A_MODIFIER}`,
  ),
  // Without an object only to a role: "transfer to someone" is how money moves.
  shape(
    'transfer to an agent',
    String.raw`\b(?:connect|transfer|escalate|redirect|route|put\s+through)(?:\s+(?:it|this))?\s+(?:to|with)\s+${NAMED_PERSON}\b${NOT_A_MODIFIER}|\bconnect\s+(?:an?|one\s+of\s+your)\s+${ADJ}(?:${ROLE}|${SERVICE})\b${NOT_A_MODIFIER}`,
  ),
  shape('transfer me', String.raw`\b(?:transfer\s+me|put\s+me\s+through|escalate\s+(?:this|my\s+(?:case|complaint|issue))|connect\s+me)\b`),
  shape(
    'in touch with a human',
    String.raw`\b(?:(?:put|get)\s+(?:me|us)\s+in\s+touch\s+with|hand\s+(?:(?:this|the|a|my)\s+)?(?:(?:conversation|chat|case|call|query)\s+)?over\s+to)\s+(?:${HUMAN}|${ANYONE})\b${NOT_A_MODIFIER}`,
  ),
  // Someone to act on it: "get someone to help me", "can somebody else take a look at my claim?".
  shape(
    'someone to help',
    String.raw`\b(?:(?:get|have|send)\s+(?:someone|somebody|a\s+person|a\s+human)(?:\s+else)?|(?:someone|somebody|anyone)\s+else|a\s+(?:real\s+)?(?:person|human))\s+(?:to\s+)?(?:help|assist|look\s+(?:at|into)|take\s+a\s+look|check|deal\s+with|handle|sort)\b`,
  ),
  shape('contact someone', String.raw`\b(?:contact|contacting|reach|reaching|get\s+hold\s+of|get\s+in\s+touch\s+with)\s+(?:${ANYONE})\b`),
  shape('someone to talk to', String.raw`\b(?:someone|somebody|anyone|a\s+person|a\s+human)\s+(?:(?:there|here|else)\s+)?to\s+(?:${TALK})\s+(?:to|with)\b`),
  shape(
    'get a human',
    String.raw`\b(?:(?:get|find|fetch|bring|give)\s+me|gimme|need|want|wanna|like|prefer|get|(?:can|could|may)\s+(?:i|we)\s+(?:have|see)|see|reach|contact|call|ring|phone|request|find|contacting|reaching|get\s+hold\s+of|get\s+through\s+to|get\s+in\s+touch\s+with|be\s+put\s+through\s+to|be\s+connected\s+(?:to|with)|be\s+transferred\s+to)\s+(?:to\s+)?${PERSON}\b${NOT_A_MODIFIER}`,
  ),
  shape('on the line', String.raw`\b(?:get|put|have)\s+(?:me\s+)?(?:${HUMAN}|${ANYONE})(?:\s+else)?\s+on\s+the\s+(?:line|phone)\b`),
  shape(
    'call me back',
    String.raw`(?:^|(?<=\b(?:can|could|would|will|please|pls|someone|somebody|anyone|you|u|they|just|to|then|and|or|staff|agent|member|representative|rep|advis[oe]r|manager|team|operator|person|human|colleague|employee|one)\s+))(?:call|ring|phone|contact)\s+me(?:\s+back)?${CALL_TAIL}|\bget\s+(?:in\s+touch|back)\s+(?:with|to)\s+me\b|\bgive\s+me\s+a\s+(?:call|ring|phone\s*call)${CALL_TAIL}|\bcall\s*-?\s*backs?\b|\b(?:get|have|arrange|request|book)\s+a\s+(?:phone\s+)?call${CALL_TAIL}`,
  ),
  shape('real person', String.raw`\b(?:real|actual|live)\s+(?:person|people|human|humans|agent|operator|representative|one)\b|\bhuman\s+(?:agent|operator|support|service|assistance|help|representative|being|hand-?off|handover)\b`),
  // Not wanting the assistant itself: "I don't want to talk to you".
  shape('not you', String.raw`\b(?:don't|do\s+not|won't|will\s+not)\s+(?:want\s+to|wanna)\s+(?:${TALK})\s+(?:to|with)\s+(?:you|this\s+(?:bot|thing|chat))\b`, false),
  shape(
    'not a bot',
    String.raw`\b(?:not|no|stop|enough|instead\s+of|rather\s+than|sick\s+of|tired\s+of)\s+(?:with\s+|more\s+)?(?:talking\s+to\s+|chatting\s+(?:to|with)\s+)?(?:a\s+|the\s+|this\s+|your\s+)?(?:bot|robot|machine|computer|chatbot|chat\s*bot|automated\s+\w+|ai)s?\b` +
      // Not wanting one names the chat itself: "I don't want a chatbot" (not "I don't want automated payments").
      String.raw`|\b(?:don't|do\s+not|not)\s+(?:want|need)\s+(?:a\s+|the\s+|this\s+|your\s+|an\s+)?(?:bot|robot|chatbot|chat\s*bot|ai|virtual\s+assistant)s?\b`,
    false,
  ),
  // Aversion to the bot itself: "I won't share my details with a machine", "this chat is not working".
  shape(
    'rather not a bot',
    String.raw`\b(?:talk|talking|speak|speaking|chat|chatting|share|sharing|deal|dealing|trust|tell)\s+(?:[a-z']+\s+){0,4}?(?:with|to)\s+(?:a|an|the|this|some)\s+(?:machine|bot|robot|computer|chatbot|chat\s*bot|program|ai|automated\s+\w+)\b`,
    false,
  ),
  shape(
    'the bot is not helping',
    String.raw`\b(?:this|the|our|your)\s+(?:conversation|chat|chatbot|bot|assistant)\s+(?:is|isn't|was|wasn't|'s)\s+(?:not\s+|getting\s+|going\s+|so\s+|really\s+)?(?:working|helping|helpful|useless|pointless|nowhere|leading\s+nowhere|stupid|dumb|hopeless|rubbish)\b|\byou(?:'re|\s+are)\s+(?:not\s+(?:helping|helpful|understanding\s+me)|useless|no\s+help|stupid|dumb|hopeless)\b`,
    false,
  ),
  shape('help from a human', String.raw`\b(?:help|assistance|support|advice)\s+from\s+(?:${HUMAN}|${ANYONE})\b${NOT_A_MODIFIER}`),
  shape('who can I talk to', String.raw`\bwho\s+(?:can|could|should|do|would)\s+i\s+(?:${TALK}|contact|call|ring)\b`),
  shape(
    'are there humans',
    String.raw`\b(?:is|are)\s+there\s+(?:(?:also|really|even)\s+)?(?:(?:a|an|any)\s+)?(?:real\s+|actual\s+|live\s+)?(?:human|humans|person|people|agents?|operators?)(?:\s+(?:here|available|around|there|online|on\s+duty|working(?:\s+(?:for|at|in)\s+[^.?!,]+)?))?\s*(?:[?.!,]|$)`,
  ),
  shape('is there someone', String.raw`\b(?:is|are)\s+there\s+(?:${HUMAN}|${ANYONE})\s+(?:(?:there|here)\s+)?(?:i|we)\s+(?:can|could)\s+(?:(?:actually|really|just)\s+)?${TALK}\b`),
  // A message that is only a role: "agent please", "human help". After a greeting it takes a "please" or "now":
  // "hello agent" may only greet the assistant.
  shape(
    'a human, please',
    String.raw`^(?:(?:ok|okay|yes)[,\s]+)?${ALONE}(?:[,\s]+${ALONE_TAIL})*[.!?\s]*$|^${GREETING}[,\s]+${ALONE}(?:[,\s]+${ALONE_TAIL})+[.!?\s]*$`,
  ),
];

/** A declined offer ("don't", "no need", "without"): only when it stands within a few words of the request. */
const NEGATION = /\b(?:don't|do\s+not|doesn't|does\s+not|didn't|never|no\s+need|not|without|no|nor|neither|won't\s+need|needn't|rather\s+not)\b/;
const NEGATION_WINDOW = 6;
/** A question about the process ("do I have to talk to someone to ...?") right before the request, not a request. */
const PROCESS_QUESTION = /\b(?:(?:do|will|would|should|must)\s+(?:i|we)|does\s+(?:it|that|this|one))\s+(?:(?:need|have)\s+to|require(?:\s+(?:me|us)\s+to)?)\s*(?:(?:first|always|still|actually)\s+)?$|\b(?:was|were|had\s+been|have\s+been)\s+$/;
/** A question about opening hours ("at what time can I call customer service?"): information, not a request. */
const HOURS_QUESTION = /\b(?:what|which)\s+(?:times?|hours?|days?)\b/;
/** A question about what the assistant is ("are you a real person?", "you sound like a human"), not a request. */
const ABOUT_THE_ASSISTANT = /\b(?:(?:are|r)\s+(?:you|u)|(?:am\s+i|are\s+we)(?:\s+(?:talking|speaking|chatting)\s+(?:to|with))?|(?:sound|seem|look|talk|write)s?(?:\s+like)?)\s+(?:(?:a|an|the)\s+)?$/;
/** How a thing is used when one talks to a human ("the pin I use to speak to an agent", "when I call a rep, which
 * questions…"): information about the process, not a request. */
const DESCRIBED_USE = /\b(?:when|whenever|while|before|after|every\s+time|each\s+time)\s+(?:i|we)\s+$|\b(?:use|used|using)\s+(?:(?:to|for|when)\s+)?$|\b(?:settings?|details?|pin|password|passcode)\s+for\s+$/;
/** A person to find near a place ("an agent near my house", "a nearby agent"): a location question. */
const NEARBY_AFTER = /^\s+(?:(?!i\b|i'm\b|we\b|you\b)[a-z'-]+\s+){0,3}?(?:near|nearby|nearest|closest|in\s+my\s+(?:area|town|city)|close\s+to\s+(?:me|where|my\s+(?:home|house|office|work|place|area)))\b/;
/** A bare role naming a product ("I want employee credit cards", "agent discounts"), not a person. With a determiner
 * ("talk to an agent, credit limit issue") the role stays a person. */
const BARE_ROLE_PRODUCT = /^\s+(?:credit|cards?|discounts?|benefits?|rates?|loans?|plans?|pricing)\b/;
const BARE_ROLE_END = /\b(?:want|need|get|like|prefer|wanna)\s+(?:[a-z]+\s+)?(?:human|person|agent|employee|staff|member|advis[oe]r|consultant|representative|rep|operator)s?$/;
const NEARBY_WITHIN = /\b(?:nearby|nearest|closest)\b/;
/** Questions that complain about not reaching a human ("why can't I talk to someone") still ask for one. */
const COMPLAINT = /\b(?:can't|cannot|couldn't|why\s+(?:can't|won't|don't|isn't)|won't\s+you|can\s+you\s+not)\b/;

export interface ExplicitRequest {
  /** The request shape that matched, e.g. "talk to a human". */
  shape: string;
  /** The words that matched, as the customer wrote them (normalised, slips in the request words put right). */
  text: string;
}

/** "I don't know how to reach a person" asks for one: the negation is about knowing, not about the request. */
const NOT_KNOWING_HOW = /\b(?:don't|do\s+not|didn't|can't)\s+(?:know|understand|see|figure\s+out|find)\s+(?:how|what|where|who|a\s+way)\b/g;

/** Whether the words before the request, in its clause, make it something other than a request. */
function governed(clause: string): boolean {
  if (PROCESS_QUESTION.test(clause) || HOURS_QUESTION.test(clause) || DESCRIBED_USE.test(clause)) return true;
  const near = clause.trim().replace(NOT_KNOWING_HOW, '').split(/\s+/).slice(-NEGATION_WINDOW).join(' ');
  return NEGATION.test(near) && !COMPLAINT.test(near);
}

/** The first request for a human in `message` that no negation or process question governs and that does not ask
 * where one is, if any. */
export function findExplicitRequest(message: string): ExplicitRequest | undefined {
  const text = correctTypos(normalise(message));
  // A negated request also covers the shapes inside it: in "don't transfer me to a real person", "real person".
  const declined: [number, number][] = [];
  for (const { name, pattern, negatable } of REQUEST_SHAPES) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      const insideDeclined = declined.some(([from, to]) => start < to && end > from);
      const clause = clauseBefore(text, start);
      const after = text.slice(end);
      const nearby = NEARBY_WITHIN.test(match[0]) || NEARBY_AFTER.test(after);
      const product = BARE_ROLE_END.test(match[0]) && BARE_ROLE_PRODUCT.test(after);
      if (ABOUT_THE_ASSISTANT.test(clause) || (negatable && (insideDeclined || nearby || product || governed(clause)))) {
        declined.push([start, end]);
        continue;
      }
      return { shape: name, text: match[0] };
    }
  }
  return undefined;
}
