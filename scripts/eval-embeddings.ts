/**
 * Dense-retrieval quality of local embedding models on the banking benchmark, in memory (no index): chunk the
 * documents with the project's chunker (~300 tokens), embed every chunk, brute-force cosine, document score =
 * its best chunk. Each model is measured with the raw scenario as query and with extractSearchQuery(scenario).
 * With --bm25 FILE (written by scripts/bm25_baseline.py --rankings FILE) it also reports BM25 and a reciprocal-
 * rank fusion of BM25 and dense results, as a first look at what the hybrid index can reach.
 *
 *   npx tsx scripts/eval-embeddings.ts [--data DIR] [--model ID[:fp32|q8]]... [--chunk 300] [--overlap 30]
 *        [--max-words 80,160] [--queries-out FILE] [--bm25 FILE] [--json]
 *
 * --max-words: extractSearchQuery word budgets to try (one "extracted@N" query mode each). --queries-out writes
 * {mode: {taskId: query}} for scripts/bm25_baseline.py --queries, whose --rankings output feeds --bm25.
 *
 * Chunk vectors are cached under <model cache>/eval-vectors/ (keyed by model, dtype, chunking and content).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chunkDocument } from '../src/knowledge/chunker.js';
import { LocalEmbedder } from '../src/knowledge/embedder/local.js';
import { defaultModelCacheDir, findLocalModel, type ModelDtype } from '../src/knowledge/embedder/models.js';
import { dot } from '../src/knowledge/embedder/pooling.js';
import {
  evaluateRetrieval,
  formatMetricsTable,
  loadDocuments,
  loadTasks,
  type EvalDocument,
  type RetrievalMetrics,
  type RetrievalTask,
} from '../src/knowledge/eval/retrieval.js';
import { extractSearchQuery } from '../src/knowledge/query/index.js';
import type { Chunk, DocumentBlock, ParsedDocument } from '../src/knowledge/types.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(repo, '../shared/eval/banking_knowledge') },
    model: { type: 'string', multiple: true },
    chunk: { type: 'string', default: '300' },
    overlap: { type: 'string', default: '30' },
    'max-words': { type: 'string', default: '80' },
    'queries-out': { type: 'string' },
    bm25: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const cacheDir = process.env.MODEL_CACHE_DIR || defaultModelCacheDir();
const chunkSize = Number(values.chunk);
const chunkOverlap = Number(values.overlap);

/** Markdown -> blocks, enough for the chunker: headings, tables, lists and paragraphs. */
function parseMarkdown(doc: EvalDocument): ParsedDocument {
  const blocks: DocumentBlock[] = [];
  const pathStack: string[] = [];
  for (const part of doc.content.split(/\n\s*\n/)) {
    const text = part.trim();
    if (!text) continue;
    const heading = /^(#{1,6})\s+(.*)$/.exec(text);
    if (heading && !text.includes('\n')) {
      const level = heading[1]!.length;
      pathStack.length = level - 1;
      pathStack[level - 1] = heading[2]!;
      blocks.push({ kind: 'heading', text: heading[2]!, level, location: { sectionPath: pathStack.filter(Boolean) } });
      continue;
    }
    const kind = text.startsWith('|') ? 'table' : /^([-*]|\d+\.)\s/.test(text) ? 'list' : 'paragraph';
    blocks.push({ kind, text, location: { sectionPath: pathStack.filter(Boolean) } });
  }
  return { title: doc.title, format: 'markdown', blocks, metadata: {} };
}

function loadCached(file: string, count: number, dim: number): Float32Array[] | null {
  if (!fs.existsSync(file)) return null;
  const buf = fs.readFileSync(file);
  if (buf.byteLength !== count * dim * 4) return null;
  const all = new Float32Array(buf.buffer, buf.byteOffset, count * dim);
  return Array.from({ length: count }, (_, i) => all.slice(i * dim, (i + 1) * dim));
}

interface Run {
  name: string;
  metrics: RetrievalMetrics;
}

async function evalModel(spec: string, docs: EvalDocument[], tasks: RetrievalTask[], bm25?: Bm25Rankings): Promise<Run[]> {
  const [model, dtypeArg] = spec.split(':') as [string, ModelDtype | undefined];
  const embedder = await LocalEmbedder.create({ model, cacheDir, dtype: dtypeArg, batchSize: 32 });
  const label = `${model.split('/').pop()}:${embedder.dtype}`;
  const chunks: Chunk[] = docs.flatMap((d) =>
    chunkDocument(parseMarkdown(d), { documentId: d.id, chunkSize, chunkOverlap, countTokens: (t) => embedder.countTokens(t) }),
  );
  const key = createHash('sha256')
    .update(JSON.stringify([model, embedder.dtype, chunkSize, chunkOverlap, chunks.map((c) => c.text)]))
    .digest('hex')
    .slice(0, 16);
  const cacheFile = path.join(cacheDir, 'eval-vectors', `${key}.f32`);
  let vectors = loadCached(cacheFile, chunks.length, embedder.dimension);
  if (!vectors) {
    const started = performance.now();
    vectors = await embedder.embedDocuments(chunks.map((c) => c.text));
    const seconds = (performance.now() - started) / 1000;
    console.error(`${label}: embedded ${chunks.length} chunks in ${seconds.toFixed(0)} s (${(chunks.length / seconds).toFixed(1)}/s)`);
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const flat = new Float32Array(chunks.length * embedder.dimension);
    vectors.forEach((v, i) => flat.set(v, i * embedder.dimension));
    fs.writeFileSync(cacheFile, Buffer.from(flat.buffer));
  } else {
    console.error(`${label}: ${chunks.length} chunk vectors from ${cacheFile}`);
  }

  const denseRanking = async (query: string, k: number) => {
    const q = await embedder.embedQuery(query);
    const best = new Map<string, number>();
    chunks.forEach((c, i) => {
      const s = dot(q, vectors![i]!);
      if (s > (best.get(c.documentId) ?? -Infinity)) best.set(c.documentId, s);
    });
    return [...best.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([documentId]) => ({ documentId }));
  };
  const runs: Run[] = [];
  for (const [mode, queryOf] of queryModes) {
    const { metrics } = await evaluateRetrieval(denseRanking, tasks, { queryOf });
    runs.push({ name: `dense ${label} ${mode}`, metrics });
    const lexical = bm25?.[mode];
    if (lexical) {
      // Reciprocal rank fusion (k = 60) of dense and BM25 document rankings, each cut at 100.
      const byQuery = new Map(tasks.map((t) => [queryOf(t), t.id]));
      const fused = async (query: string, k: number) => {
        const dense = await denseRanking(query, 100);
        const scores = new Map<string, number>();
        dense.forEach((r, i) => scores.set(r.documentId, (scores.get(r.documentId) ?? 0) + 1 / (60 + i + 1)));
        (lexical[byQuery.get(query)!] ?? []).slice(0, 100).forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (60 + i + 1)));
        return [...scores.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([documentId]) => ({ documentId }));
      };
      runs.push({ name: `rrf(bm25, ${label}) ${mode}`, metrics: (await evaluateRetrieval(fused, tasks, { queryOf })).metrics });
    }
  }
  await embedder.close();
  return runs;
}

type Bm25Rankings = Record<string, Record<string, string[]>>;

const docs = await loadDocuments(values.data);
const tasks = await loadTasks(values.data);
const queryModes: [string, (t: RetrievalTask) => string][] = [
  ['raw', (t) => t.scenario],
  ...values['max-words']
    .split(',')
    .map(Number)
    .map((n): [string, (t: RetrievalTask) => string] => [`extracted@${n}`, (t) => extractSearchQuery(t.scenario, { maxWords: n })]),
];
if (values['queries-out']) {
  const queries = Object.fromEntries(
    queryModes.filter(([mode]) => mode !== 'raw').map(([mode, q]) => [mode, Object.fromEntries(tasks.map((t) => [t.id, q(t)]))]),
  );
  fs.writeFileSync(values['queries-out'], JSON.stringify(queries, null, 1));
  console.error(`wrote extracted queries (${Object.keys(queries).join(', ')}) to ${values['queries-out']}`);
}
const bm25: Bm25Rankings | undefined = values.bm25 ? JSON.parse(fs.readFileSync(values.bm25, 'utf8')) : undefined;

const specs = values.model?.length
  ? values.model
  : (['q8', 'fp32'] as const)
      .filter((d) => findLocalModel(cacheDir, 'sentence-transformers/all-MiniLM-L6-v2', d).dtype === d)
      .map((d) => `sentence-transformers/all-MiniLM-L6-v2:${d}`);
if (specs.length === 0) throw new Error(`no model files under ${cacheDir}: run scripts/fetch-models.sh`);

const runs: Run[] = [];
for (const spec of specs) runs.push(...(await evalModel(spec, docs, tasks, bm25)));
console.log(`${docs.length} documents, ${tasks.length} tasks, chunks of ${chunkSize} tokens (overlap ${chunkOverlap})`);
console.log(formatMetricsTable(runs));
if (values.json) console.log(JSON.stringify(runs, null, 1));
