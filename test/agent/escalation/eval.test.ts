/**
 * The hand-off evaluation runs on the real NLU++ data and counts consistently. The F1 goal is reported
 * (formatHandoffReport), not asserted: asserting it would make the test a tuning target.
 */
import fs from 'node:fs';
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
    expect(sum([report.development, report.heldOut])).toEqual(counts);
    expect(report.byFold.map((m) => m.fold)).toEqual([...DEVELOPMENT_FOLDS, ...HELD_OUT_FOLDS]);
    expect(report.byDomain.map((m) => m.domain)).toEqual(['banking', 'hotels']);
    expect(report.falseEscalations).toHaveLength(overall.fp);
    expect(report.missed).toHaveLength(overall.fn);

    // The metrics follow from the counts.
    for (const m of [overall, report.development, report.heldOut, ...report.byFold]) {
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

  it('says where the data should be when it is missing', async () => {
    await expect(evaluateHandoff(path.resolve('no-such-eval-dir'))).rejects.toThrow(/No NLU\+\+ data at .*examples\.jsonl/);
  });
});
