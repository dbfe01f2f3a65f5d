/**
 * Retrieval quality on a dataset laid out like ../shared/eval/banking_knowledge: documents.jsonl
 * `{ id, title, content }` and tasks.jsonl `{ id, scenario, required_documents[] }`.
 *
 * For each task the search function gets the query (by default the raw scenario) and k = 10. Results are
 * reduced to distinct documents in rank order (a chunk-level search may return one document several times).
 * recall@k = share of the task's required documents among the first k distinct documents, averaged over tasks;
 * MRR = mean of 1 / rank of the first required document (0 when none is returned).
 *
 * Honest tuning: tasks are split in two halves by a hash of their id (splitOf), fixed once and for all. Choices
 * are made on 'dev' and 'held-out' is only reported; a gain that shows on dev alone is tuning noise.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface EvalDocument {
  id: string;
  title: string;
  content: string;
}

export interface RetrievalTask {
  id: string;
  scenario: string;
  requiredDocuments: string[];
}

export type SearchFn = (query: string, k: number) => Promise<{ documentId: string }[]>;

export interface RetrievalMetrics {
  tasks: number;
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  mrr: number;
}

export interface TaskResult {
  id: string;
  query: string;
  ranked: string[];
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  reciprocalRank: number;
}

export interface EvaluateOptions {
  /** Turns a task into the query; default the raw scenario text. */
  queryOf?: (task: RetrievalTask) => string;
  /** Results requested per query. Default 10 (the largest k reported). */
  k?: number;
  /** Queries in flight at once. Default 1 (search functions are often CPU-bound already). */
  concurrency?: number;
}

async function readJsonl<T>(file: string): Promise<T[]> {
  const text = await fs.readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      try {
        return JSON.parse(line) as T;
      } catch (error) {
        throw new Error(`${file}:${i + 1}: invalid JSON (${(error as Error).message})`);
      }
    });
}

export async function loadDocuments(dir: string): Promise<EvalDocument[]> {
  const rows = await readJsonl<{ id: string; title?: string; content?: string }>(path.join(dir, 'documents.jsonl'));
  return rows.map((r) => ({ id: r.id, title: r.title ?? '', content: r.content ?? '' }));
}

export async function loadTasks(dir: string): Promise<RetrievalTask[]> {
  const rows = await readJsonl<{ id: string; scenario: string; required_documents?: string[] }>(
    path.join(dir, 'tasks.jsonl'),
  );
  // Tasks without required documents cannot measure recall; they are left out rather than counted as 0 or 1.
  return rows
    .filter((r) => (r.required_documents ?? []).length > 0)
    .map((r) => ({ id: r.id, scenario: r.scenario, requiredDocuments: r.required_documents! }));
}

/** Distinct document ids in first-seen order. */
export function distinctDocuments(results: { documentId: string }[]): string[] {
  return [...new Set(results.map((r) => r.documentId))];
}

export function scoreTask(ranked: string[], required: string[]): Omit<TaskResult, 'id' | 'query' | 'ranked'> {
  const need = new Set(required);
  const recallAt = (k: number) => ranked.slice(0, k).filter((id) => need.has(id)).length / need.size;
  const first = ranked.findIndex((id) => need.has(id));
  return {
    recallAt1: recallAt(1),
    recallAt5: recallAt(5),
    recallAt10: recallAt(10),
    reciprocalRank: first < 0 ? 0 : 1 / (first + 1),
  };
}

export type Split = 'dev' | 'held-out';

/** The half a task belongs to: 'dev' when the first byte of sha256(id) is even (scripts/bm25_baseline.py agrees). */
export function splitOf(taskId: string): Split {
  return createHash('sha256').update(taskId).digest()[0]! % 2 === 0 ? 'dev' : 'held-out';
}

/** Metrics of each half and of all tasks. */
export function aggregateBySplit(results: TaskResult[]): Record<Split | 'all', RetrievalMetrics> {
  return {
    dev: aggregate(results.filter((r) => splitOf(r.id) === 'dev')),
    'held-out': aggregate(results.filter((r) => splitOf(r.id) === 'held-out')),
    all: aggregate(results),
  };
}

export function aggregate(results: TaskResult[]): RetrievalMetrics {
  const mean = (pick: (r: TaskResult) => number) =>
    results.length === 0 ? 0 : results.reduce((s, r) => s + pick(r), 0) / results.length;
  return {
    tasks: results.length,
    recallAt1: mean((r) => r.recallAt1),
    recallAt5: mean((r) => r.recallAt5),
    recallAt10: mean((r) => r.recallAt10),
    mrr: mean((r) => r.reciprocalRank),
  };
}

export async function evaluateRetrieval(
  search: SearchFn,
  tasks: RetrievalTask[],
  options: EvaluateOptions = {},
): Promise<{ metrics: RetrievalMetrics; perTask: TaskResult[] }> {
  const k = options.k ?? 10;
  const queryOf = options.queryOf ?? ((t: RetrievalTask) => t.scenario);
  const perTask: TaskResult[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i]!;
      const query = queryOf(task);
      const ranked = distinctDocuments(await search(query, k));
      perTask[i] = { id: task.id, query, ranked, ...scoreTask(ranked, task.requiredDocuments) };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane));
  return { metrics: aggregate(perTask), perTask };
}

/** A plain-text table: one row per named run, recall as percentages. */
export function formatMetricsTable(rows: { name: string; metrics: RetrievalMetrics }[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}`.padStart(6);
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  const header = `${'run'.padEnd(width)}  tasks   R@1    R@5   R@10    MRR`;
  const lines = rows.map(
    ({ name, metrics: m }) =>
      `${name.padEnd(width)}  ${String(m.tasks).padStart(5)} ${pct(m.recallAt1)} ${pct(m.recallAt5)} ${pct(m.recallAt10)}  ${m.mrr.toFixed(3)}`,
  );
  return [header, '-'.repeat(header.length), ...lines].join('\n');
}
