import { describe, expect, it } from 'vitest';
import { boostReferenced, referencesOf } from './references.js';

describe('referencesOf', () => {
  it('collects code-like names of three parts or more, not ordinary words or two-part names', () => {
    const refs = referencesOf('Call `lookup_customer_orders_42` with the user_id, then refund_order_v2(order_id). See the FAQ.');
    expect([...refs].sort()).toEqual(['lookup_customer_orders_42', 'refund_order_v2']);
    expect(referencesOf('How do I reset my password?').size).toBe(0);
  });
});

describe('boostReferenced', () => {
  const doc = (id: string, ...references: string[]) => ({ id, references: new Set(references) });

  it('keeps the order when nothing is shared', () => {
    expect(boostReferenced([doc('a', 'x_y_z'), doc('b'), doc('c', 'p_q_r')])).toEqual(['a', 'b', 'c']);
  });

  it('lifts a document that shares a name with the top documents, more for more of them', () => {
    const ranked = [doc('a', 'open_account_tool'), doc('b', 'open_account_tool', 'lookup_user_tool'), doc('c'), ...'defghijklmnop'.split('').map((id) => doc(id)), doc('q', 'lookup_user_tool', 'open_account_tool')];
    const order = boostReferenced(ranked, { seeds: 3, bonus: 0.05, rrfK: 5 });
    // q (17th, two links: 1/22 + 0.1) overtakes everything but a (1/6 + 0.05) and b (1/7 + 0.05).
    expect(order.slice(0, 3)).toEqual(['a', 'b', 'q']);
    expect(order).toHaveLength(ranked.length);
    // A document does not link to itself: a and b each gain for the other only.
    expect(boostReferenced([doc('a', 'n_a_me'), doc('b')], { seeds: 2, bonus: 1 })).toEqual(['a', 'b']);
  });
});
