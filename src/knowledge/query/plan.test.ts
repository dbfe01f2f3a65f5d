import { describe, expect, it } from 'vitest';
import { planSearch } from './plan.js';

const BRIEF =
  'You are playing the role of a customer talking to a support agent. Your name is Jonas Brandt and you are 29 years old. ' +
  'You live in Munich and work as a graphic designer. ' +
  'Your new laptop order arrived with a cracked screen and you need a replacement sent before Friday. ' +
  'You are also wondering whether the delivery fee will be refunded. ' +
  'Ask how long a replacement usually takes to ship. ' +
  "Don't dump all the information at once. Be polite but insist if the agent stalls. If the agent asks, your order number is ORD-7734120.";

describe('planSearch', () => {
  it('searches a short message as written, minus identifiers, with no sub-queries', () => {
    expect(planSearch('My card 4929123456781234 was declined, why?')).toEqual({ text: 'My card was declined, why?', weight: 1, subQueries: [] });
  });

  it('turns a long brief into its need and one weighted sub-query per need sentence', () => {
    const plan = planSearch(BRIEF);
    expect(plan.text).toMatch(/cracked screen/);
    expect(plan.weight).toBeGreaterThan(1);
    expect(plan.rrfK).toBeDefined();
    expect(plan.referenceBoost).toMatchObject({ seeds: expect.any(Number), bonus: expect.any(Number) });
    const texts = plan.subQueries.map((sub) => sub.text);
    expect(texts.some((t) => /cracked screen/.test(t))).toBe(true);
    expect(texts.some((t) => /delivery fee will be refunded/.test(t))).toBe(true);
    for (const gone of ['Jonas', 'Munich', 'ORD-7734120', 'polite', 'dump']) expect(texts.join(' ')).not.toContain(gone);
    // Strongest first, each weighted by how clearly it states a need.
    const weights = plan.subQueries.map((sub) => sub.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    expect(Math.min(...weights)).toBeGreaterThanOrEqual(1);
  });

  it('caps the sub-queries, and plans a single query when asked for none', () => {
    expect(planSearch(BRIEF, { maxSubQueries: 1 }).subQueries).toHaveLength(1);
    const single = planSearch(BRIEF, { maxSubQueries: 0 });
    expect(single).toMatchObject({ weight: 1, subQueries: [] });
    expect(single.rrfK).toBeUndefined();
    expect(single.referenceBoost).toBeUndefined();
  });
});
