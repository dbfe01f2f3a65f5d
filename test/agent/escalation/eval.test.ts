/**
 * The hand-off evaluation runs on the real NLU++ data and counts consistently. The F1 goal is reported
 * (formatHandoffReport), not asserted: asserting it would make the test a tuning target.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_FOLDS, evaluateHandoff, formatHandoffReport, HELD_OUT_FOLDS } from '../../../src/agent/escalation/eval.js';

const DATA_DIR = path.resolve('../shared/eval/nlupp');

describe('evaluateHandoff on ../shared/eval/nlupp', () => {
  it('counts every utterance once and every handoff as a positive', async () => {
    if (!fs.existsSync(path.join(DATA_DIR, 'examples.jsonl'))) {
      throw new Error(`NLU++ evaluation data missing: expected ${DATA_DIR}/examples.jsonl (see ../shared/eval/README.md)`);
    }
    const report = await evaluateHandoff(DATA_DIR);
    const { overall } = report;
    expect(overall.tp + overall.fp + overall.tn + overall.fn).toBe(3080);
    expect(overall.total).toBe(3080);
    expect(overall.positives).toBe(83);

    // Slices partition the whole: folds, domains, development + held out.
    const sum = (slices: { tp: number; fp: number; tn: number; fn: number }[]) =>
      slices.reduce((acc, m) => ({ tp: acc.tp + m.tp, fp: acc.fp + m.fp, tn: acc.tn + m.tn, fn: acc.fn + m.fn }), { tp: 0, fp: 0, tn: 0, fn: 0 });
    const counts = { tp: overall.tp, fp: overall.fp, tn: overall.tn, fn: overall.fn };
    expect(sum(report.byFold)).toEqual(counts);
    expect(sum(report.byDomain)).toEqual(counts);
    expect(sum([report.development!, report.heldOut!])).toEqual(counts);
    expect(report.byFold.map((m) => m.fold)).toEqual([...DEVELOPMENT_FOLDS, ...HELD_OUT_FOLDS]);
    expect(report.byDomain.map((m) => m.domain)).toEqual(['banking', 'hotels']);
    expect(report.falseEscalations).toHaveLength(overall.fp);
    expect(report.missed).toHaveLength(overall.fn);
    expect(Object.values(report.falseEscalationsByIntent).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(overall.fp);

    // The metrics follow from the counts.
    for (const m of [overall, report.development!, report.heldOut!, ...report.byFold]) {
      if (m.precision !== null) expect(m.precision).toBeCloseTo(m.tp / (m.tp + m.fp), 10);
      if (m.recall !== null) expect(m.recall).toBeCloseTo(m.tp / (m.tp + m.fn), 10);
      if (m.f1 !== null && m.precision! + m.recall! > 0) {
        expect(m.f1).toBeCloseTo((2 * m.precision! * m.recall!) / (m.precision! + m.recall!), 10);
      }
      expect(m.falseEscalationRate).toBeCloseTo(m.fp / (m.fp + m.tn), 10);
    }

    const table = formatHandoffReport(report);
    expect(table).toMatch(/^overall /m);
    expect(table).toMatch(/^held out \(folds 10-19\)/m);
    expect(table).toMatch(/^fold 19 \(held out\)/m);
  });

  it('treats rows without a fold as all held out (fresh data) and counts false escalations by intent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-eval-'));
    const rows = [
      { domain: 'shop', text: 'can I talk to a real person please', intents: ['handoff'] },
      { domain: 'shop', text: 'where is my parcel?', intents: ['order_status'] },
      { domain: 'shop', text: 'put me through to a human agent now', intents: ['order_status'] },
      { domain: 'shop', text: 'what are your opening hours', intents: ['hours'] },
    ];
    fs.writeFileSync(path.join(dir, 'examples.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n'));
    const report = await evaluateHandoff(dir);
    expect(report.development).toBeNull();
    expect(report.heldOut).toBeNull();
    expect(report.byFold).toEqual([]);
    expect(report.overall).toMatchObject({ total: 4, positives: 1, tp: 1, fp: 1, tn: 2, fn: 0 });
    expect(report.falseEscalationsByIntent).toEqual({ order_status: 1 });
    const table = formatHandoffReport(report);
    expect(table).toMatch(/^overall \(all held out\)/m);
    expect(table).not.toMatch(/^fold /m);
    expect(table).toMatch(/false escalations by intent: order_status 1/);
  });

  it('says where the data should be when it is missing', async () => {
    await expect(evaluateHandoff(path.resolve('no-such-eval-dir'))).rejects.toThrow(/No NLU\+\+ data at .*examples\.jsonl/);
  });
});
