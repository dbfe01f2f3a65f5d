/**
 * extractSearchQuery: a long customer message, or a brief written for a role-playing customer ("You are X...
 * you want to..."), -> a short search query that keeps what the customer needs and drops what only adds noise:
 * persona descriptions, instructions on how to behave, names, contact details and identifiers.
 *
 * No model: sentences are scored with small, general lexicons (needs and problems up, meta-instructions and
 * identity details out), and the best that fit a word budget are returned strongest first (ties in reading order). Short
 * messages pass through with only identifiers removed: the customer's own words are already the best query.
 */

export interface ExtractOptions {
  /** Longest query, in words. Default 200: about what a small embedding model reads (256 tokens). */
  maxWords?: number;
  /** Texts up to this many words are kept whole (minus identifiers). Default 40. */
  passThroughWords?: number;
}

interface Sentence {
  text: string;
  order: number;
  score: number;
}

// What a customer wants or what went wrong: the heart of a support query.
const NEED = [
  /\b(want|wants|wanted|need|needs|needed|would like|'d like|looking for|trying to|tried to|hoping to|hope to|wish to|plan(ning)? to|planning|wondering|interested in|prefer|asking|ask about|request(ing)?)\b/i,
  /\b(how (do|can|to|much|long|many)|can (i|you|we)|could (i|you)|is it possible|what (is|are|happens|should)|why (is|was|did|does|do|am|are|has|have|can't|won't)|which|when will)\b/i,
  /\b(problem|issue|error|wrong|broken|fail(s|ed|ing|ure)?|declin(e|ed|ing)|reject(ed)?|blocked|locked|frozen|missing|lost|stolen|fraud(ulent)?|unauthori[sz]ed|scam|dispute|overcharged|charged|double|twice|late|delay(ed)?|never (received|arrived|got)|did ?n[o']t|does ?n[o']t|can ?n[o']t|cannot|unable|won'?t|not working|complain(t)?|upset|urgent(ly)?|emergency)\b/i,
  /\b(refund|cancel|close|open|apply|replace|replacement|reset|change|update|transfer|withdraw|deposit|pay|payment|fee|fees|charge|interest|limit|upgrade|downgrade|return|exchange|deliver(y|ed)?|ship(ping|ped)?|order|subscription|account|card|loan|balance|statement|report(ed)?|freeze|unfreeze|activate|verify|fix|help)\b/i,
];

// Instructions to a simulated customer (or to the agent) about how to behave, never about the customer's need.
const META = [
  /\b(play(ing)? the role|role[- ]?play|in character|simulated|simulat(e|ion)|you are (playing|acting|pretending)|act as|pretend)\b/i,
  /\b(customer (service|support) (representative|agent)|(representative|assistant)\b.*\bnever respond|never respond as|do ?n[o']t (dump|reveal|disclose|mention|volunteer|share|break|make up|invent)|do not (reveal|disclose|mention|volunteer|share|make up|invent)|only (mention|provide|share|reveal|give)\b.*\b(if|when|unless)|unless (you are |you're )?(asked|prompted)|when (you are |you're )?asked|if (the )?agent asks|if asked)\b/i,
  /\b(after you (receive|get|are given|have)|(there is )?no need to (respond|reply)|ask for instructions|follow the agent'?s? (directions|instructions)|remember:)/i,
  /\b(end the conversation|stop the conversation|###|the agent cannot see|for tracking purposes|(call|use|invoke) the `?\w+`? tool|tool call|you have access to (a |the )?tools?|turns?\b.*\b(tool|message)|conversation flow|stay polite|be polite|be (brief|concise|patient)|remain calm|tone)\b/i,
];

// Who the customer is rather than what they need: dropped unless the sentence also states a need.
const PERSONA = [
  /\b\d{1,3}[- ]year[- ]old\b|\byour character\b/i,
  /\b(you are|you're|i am|i'm|my name is|this is|named) [A-Z][a-z]+( [A-Z][a-z'-]+)+\b/,
  /\b(your|my) (user ?id|phone( number)?|mobile|e-?mail( address)?|date of birth|dob|(home )?address|ssn|social security number|account (number|id)|customer (number|id)|password|pin)\b.{0,20}\b(is|are|:)/i,
  /\b(reach|contact|call|e-?mail|text|write to) me (at|on|via)\b/i,
  /\b(thanks?|thank you|have a (lovely|nice|good|great) (day|evening|weekend)|(kind|best|warm) regards|cheers|sincerely)\b/i,
  /\b(earns?|earning|income of|salary|lives? in|living in|from [A-Z][a-z]+, [A-Z]{2}\b|works? as|married|years? old|personality|temperament)\b/i,
];

// Lines that carry identity data: dropped whole.
const IDENTITY_LINE = /^\s*(name|full name|phone|mobile|email|e-mail|dob|date of birth|address|ssn|account (number|no|id)|user ?id|customer ?id|password|pin|zip|postcode)\s*[:|]/i;

// Section labels (markdown headings or "**Label:**") and what they say about the sentences under them.
const DROP_SECTION = /\b(verification|identity|contact|personal (info|information|details)|credentials|instructions?|rules|guidelines|notes? to|style|behaviou?r|persona)\b/i;
const PERSONA_SECTION = /\b(character|background|profile|about (you|me)|who you are)\b/i;
const NEED_SECTION = /\b(situation|goal|goals|problem|issue|request|need|needs|task|reason|question|context|scenario|what (you|i) want)\b/i;

const SCRUB: [RegExp, string][] = [
  [/\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b/g, ' '], // e-mail addresses
  [/https?:\/\/\S+/g, ' '],
  [/(?<![\w$])\+?\(?\d{2,4}\)?(?:[\s.-]\d{2,4}){2,4}\b/g, ' '], // phone numbers (3+ digit groups)
  [/\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b/g, ' '], // dates
  [/\b\d+ [A-Z][a-z]+( [A-Z][a-z]+)* (Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl)\b\.?/g, ' '],
  [/\b(?=[A-Za-z_-]*\d)(?=\d*[A-Za-z_])[A-Za-z0-9_-]{6,}\b/g, ' '], // ids mixing letters and digits
  [/(?<![$\d.,])\b\d{5,}\b/g, ' '], // long numbers: account, card, order numbers
  [/\b(my name is|this is|i am|i'm|named) [A-Z][a-z]+( [A-Z][a-z'-]+)*,?/gi, ' '],
  [/\*\*|__|`|#+ |^\s*[-*>]\s+|^\s*\d+\.\s+/gm, ' '], // markdown
  [/\[[^\]]*\]/g, ' '], // [stage directions]
];

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function scrubIdentifiers(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SCRUB) out = out.replace(pattern, replacement);
  return out
    .replace(/\(\s*\)|\s+([,.;:!?])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

function scoreSentence(text: string, section: 'need' | 'persona' | 'neutral', quoted: boolean): number {
  if (META.some((p) => p.test(text))) return -Infinity;
  const need = NEED.reduce((n, p) => n + (p.test(text) ? 1 : 0), 0);
  if (PERSONA.some((p) => p.test(text)) && need < 2) return -Infinity;
  if (section === 'persona' && need === 0) return -Infinity;
  let score = need;
  if (section === 'need') score += 1;
  if (quoted) score += 1;
  // Greetings and pleasantries ("Hi!", "Thanks so much") carry nothing to search for.
  if (words(text) < 4 && need === 0) score -= 2;
  return score;
}

/** Splits a brief into scored sentences, tracking the section each line sits in. */
function sentencesOf(text: string): Sentence[] {
  const out: Sentence[] = [];
  let section: 'need' | 'persona' | 'neutral' | 'drop' = 'neutral';
  for (const rawLine of text.split(/\r?\n/)) {
    let line = rawLine.trim();
    if (!line) continue;
    // "## Heading" or "**Label:** rest of line" opens a section.
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    const label = /^\*\*([^*]{1,60}?):?\*\*:?\s*(.*)$/.exec(line) ?? /^([A-Z][A-Za-z ]{1,40}):\s+(.*)$/.exec(line);
    if (heading || label) {
      const name = heading ? heading[1]! : label![1]!;
      section = DROP_SECTION.test(name)
        ? 'drop'
        : PERSONA_SECTION.test(name)
          ? 'persona'
          : NEED_SECTION.test(name)
            ? 'need'
            : 'neutral';
      line = heading ? '' : label![2]!;
    }
    if (section === 'drop' || !line || IDENTITY_LINE.test(line)) continue;
    // Quoted speech is what the customer actually says: score it separately from the stage directions around it.
    const parts = line.split(/("[^"]{8,}"|“[^”]{8,}”)/);
    for (const part of parts) {
      const quoted = /^["“]/.test(part);
      const body = quoted ? part.slice(1, -1) : part;
      for (const seg of segmenter.segment(body)) {
        const sentence = seg.segment.trim();
        if (words(sentence) < 2) continue;
        out.push({ text: sentence, order: out.length, score: scoreSentence(sentence, section, quoted) });
      }
    }
  }
  return out;
}

/** A sentence of a long text that states (part of) the customer's need; higher `score` = stronger. */
export interface NeedSentence {
  text: string;
  score: number;
  /** Position in the text (0-based, in reading order). */
  order: number;
}

/**
 * The sentences of a long text worth searching for, scrubbed of identifiers, strongest first (ties in reading
 * order), duplicates removed. Empty when nothing looks like a need.
 */
export function extractNeedSentences(text: string): NeedSentence[] {
  const seen = new Set<string>();
  return sentencesOf(text.normalize('NFC').trim())
    .map((s) => ({ ...s, text: scrubIdentifiers(s.text) }))
    .filter((s) => s.score >= 0 && words(s.text) >= 2)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .filter((s) => {
      const key = s.text.toLowerCase();
      return !seen.has(key) && !!seen.add(key);
    });
}

export function extractSearchQuery(text: string, options: ExtractOptions = {}): string {
  const maxWords = options.maxWords ?? 200;
  const passThrough = options.passThroughWords ?? 40;
  const input = text.normalize('NFC').trim();
  if (!input) return '';
  if (words(input) <= passThrough) return scrubIdentifiers(input) || input;

  const candidates = extractNeedSentences(input);
  // Best first; ties go to the earlier sentence (briefs and messages state the main need early).
  const chosen: Sentence[] = [];
  let budget = maxWords;
  for (const s of candidates) {
    const n = words(s.text);
    if (n > budget) {
      if (chosen.length === 0) chosen.push({ ...s, text: s.text.split(/\s+/).slice(0, budget).join(' ') });
      continue;
    }
    chosen.push(s);
    budget -= n;
  }
  if (chosen.length === 0) {
    // Nothing looked like a need: fall back to the scrubbed start of the text rather than an empty query.
    return scrubIdentifiers(input).split(/\s+/).slice(0, maxWords).join(' ');
  }
  // Strongest first: full-text search caps query terms (index/query-text.ts), so the need must come first.
  return chosen
    .map((s) => (/[.!?]$/.test(s.text) ? s.text : `${s.text}.`))
    .join(' ');
}
