/**
 * A small lexicon-based sentiment scorer in the manner of VADER: word valences, intensifiers ("really",
 * "absolutely") that strengthen the next sentiment word, negations ("not", "never") that flip and damp it,
 * exclamation marks and shouting that strengthen the whole. No remote model. The lexicon is about how the
 * customer feels about the service, not about what happened: "stolen", "blocked" or "wrong" describe a support
 * case, not an angry customer, and are left out.
 */
import { normalise, tokens } from './text.js';

const LEXICON: Record<string, number> = {
  // strongly negative
  furious: -4.5, livid: -4.5, outraged: -4.5, outrageous: -4, disgusted: -4, disgusting: -4, disgraceful: -4, disgrace: -4, appalling: -4,
  appalled: -4, atrocious: -4, horrendous: -4, pathetic: -4, worst: -4, hate: -4, unacceptable: -4, ridiculous: -3.5,
  incompetent: -4, useless: -3.5, rubbish: -3, garbage: -3.5, shambles: -4, joke: -2.5,
  fuming: -4.5, infuriating: -4.5, infuriated: -4.5, sucks: -3, crap: -3, shit: -4, shitty: -4, fucking: -3, fuck: -4, wtf: -3.5,
  damn: -2.5, bloody: -2, hell: -2,
  // negative
  terrible: -3, awful: -3, horrible: -3, angry: -3, mad: -2.5, frustrated: -3, frustrating: -3, annoyed: -2.5,
  annoying: -2.5, irritated: -2.5, disappointed: -2.5, disappointing: -2.5, upset: -2.5, nightmare: -3, disaster: -3,
  stupid: -3, dumb: -2.5, pointless: -3, hopeless: -3, insulting: -3, rude: -3, unhelpful: -3, unprofessional: -3,
  // mildly negative
  bad: -2, poor: -2, unhappy: -2.5, sad: -1.5, worried: -1.5, confusing: -1.5, confused: -1, slow: -1, waste: -2.5,
  complaint: -1.5, complain: -1.5, unfair: -2.5, ignored: -2.5, shocking: -3, sucked: -3,
  // positive (a thankful or happy customer offsets)
  thanks: 2, thank: 2, great: 3, good: 1.9, happy: 2.7, love: 3, excellent: 3.2, perfect: 3, helpful: 2.5, appreciate: 2.5,
  wonderful: 3.2, amazing: 3, brilliant: 3, nice: 1.8, lovely: 2.8, fine: 0.8, glad: 2, pleased: 2.4, awesome: 3.1,
};
const PHRASES: [RegExp, number][] = [
  [/\bfed up\b/g, -3.5],
  [/\b(?:sick|tired) (?:and tired )?of\b/g, -3],
  [/\bwaste of (?:my )?time\b/g, -3.5],
  [/\bnot good enough\b/g, -3],
  [/\bgo(?:ing)? (?:elsewhere|somewhere else)\b|\bclose my account and\b|\bleave (?:your|this) bank\b/g, -2],
];
const INTENSIFIERS = new Set([
  'very', 'really', 'so', 'extremely', 'absolutely', 'totally', 'completely', 'utterly', 'incredibly', 'seriously',
  'truly', 'such', 'most', 'beyond', 'fucking', 'bloody', 'too',
]);
const NEGATIONS = new Set([
  'not', 'no', 'never', "don't", "doesn't", "didn't", "isn't", "wasn't", "aren't", "weren't", "won't", "can't",
  'cannot', "couldn't", "wouldn't", 'hardly', 'nothing', 'nobody', 'without',
]);
const INTENSIFY = 1.5;
const NEGATE = -0.5;
/** VADER's normalisation constant: score / sqrt(score² + ALPHA) maps any sum into (-1, 1). */
const ALPHA = 15;

export interface Sentiment {
  /** -1 (very negative) to 1 (very positive). */
  score: number;
  /** The words that counted, for the decision's reasons. */
  cues: string[];
}

export function scoreSentiment(message: string): Sentiment {
  const raw = message.trim();
  let text = normalise(raw);
  let sum = 0;
  const cues: string[] = [];
  for (const [pattern, valence] of PHRASES) {
    text = text.replace(pattern, (phrase) => {
      sum += valence;
      cues.push(phrase);
      return ' ';
    });
  }
  const words = tokens(text);
  const shouted = new Set((raw.match(/\b[A-Z]{3,}\b/g) ?? []).map((w) => w.toLowerCase()));
  words.forEach((word, i) => {
    const valence = LEXICON[word];
    if (!valence) return;
    let value = valence;
    const window = words.slice(Math.max(0, i - 3), i);
    if (window.slice(-2).some((w) => INTENSIFIERS.has(w))) value *= INTENSIFY;
    if (window.some((w) => NEGATIONS.has(w))) value *= NEGATE;
    if (shouted.has(word)) value *= 1.3;
    sum += value;
    cues.push(word);
  });
  const exclamations = Math.min(3, (raw.match(/!/g) ?? []).length);
  if (sum !== 0) sum += Math.sign(sum) * 0.3 * exclamations;
  return { score: sum / Math.sqrt(sum * sum + ALPHA), cues };
}
