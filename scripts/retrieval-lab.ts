/**
 * Fast re-runs of the retrieval benchmark while tuning search: searches an index that `frontline eval retrieval
 * --database sqlite:///<file>` already filled (no re-ingest) and caches query embeddings on disk, so a run costs
 * the searches alone. Prints dev / held-out / all R@1/5/10 and MRR (the same metrics and split as the CLI).
 *
 *   npx tsx scripts/retrieval-lab.ts --database /tmp/lab/eval.db [--data DIR] [--cache FILE] [--per-task FILE] [--depth 15]
 *
 * --per-task writes each task's ranked documents (as many as --depth asks for; note that k changes how many
 * candidates each signal gives, so a deeper run can rank the first ten slightly differently).
 *
 * Dev tooling only: the CLI's `eval retrieval` stays the number to report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSettings, parseDatabaseUrl, readEnvironment, type DatabaseTarget } from '../src/config/index.js';
import { createEmbedder } from '../src/knowledge/embedder/index.js';
import { aggregateBySplit, evaluateRetrieval, formatMetricsTable, loadTasks } from '../src/knowledge/eval/retrieval.js';
import { createKnowledgeBase } from '../src/knowledge/ingestion/index.js';
import type { Embedder } from '../src/knowledge/types.js';
import { createRepositories, migrateToLatest, openDatabase } from '../src/storage/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    data: { type: 'string', default: path.resolve(repo, '../shared/eval/banking_knowledge') },
    cache: { type: 'string' },
    'per-task': { type: 'string' },
    depth: { type: 'string', default: '15' },
  },
});
if (!values.database) throw new Error('--database <sqlite file> is required (fill it with frontline eval retrieval --database)');
const cacheFile = values.cache ?? `${values.database}.queries.json`;

/** Query embeddings by text, kept across runs (base64 float32). */
function cachingEmbedder(inner: Embedder): Embedder {
  const cache = new Map<string, string>(fs.existsSync(cacheFile) ? Object.entries(JSON.parse(fs.readFileSync(cacheFile, 'utf8'))) : []);
  const decode = (b64: string) => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);
  const encode = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  const many = async (texts: string[]) => {
    const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
    if (missing.length > 0) (await inner.embedQueries(missing)).forEach((v, i) => cache.set(missing[i]!, encode(v)));
    return texts.map((t) => decode(cache.get(t)!));
  };
  const wrapped = Object.create(inner) as Embedder & { save(): void };
  Object.assign(wrapped, {
    embedQuery: async (text: string) => (await many([text]))[0]!,
    embedQueries: many,
    save: () => fs.writeFileSync(cacheFile, JSON.stringify(Object.fromEntries(cache))),
  });
  return wrapped;
}

const settings = loadSettings(readEnvironment());
const logger = { info() {}, debug() {}, warn: (o: object, m?: string) => console.error(m, o), error: (o: object, m?: string) => console.error(m, o) };
const database = await openDatabase(parseDatabaseUrl(`sqlite:///${path.resolve(values.database)}`) as DatabaseTarget);
await migrateToLatest(database);
const repositories = createRepositories(database);
const inner = await createEmbedder(settings, logger as never);
if (!inner) throw new Error('no embedding model');
const embedder = cachingEmbedder(inner);
const knowledge = await createKnowledgeBase(settings, { database, documents: repositories.documents, logger: logger as never, queue: 'none', embedder });
await knowledge.start();

const external = new Map<string, string>();
for (let cursor: string | null | undefined = undefined; ; ) {
  const page = await knowledge.listDocuments({ limit: 100, ...(cursor ? { cursor } : {}) });
  for (const doc of page.items) external.set(doc.id, String((doc.metadata as { externalId?: string }).externalId ?? doc.id));
  if (!page.nextCursor) break;
  cursor = page.nextCursor;
}
const tasks = await loadTasks(values.data!);
const started = performance.now();
const { perTask } = await evaluateRetrieval(async (query, k) => {
  const results = await knowledge.search(query, { k: Math.max(k + 5, Number(values.depth)), minScore: 0 });
  return results.map((r) => ({ documentId: external.get(r.documentId) ?? r.documentId }));
}, tasks);
const ms = (performance.now() - started) / tasks.length;
(embedder as Embedder & { save(): void }).save();
const by = aggregateBySplit(perTask);
process.stdout.write(
  `${formatMetricsTable([
    { name: 'all', metrics: by.all },
    { name: 'dev', metrics: by.dev },
    { name: 'held-out', metrics: by['held-out'] },
  ])}\n${ms.toFixed(0)} ms/query\n`,
);
if (values['per-task']) fs.writeFileSync(values['per-task'], JSON.stringify(perTask));
await knowledge.close();
await database.close();
