/**
 * The knowledge base from the command line, on the same database and settings as the server:
 *   frontline ingest <files or folders...>      progress bar (files, chunks, embeddings/s) and a summary table
 *   frontline search "<query>" [-k 5] [--json]   ranked results with title, score, page/section and snippet
 *   frontline eval retrieval --data <dir>        recall@1/5/10 and MRR on a documents.jsonl + tasks.jsonl set, per
 *                                                dev/held-out half, and how the relevance threshold separates
 *                                                the set's queries from off-topic ones
 * Everything heavy (database drivers, the model, cli-progress) is imported inside the actions, so `--help` and
 * `keygen` stay instant.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { DatabaseTarget, Settings } from '../config/index.js';
import type { KnowledgeBase } from '../knowledge/service.js';
import type { SearchResult, SourceLocation } from '../knowledge/types.js';

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 100) throw new InvalidArgumentError('expected an integer from 1 to 100');
  return parsed;
}

/** Opens the database (migrated) and a knowledge base that indexes in this process; logs go to stderr. */
async function openKnowledge(settings: Settings) {
  const [{ openDatabase, migrateToLatest, createRepositories }, { createKnowledgeBase }, { createLogger }] = await Promise.all([
    import('../storage/index.js'),
    import('../knowledge/ingestion/index.js'),
    import('../telemetry/logger.js'),
  ]);
  // Per-document info lines would tear through the progress bar; warnings (e.g. lexical-only mode) still show.
  const logLevel = settings.app.logLevel === 'info' ? 'warn' : settings.app.logLevel;
  const logger = createLogger({ ...settings, app: { ...settings.app, logLevel } }, process.stderr);
  const database = await openDatabase(settings.database.target);
  try {
    await migrateToLatest(database);
    const repositories = createRepositories(database);
    const knowledge = await createKnowledgeBase(settings, { database, documents: repositories.documents, logger, queue: 'none' });
    await knowledge.start();
    return {
      knowledge,
      close: async () => {
        await knowledge.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function progressBar(format: string) {
  const { default: cliProgress } = await import('cli-progress');
  return new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
}

function describeLocation(location: SourceLocation): string {
  const parts: string[] = [];
  if (location.page !== undefined) parts.push(`page ${location.page}`);
  if (location.sheet) parts.push(`sheet ${location.sheet}`);
  if (location.rowStart !== undefined) parts.push(location.rowEnd && location.rowEnd !== location.rowStart ? `rows ${location.rowStart}-${location.rowEnd}` : `row ${location.rowStart}`);
  const section = location.sectionPath?.filter((s) => s !== location.sheet).join(' > ');
  if (section) parts.push(section);
  return parts.join(' · ');
}

export function formatResults(results: SearchResult[]): string {
  if (results.length === 0) return 'No results.\n';
  return results
    .map((r, i) => {
      const where = describeLocation(r.location);
      const relevance = r.relevance === undefined ? '' : `  [relevance ${r.relevance.toFixed(3)}]`;
      return `${String(i + 1).padStart(2)}. ${r.score.toFixed(3)}  ${r.title}${where ? `  (${where})` : ''}${relevance}\n` + `    ${r.snippet}\n` + `    document ${r.documentId}, chunk ${r.chunkId}\n`;
    })
    .join('\n');
}

/** Left-aligned text columns; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface FileOutcome {
  file: string;
  status: 'indexed' | 'duplicate' | 'refused' | 'failed';
  chunks?: number;
  reason?: string;
}

async function ingestFiles(knowledge: KnowledgeBase, settings: Settings, paths: string[]): Promise<{ outcomes: FileOutcome[]; embedded: number; seconds: number }> {
  const [{ collectFiles }, { EXTENSION_ALIASES }, { FileTooLargeError, isAppError }] = await Promise.all([
    import('../knowledge/ingestion/files.js'),
    import('../knowledge/parsers/detect.js'),
    import('../errors.js'),
  ]);
  const accepted = settings.files.allowedTypes.flatMap((ext) => [ext, ...Object.keys(EXTENSION_ALIASES).filter((alias) => EXTENSION_ALIASES[alias] === ext)]);
  const { files, missing, skipped } = await collectFiles(paths, accepted);
  for (const file of missing) process.stderr.write(`frontline: no such file or folder: ${file}\n`);
  if (skipped > 0) process.stderr.write(`skipped ${skipped} file(s) whose type is not in ALLOWED_FILE_TYPES (${settings.files.allowedTypes.join(' ')})\n`);

  const outcomes: FileOutcome[] = missing.map((file) => ({ file, status: 'refused', reason: 'no such file or folder' }));
  const bar = await progressBar('ingest [{bar}] {value}/{total} files | {chunks} chunks | {rate} embeddings/s | {file}');
  const started = performance.now();
  let chunks = 0;
  let embedded = 0;
  const rate = () => (embedded / Math.max(0.001, (performance.now() - started) / 1000)).toFixed(0);
  bar.start(files.length, 0, { chunks, rate: '0', file: '' });
  for (const [i, file] of files.entries()) {
    bar.update(i, { file: path.basename(file) });
    const embeddedBefore = embedded;
    try {
      const { size } = await fs.promises.stat(file);
      // Refused without reading it into memory (the upload route cuts such a file off at the limit too).
      if (size > settings.files.maxFileSize) {
        throw new FileTooLargeError(`"${path.basename(file)}" is ${size} bytes, more than the ${settings.files.maxFileSize} allowed per file (MAX_FILE_SIZE)`);
      }
      const outcome = await knowledge.ingest({ buffer: await fs.promises.readFile(file), filename: path.basename(file) }, {
        onProgress: (p) => {
          embedded = embeddedBefore + p.embedded;
          bar.update(i, { chunks: chunks + p.chunks, rate: rate() });
        },
      });
      if (outcome.duplicate) outcomes.push({ file, status: 'duplicate', reason: `same content as "${outcome.document.title}" (${outcome.document.id})` });
      else {
        chunks += outcome.document.chunkCount;
        outcomes.push({ file, status: 'indexed', chunks: outcome.document.chunkCount });
      }
    } catch (error) {
      const refused = isAppError(error) && error.statusCode < 500;
      const reason = isAppError(error) ? `${error.statusCode} ${error.code}: ${error.message}` : (error as Error).message;
      outcomes.push({ file, status: refused ? 'refused' : 'failed', reason });
    }
    bar.update(i + 1, { chunks, rate: rate() });
  }
  bar.stop();
  return { outcomes, embedded, seconds: (performance.now() - started) / 1000 };
}

export function addKnowledgeCommands(program: Command, loadSettings: () => Settings): void {
  program
    .command('ingest')
    .description('add files, or every accepted file in folders (recursively), to the knowledge base')
    .argument('<paths...>', 'files or folders')
    .option('--json', 'print the summary as JSON')
    .action(async (paths: string[], options: { json?: boolean }) => {
      const settings = loadSettings();
      const { knowledge, close } = await openKnowledge(settings);
      try {
        const { outcomes, embedded, seconds } = await ingestFiles(knowledge, settings, paths);
        const count = (status: FileOutcome['status']) => outcomes.filter((o) => o.status === status).length;
        const totals = {
          files: outcomes.length,
          indexed: count('indexed'),
          chunks: outcomes.reduce((sum, o) => sum + (o.chunks ?? 0), 0),
          duplicates: count('duplicate'),
          refused: count('refused'),
          failed: count('failed'),
          seconds: Number(seconds.toFixed(1)),
          embeddingsPerSecond: Math.round(embedded / Math.max(seconds, 0.001)),
        };
        if (options.json) process.stdout.write(`${JSON.stringify({ ...totals, outcomes }, null, 2)}\n`);
        else {
          const rows = outcomes.map((o) => [o.status, o.chunks === undefined ? '-' : String(o.chunks), o.file, o.reason ?? '']);
          process.stdout.write(`${formatTable(['status', 'chunks', 'file', 'reason'], rows)}\n\n`);
          process.stdout.write(
            `${totals.files} files: ${totals.indexed} indexed (${totals.chunks} chunks), ${totals.duplicates} duplicates, ` +
              `${totals.refused} refused, ${totals.failed} failed in ${totals.seconds} s (${totals.embeddingsPerSecond} embeddings/s)\n`,
          );
        }
        if (totals.refused + totals.failed > 0) process.exitCode = 1;
      } finally {
        await close();
      }
    });

  program
    .command('search')
    .description('search the knowledge base as the agent does (hybrid: keywords + embeddings)')
    .argument('<query>', 'what to look for')
    .option('-k, --k <n>', 'number of results (default RAG_SEARCH_K)', positiveInt)
    .option('--min-score <score>', 'drop results below this relevance (cosine similarity; the fused score in lexical-only mode), 0..1 (default 0)', parseFloat)
    .option('--no-extract', 'search with the query as written (long texts are otherwise reduced to their key sentences)')
    .option('--json', 'print the results as JSON')
    .action(async (query: string, options: { k?: number; minScore?: number; extract: boolean; json?: boolean }) => {
      const settings = loadSettings();
      const { knowledge, close } = await openKnowledge(settings);
      try {
        const results = await knowledge.search(query, { k: options.k, minScore: options.minScore, extract: options.extract });
        process.stdout.write(options.json ? `${JSON.stringify(results, null, 2)}\n` : formatResults(results));
      } finally {
        await close();
      }
    });

  const evalCommand = program.command('eval').description('measure the system on an evaluation set');
  evalCommand
    .command('retrieval')
    .description('ingest a documents.jsonl ({id,title,content}) and score search on tasks.jsonl: recall@1/5/10 and MRR')
    .requiredOption('--data <dir>', 'folder with documents.jsonl and tasks.jsonl (e.g. ../shared/eval/banking_knowledge)')
    .option('-k, --k <n>', 'documents per query', positiveInt, 10)
    .option('--no-extract', 'search with the raw scenario text instead of the extracted query')
    .option('--database <url>', 'keep the index in this database (default: a throwaway SQLite file in a temporary folder)')
    .option('--json', 'print only the JSON report')
    .action(async (options: { data: string; k: number; extract: boolean; database?: string; json?: boolean }) => {
      const report = await evaluateRetrievalCommand(loadSettings(), options);
      if (!options.json) process.stdout.write(`${report.table}\n\n`);
      process.stdout.write(`${JSON.stringify(report.json, null, options.json ? 2 : 0)}\n`);
    });
  evalCommand
    .command('handoff')
    .description('run the escalation policy on each utterance of an NLU++ examples.jsonl as a first message: precision, recall, F1, false escalations per fold')
    .requiredOption('--data <dir>', 'folder with examples.jsonl (e.g. ../shared/eval/nlupp)')
    .option('--errors <n>', 'list up to n misclassified utterances', positiveInt, 0)
    .option('--json', 'print only the JSON report')
    .action(async (options: { data: string; errors: number; json?: boolean }) => {
      const { evaluateHandoff, formatHandoffReport } = await import('../agent/escalation/eval.js');
      const report = await evaluateHandoff(options.data, loadSettings().escalation);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatHandoffReport(report, options.errors)}\n`);
    });
}

async function evaluateRetrievalCommand(
  base: Settings,
  options: { data: string; k: number; extract: boolean; database?: string },
): Promise<{ table: string; json: Record<string, unknown> }> {
  const [{ loadDocuments, loadTasks, evaluateRetrieval, formatMetricsTable, aggregateBySplit }, relevanceEval, { parseDatabaseUrl }] = await Promise.all([
    import('../knowledge/eval/retrieval.js'),
    import('../knowledge/eval/relevance.js'),
    import('../config/index.js'),
  ]);
  const [documents, tasks] = await Promise.all([loadDocuments(options.data), loadTasks(options.data)]);
  const tempDir = options.database ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-eval-'));
  const target = parseDatabaseUrl(options.database ?? `sqlite:///${path.join(tempDir!, 'eval.db')}`);
  if (typeof target === 'string') throw new InvalidArgumentError(`--database: ${target}`);
  const settings: Settings = { ...base, database: { ...base.database, target: target as DatabaseTarget } };
  const { knowledge, close } = await openKnowledge(settings);
  try {
    // Results come back as our document ids; the set's own ids are kept in metadata.externalId.
    const external = new Map<string, string[]>();
    const bar = await progressBar('ingest [{bar}] {value}/{total} documents | {chunks} chunks');
    let chunks = 0;
    const started = performance.now();
    bar.start(documents.length, 0, { chunks });
    for (const [i, doc] of documents.entries()) {
      const outcome = await knowledge
        .ingest({ title: doc.title || doc.id, content: doc.content, format: 'markdown', metadata: { externalId: doc.id } })
        .catch((error: Error) => (process.stderr.write(`\n${doc.id}: ${error.message}\n`), undefined));
      if (outcome) {
        external.set(outcome.document.id, [...(external.get(outcome.document.id) ?? []), doc.id]);
        if (!outcome.duplicate) chunks += outcome.document.chunkCount;
      }
      bar.update(i + 1, { chunks });
    }
    bar.stop();
    const ingestSeconds = (performance.now() - started) / 1000;
    // Results are one per document already (maxChunksPerDocument 1); ask for a few more than k in case a
    // document of the set was a duplicate of another (both ids count).
    const inDomain: number[] = [];
    const search = async (query: string, k: number) => {
      const results = await knowledge.search(query, { k: Math.min(100, k + 5), minScore: 0, extract: options.extract });
      inDomain.push(relevanceEval.bestRelevance(results));
      return results.flatMap((r) => (external.get(r.documentId) ?? [r.documentId]).map((documentId) => ({ documentId })));
    };
    const searchStarted = performance.now();
    const { metrics, perTask } = await evaluateRetrieval(search, tasks, { k: options.k });
    const searchMsPerQuery = (performance.now() - searchStarted) / Math.max(1, tasks.length);
    const bySplit = aggregateBySplit(perTask);
    const offTopic: number[] = [];
    for (const query of relevanceEval.OFF_TOPIC) offTopic.push(relevanceEval.bestRelevance(await knowledge.search(query, { k: 1, minScore: 0 })));
    const threshold = settings.knowledge.similarityThreshold;
    const thresholds = [...new Set([0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, threshold])].sort((a, b) => a - b);
    const rates = relevanceEval.passRates(inDomain, offTopic, thresholds);
    const status = await knowledge.status();
    const name = `${status.mode === 'hybrid' ? 'hybrid' : 'lexical'}${options.extract ? '+extract' : ''}`;
    const rows = [{ name, metrics }, ...(['dev', 'held-out'] as const).map((split) => ({ name: `  ${split}`, metrics: bySplit[split] }))];
    return {
      // One block (no blank line): scripts split the output into this table and the JSON line after it.
      table: [
        formatMetricsTable(rows),
        'dev: tasks whose sha256(id) starts with an even byte (tune on these); held-out: the others (report only).',
        status.mode === 'hybrid' ? relevanceEval.formatPassRates(rates, threshold) : 'relevance: none in lexical-only mode',
      ].join('\n'),
      json: {
        run: name,
        ...metrics,
        splits: bySplit,
        relevance: { threshold, offTopicQueries: offTopic.length, passRates: rates },
        k: options.k,
        extract: options.extract,
        embeddingModel: status.embeddingModel,
        chunkSize: (await knowledge.components()).chunkSize,
        documents: documents.length,
        chunks: status.chunks,
        ingestSeconds: Number(ingestSeconds.toFixed(1)),
        searchMsPerQuery: Number(searchMsPerQuery.toFixed(1)),
      },
    };
  } finally {
    await close();
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
  }
}
