/**
 * How well a relevance threshold tells "the knowledge base has something on this" from "it has nothing": the
 * share of in-domain queries (an eval set's tasks) and of clearly off-topic questions whose best result reaches
 * the threshold. The agent answers "I don't know" below it, so in-domain queries should pass and off-topic ones
 * should not.
 *
 * OFF_TOPIC: everyday questions a customer might type into any support chat that no business's help centre
 * (a bank's, a shop's, a SaaS's) answers. Written for this check; deliberately generic, with some words that do
 * occur in support documents ("reset", "repaired", "update", "flight").
 */
export const OFF_TOPIC: readonly string[] = [
  "What's the weather going to be like tomorrow?",
  'Can you recommend a good pizza place near me?',
  'How do I reset my PlayStation controller?',
  'What time does the football match start tonight?',
  'How long should I boil an egg for a runny yolk?',
  'Who won the best actor award last year?',
  'My washing machine is leaking water from the bottom, what should I do?',
  'How do I change the oil in my car?',
  'What is the capital of Australia?',
  'Can you help me write a birthday poem for my sister?',
  'How many calories are in a banana?',
  'My dog keeps scratching his ears, is that normal?',
  'How do I get rid of aphids on my roses?',
  'What are the best hiking trails in the mountains for beginners?',
  'My WiFi router keeps disconnecting every few minutes.',
  'How do I install a new graphics card in my PC?',
  'Recommend a good science fiction novel to read on holiday.',
  'What size hiking boots should I buy if I wear a 42 in trainers?',
  'How do I unclog a bathroom sink drain?',
  'Is it going to snow this weekend in the Alps?',
  'My phone screen cracked, where can I get it repaired?',
  'How do I make sourdough starter from scratch?',
  'Which vaccines does my cat need each year?',
  'What are the rules of chess castling?',
  'How do I update the firmware on my smart TV?',
  'Can you translate good morning into Japanese?',
  'What is a good stretching routine for lower back pain?',
  'How long is the flight from London to Tokyo?',
  'My printer says paper jam but there is no paper stuck.',
  'Which houseplants are safe to keep around cats?',
];

export interface PassRates {
  threshold: number;
  /** Share of in-domain queries whose best result reaches the threshold. */
  inDomain: number;
  offTopic: number;
}

/** The best relevance among a query's results (0 when none has one). */
export function bestRelevance(results: { relevance?: number }[]): number {
  return results.reduce((best, result) => Math.max(best, result.relevance ?? 0), 0);
}

/** Pass rates at each threshold, from each query's best relevance. */
export function passRates(inDomain: number[], offTopic: number[], thresholds: number[]): PassRates[] {
  const share = (values: number[], threshold: number) => (values.length === 0 ? 0 : values.filter((v) => v >= threshold).length / values.length);
  return thresholds.map((threshold) => ({ threshold, inDomain: share(inDomain, threshold), offTopic: share(offTopic, threshold) }));
}

export function formatPassRates(rows: PassRates[], current: number): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`.padStart(6);
  const lines = rows.map((r) => `${r.threshold.toFixed(2).padStart(9)}  ${pct(r.inDomain)}     ${pct(r.offTopic)}${Math.abs(r.threshold - current) < 1e-9 ? '   <- RAG_SIMILARITY_THRESHOLD' : ''}`);
  return ['relevance  in-domain  off-topic   (share of queries whose best result reaches the threshold)', ...lines].join('\n');
}
