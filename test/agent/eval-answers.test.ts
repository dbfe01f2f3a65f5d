/**
 * `frontline eval answers` as a real process from the build, on a small set written here: two help articles, two
 * tasks whose scenario needs one of them each. With the extractive provider the run is deterministic: every
 * task is answered citing its document, and every off-topic question gets "I don't know".
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { requireModelFiles } from '../knowledge/service/helpers.js';
import { OFF_TOPIC_QUESTIONS } from '../../src/cli/eval-answers.js';

const CLI = path.resolve('dist/cli/main.js');

const documents = [
  { id: 'doc_refunds', title: 'Refunds', content: 'You can return any unused item within 30 days of delivery for a full refund, paid to the original card within 5 business days.' },
  { id: 'doc_cards', title: 'Lost or stolen cards', content: 'If your card is lost or stolen, freeze it at once in the app and order a replacement card; it arrives within 3 business days.' },
];
const tasks = [
  { id: 'task_1', scenario: 'You are a customer who bought shoes two weeks ago. You want to know how many days you have to return an unused item and get a refund.', required_documents: ['doc_refunds'] },
  { id: 'task_2', scenario: 'You are a customer. Your card was stolen yesterday and you want to freeze it and get a replacement card.', required_documents: ['doc_cards'] },
];

describe('frontline eval answers', () => {
  it('reports grounded answers, citation precision and abstention off-topic', { timeout: 180_000 }, () => {
    const cwd = tempDir('frontline-eval-answers');
    const data = path.join(cwd, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'documents.jsonl'), documents.map((d) => JSON.stringify(d)).join('\n'));
    fs.writeFileSync(path.join(data, 'tasks.jsonl'), tasks.map((t) => JSON.stringify(t)).join('\n'));
    const result = spawnSync(process.execPath, [CLI, 'eval', 'answers', '--data', data, '--json'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ENVIRONMENT: 'test', AI_PROVIDER: 'extractive', ...requireModelFiles() },
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      provider: 'extractive',
      tasks: 2,
      grounded: 1,
      outcomes: { answered: 2 },
      offTopic: { questions: OFF_TOPIC_QUESTIONS.length, abstained: 1 },
    });
    expect(report.citationPrecision).toBeGreaterThanOrEqual(0.5);
  });
});
