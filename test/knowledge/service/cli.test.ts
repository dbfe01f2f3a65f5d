/**
 * `frontline ingest`, `search` and `eval retrieval` as real processes from the build, on a SQLite file. Ingest and
 * search run with the real embedding model in separate processes, so the second one opens (and migrates) a
 * database that already holds the sqlite-vec table, as a restarted server does.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/app.js';
import * as fixtures from '../parsers/fixtures.js';
import { requireModelFiles } from './helpers.js';

const CLI = path.resolve('dist/cli/main.js');

function frontline(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ENVIRONMENT: 'test', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('frontline knowledge commands', () => {
  // Four processes each load the model: minutes, not seconds, on a busy two-core machine.
  it('ingests a folder recursively with a summary, then searches it from another process', { timeout: 180_000 }, async () => {
    const cwd = tempDir('frontline-cli-kb');
    const docs = path.join(cwd, 'docs');
    fs.mkdirSync(path.join(docs, 'more', '.hidden'), { recursive: true });
    const pdf = await fixtures.twoPagePdf();
    fs.writeFileSync(path.join(docs, 'policy.pdf'), pdf);
    fs.writeFileSync(path.join(docs, 'more', 'copy.pdf'), pdf);
    fs.writeFileSync(path.join(docs, 'more', 'fees.xlsx'), await fixtures.xlsxTwoSheets());
    fs.writeFileSync(path.join(docs, 'more', 'manual.doc'), fixtures.legacyDoc());
    fs.writeFileSync(path.join(docs, 'more', 'photo.png'), fixtures.png());
    fs.writeFileSync(path.join(docs, 'more', '.hidden', 'secret.md'), '# Hidden\n\nNot to be read.\n');
    const env = { DATABASE_URL: 'sqlite:///./kb.db', ...requireModelFiles() };

    const ingest = frontline(['ingest', 'docs', '--json'], cwd, env);
    expect(ingest.code, ingest.stderr).toBe(1); // one file was refused
    const summary = JSON.parse(ingest.stdout);
    expect(summary).toMatchObject({ files: 4, indexed: 2, duplicates: 1, refused: 1, failed: 0 });
    expect(summary.outcomes).toContainEqual(expect.objectContaining({ file: path.join('docs', 'more', 'manual.doc'), status: 'refused', reason: expect.stringMatching(/^415 UNSUPPORTED_FILE_TYPE/) }));
    expect(ingest.stderr).toMatch(/skipped 1 file/);

    const table = frontline(['ingest', path.join('docs', 'policy.pdf')], cwd, env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^status\s+chunks\s+file\s+reason/);
    expect(table.stdout).toMatch(/duplicate\s+-\s+docs\/policy\.pdf\s+same content as "Refund and Shipping Policy"/);

    const search = frontline(['search', 'How long does international delivery take?', '-k', '2'], cwd, env);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toMatch(/^ 1\. \d\.\d{3} {2}Refund and Shipping Policy {2}\(page 2 · Shipping\)/);
    const json = JSON.parse(frontline(['search', 'Platinum daily ATM limit', '-k', '1', '--json'], cwd, env).stdout);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ title: 'Fees and Limits', location: { sheet: 'Limits' } });
  });

  it('evaluates retrieval on a documents.jsonl + tasks.jsonl set in a throwaway database', () => {
    const cwd = tempDir('frontline-cli-eval');
    const data = path.join(cwd, 'set');
    fs.mkdirSync(data);
    const documents = [
      { id: 'doc_refunds', title: 'Refunds', content: '# Refunds\n\nCard refunds take five business days.' },
      { id: 'doc_cards', title: 'Lost cards', content: '# Lost cards\n\nFreeze a lost or stolen card in the app.' },
      { id: 'doc_hours', title: 'Branch hours', content: '# Branch hours\n\nBranches open at nine on weekdays.' },
    ];
    const tasks = [
      { id: 't1', scenario: 'My card was stolen yesterday, how do I freeze it?', required_documents: ['doc_cards'] },
      { id: 't2', scenario: 'When will my card refund arrive?', required_documents: ['doc_refunds'] },
    ];
    fs.writeFileSync(path.join(data, 'documents.jsonl'), documents.map((d) => JSON.stringify(d)).join('\n'));
    fs.writeFileSync(path.join(data, 'tasks.jsonl'), tasks.map((t) => JSON.stringify(t)).join('\n'));

    const run = frontline(['eval', 'retrieval', '--data', data, '--k', '5'], cwd, { EMBEDDING_MODEL: 'frontline-test/no-such-model' });
    expect(run.code, run.stderr).toBe(0);
    const [table, json] = run.stdout.trim().split('\n\n');
    expect(table).toMatch(/run\s+tasks\s+R@1\s+R@5\s+R@10\s+MRR/);
    expect(table).toMatch(/lexical\+extract\s+2\s+100\.0/);
    expect(JSON.parse(json!)).toMatchObject({ run: 'lexical+extract', tasks: 2, recallAt1: 1, recallAt10: 1, mrr: 1, documents: 3, k: 5 });
    // Nothing was written where the command ran: the database lived in a temporary folder.
    expect(fs.readdirSync(cwd)).toEqual(['set']);
  });

  it('keygen --admin prints a fresh admin key', () => {
    const cwd = tempDir('frontline-cli-keygen');
    const [a, b] = [frontline(['keygen', '--admin'], cwd).stdout.trim(), frontline(['keygen', '--admin'], cwd).stdout.trim()];
    expect(a).toMatch(/^fl_admin_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});
