/**
 * Hand-off detection measured on data nobody here wrote: NLU++ (../shared/eval/nlupp/examples.jsonl, banking and
 * hotels, 20 folds). An utterance is positive when it carries the `handoff` intent; the policy runs on each as
 * the first message of a conversation (no history, no confidence: only what the words say).
 *
 * Honest tuning: the request patterns were developed looking only at folds 0-9 (DEVELOPMENT_FOLDS); folds 10-19
 * (HELD_OUT_FOLDS) were not looked at while tuning and are reported separately. Since session 2 every NLU++
 * fold has been looked at, so fresh data is the held-out test: rows without a fold (e.g. a Rasa assistant's NLU
 * data converted by scripts/handoff_data.py) are all held out, and the report then has no fold slices.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { loadSettings } from '../../config/index.js';
import { decideEscalation, type EscalationReason, type EscalationSettings } from './policy.js';

export const DEVELOPMENT_FOLDS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
export const HELD_OUT_FOLDS: readonly number[] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

export interface HandoffMetrics {
  total: number;
  positives: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** null when undefined (nothing predicted, or no positives). */
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** Share of non-handoff utterances the policy escalated: fp / (fp + tn). */
  falseEscalationRate: number | null;
}

export interface HandoffError {
  domain: string;
  fold: number | null;
  intents: string[];
  text: string;
  reasons: EscalationReason[];
}

export interface HandoffReport {
  dataFile: string;
  overall: HandoffMetrics;
  /** null when the rows carry no folds (all of the data is held out). */
  development: (HandoffMetrics & { folds: readonly number[] }) | null;
  heldOut: (HandoffMetrics & { folds: readonly number[] }) | null;
  byFold: (HandoffMetrics & { fold: number })[];
  byDomain: (HandoffMetrics & { domain: string })[];
  /** Negatives escalated, counted by their intents (which kinds of message the policy mistakes for a request). */
  falseEscalationsByIntent: Record<string, number>;
  /** Escalated without a handoff intent. */
  falseEscalations: HandoffError[];
  /** Handoff utterances the policy did not escalate. */
  missed: HandoffError[];
}

interface Example {
  domain: string;
  fold: number | null;
  text: string;
  intents: string[];
}

interface Outcome {
  example: Example;
  positive: boolean;
  escalated: boolean;
  reasons: EscalationReason[];
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

export function metricsOf(outcomes: readonly Outcome[]): HandoffMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const { positive, escalated } of outcomes) {
    if (positive && escalated) tp++;
    else if (positive) fn++;
    else if (escalated) fp++;
    else tn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { total: outcomes.length, positives: tp + fn, tp, fp, tn, fn, precision, recall, f1, falseEscalationRate: ratio(fp, fp + tn) };
}

async function readExamples(file: string): Promise<Example[]> {
  const examples: Example[] = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as Partial<Example>;
    if (typeof row.text !== 'string' || !Array.isArray(row.intents) || (row.fold !== undefined && typeof row.fold !== 'number')) {
      throw new Error(`${file}:${lineNumber}: expected { domain, fold?, text, intents[] }`);
    }
    examples.push({ domain: String(row.domain ?? 'unknown'), fold: row.fold ?? null, text: row.text, intents: row.intents });
  }
  return examples;
}

function groupBy<K>(outcomes: readonly Outcome[], key: (o: Outcome) => K): Map<K, Outcome[]> {
  const groups = new Map<K, Outcome[]>();
  for (const outcome of outcomes) {
    const k = key(outcome);
    const list = groups.get(k);
    if (list) list.push(outcome);
    else groups.set(k, [outcome]);
  }
  return groups;
}

/**
 * Runs the escalation policy over `<dataDir>/examples.jsonl`. `settings` defaults to the configured defaults
 * (ESCALATION_KEYWORDS urgent/emergency/legal, threshold 0.7), i.e. what a fresh install does.
 */
export async function evaluateHandoff(dataDir: string, settings?: EscalationSettings): Promise<HandoffReport> {
  const dataFile = path.resolve(dataDir, 'examples.jsonl');
  if (!fs.existsSync(dataFile)) {
    throw new Error(`No NLU++ data at ${dataFile}: pass the folder holding examples.jsonl (e.g. ../shared/eval/nlupp)`);
  }
  const policy = settings ?? loadSettings({}).escalation;
  const outcomes: Outcome[] = (await readExamples(dataFile)).map((example) => {
    const decision = decideEscalation({ message: example.text }, policy);
    return { example, positive: example.intents.includes('handoff'), escalated: decision.escalate, reasons: decision.reasons };
  });
  const inFolds = (folds: readonly number[]) => outcomes.filter((o) => o.example.fold !== null && folds.includes(o.example.fold));
  const folded = outcomes.some((o) => o.example.fold !== null);
  const errorOf = (o: Outcome): HandoffError => ({ domain: o.example.domain, fold: o.example.fold, intents: o.example.intents, text: o.example.text, reasons: o.reasons });
  const falseEscalations = outcomes.filter((o) => o.escalated && !o.positive).map(errorOf);
  const falseEscalationsByIntent: Record<string, number> = {};
  for (const error of falseEscalations) for (const intent of error.intents) falseEscalationsByIntent[intent] = (falseEscalationsByIntent[intent] ?? 0) + 1;
  return {
    dataFile,
    overall: metricsOf(outcomes),
    development: folded ? { ...metricsOf(inFolds(DEVELOPMENT_FOLDS)), folds: DEVELOPMENT_FOLDS } : null,
    heldOut: folded ? { ...metricsOf(inFolds(HELD_OUT_FOLDS)), folds: HELD_OUT_FOLDS } : null,
    byFold: [...groupBy(outcomes.filter((o) => o.example.fold !== null), (o) => o.example.fold!)]
      .sort(([a], [b]) => a - b)
      .map(([fold, group]) => ({ fold, ...metricsOf(group) })),
    byDomain: [...groupBy(outcomes, (o) => o.example.domain)]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([domain, group]) => ({ domain, ...metricsOf(group) })),
    falseEscalationsByIntent,
    falseEscalations,
    missed: outcomes.filter((o) => o.positive && !o.escalated).map(errorOf),
  };
}

const pct = (value: number | null) => (value === null ? '     -' : `${(value * 100).toFixed(1).padStart(5)}%`);

function row(label: string, m: HandoffMetrics): string {
  return [
    label.padEnd(26),
    String(m.total).padStart(5),
    String(m.positives).padStart(4),
    String(m.tp).padStart(4),
    String(m.fp).padStart(4),
    String(m.fn).padStart(4),
    pct(m.precision).padStart(7),
    pct(m.recall).padStart(7),
    pct(m.f1).padStart(7),
    pct(m.falseEscalationRate).padStart(7),
  ].join(' ');
}

/** The report as a plain-text table (for `frontline eval handoff`); `showErrors` lists up to that many misses. */
export function formatHandoffReport(report: HandoffReport, showErrors = 0): string {
  const header = [
    'slice'.padEnd(26),
    'utts'.padStart(5),
    'pos'.padStart(4),
    'tp'.padStart(4),
    'fp'.padStart(4),
    'fn'.padStart(4),
    'prec'.padStart(7),
    'recall'.padStart(7),
    'F1'.padStart(7),
    'false+'.padStart(7),
  ].join(' ');
  const range = (folds: readonly number[]) => `${folds[0]}-${folds.at(-1)}`;
  const lines = [
    `Hand-off detection on ${report.dataFile}`,
    'positive = intent "handoff"; each utterance is a first message (no history, no confidence); false+ = fp / negatives',
    '',
    header,
    row(report.development ? 'overall' : 'overall (all held out)', report.overall),
    ...(report.development ? [row(`development (folds ${range(report.development.folds)})`, report.development)] : []),
    ...(report.heldOut ? [row(`held out (folds ${range(report.heldOut.folds)})`, report.heldOut)] : []),
    '',
    ...report.byDomain.map((m) => row(`domain ${m.domain}`, m)),
    ...(report.byFold.length ? [''] : []),
    ...report.byFold.map((m) => row(`fold ${m.fold}${report.heldOut?.folds.includes(m.fold) ? ' (held out)' : ''}`, m)),
  ];
  const byIntent = Object.entries(report.falseEscalationsByIntent).sort(([, a], [, b]) => b - a);
  if (byIntent.length) lines.push('', `false escalations by intent: ${byIntent.map(([intent, n]) => `${intent} ${n}`).join(', ')}`);
  if (showErrors > 0) {
    const list = (title: string, errors: HandoffError[]) => [
      '',
      `${title} (${errors.length}):`,
      ...errors.slice(0, showErrors).map((e) => `  [${e.domain}${e.fold === null ? '' : ` ${e.fold}`}] ${e.text}${e.reasons.length ? `  <- ${e.reasons.map((r) => r.detail).join('; ')}` : ''}`),
    ];
    lines.push(...list('false escalations', report.falseEscalations), ...list('missed hand-offs', report.missed));
  }
  return lines.join('\n');
}
