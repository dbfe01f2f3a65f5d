/**
 * `frontline eval answers --data <dir>`: the whole agent, turn by turn, on a documents.jsonl + tasks.jsonl set
 * (../shared/eval/banking_knowledge). Each task's scenario is reduced to what the customer needs (the same query
 * extraction search uses) and sent as the first message of a fresh session; the reply is scored on what it cites:
 *   grounded     the reply cites at least one of the task's required documents
 *   precision    share of cited documents that are required ones
 *   outcomes     answered / unknown / escalated / failed
 * Then a set of off-topic questions no help centre of a bank answers: the agent should say it does not know
 * (or hand over) rather than cite something. Hand-offs are off during this run: the briefs are role-play
 * instructions full of "ask for a human" (`eval handoff` measures the policy). No remote model is needed: the provider is AI_PROVIDER (extractive
 * or a local GGUF), with the database a throwaway SQLite file and sessions in memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../config/index.js';
import type { TurnResult } from '../agent/types.js';

/** Questions a bank's help centre has no answer to; a grounded agent abstains on them. */
export const OFF_TOPIC_QUESTIONS = [
  "What's the weather going to be like in Lisbon tomorrow?",
  'Can you recommend a good pizza place near the train station?',
  'How do I reset my PlayStation controller?',
  'Who won the football match last night?',
  'What is a good recipe for banana bread?',
  'How do I change the oil in a 2012 Honda Civic?',
  'Which houseplants are safe for cats?',
  'Can you help me write a poem for my grandmother’s birthday?',
  'How many calories are in an avocado?',
  'What time does the zoo open on Sundays?',
  'How do I fix a leaking kitchen tap?',
  'What is the best way to learn to play the guitar?',
  'Is it going to snow in the mountains this weekend?',
  'How do I train my puppy to stop barking at night?',
  'Which hiking boots are best for wide feet?',
  'How do I install Python on my laptop?',
  'What are the rules of cricket?',
  'Can you translate "good morning" into Japanese?',
  'How long should I boil an egg for a runny yolk?',
  'Where can I buy tickets for the Taylor Swift concert?',
];

export interface AnswersReport {
  provider: string;
  model: string;
  tasks: number;
  grounded: number;
  citationPrecision: number;
  outcomes: Record<string, number>;
  /** Why tasks were handed over: each reason with numbers and quotes taken out, and how often. */
  escalationReasons: Record<string, number>;
  offTopic: { questions: number; abstained: number; outcomes: Record<string, number> };
  secondsPerTurn: number;
}

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

export function formatAnswersReport(report: AnswersReport): string {
  const outcomes = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort()
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
  return [
    `agent answers on ${report.tasks} tasks (${report.provider}: ${report.model}, ${report.secondsPerTurn.toFixed(2)} s per turn)`,
    `  grounded (cites a required document)   ${pct(report.grounded)}`,
    `  citation precision                     ${pct(report.citationPrecision)}`,
    `  outcomes                               ${outcomes(report.outcomes)}`,
    ...Object.entries(report.escalationReasons)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => `    hand-off reason: ${reason} (${n})`),
    `off-topic questions: ${report.offTopic.questions}`,
    `  abstained (no citation, said so)       ${pct(report.offTopic.abstained)}`,
    `  outcomes                               ${outcomes(report.offTopic.outcomes)}`,
  ].join('\n');
}

/** "confidence 0.61 below 0.7; best passage scored 0.45" -> "confidence N below N; best passage scored N". */
function reasonShape(reason: string): string {
  return reason.replace(/"[^"]*"/g, '"…"').replace(/\d+(?:\.\d+)?/g, 'N');
}

function count(results: TurnResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
  return counts;
}

export async function evaluateAnswers(base: Settings, options: { data: string; limit?: number }): Promise<AnswersReport> {
  const [{ loadDocuments, loadTasks }, { createServices }, { createLogger }, { extractSearchQuery }, sessions, { parseDatabaseUrl }] =
    await Promise.all([
      import('../knowledge/eval/retrieval.js'),
      import('../server/services.js'),
      import('../telemetry/logger.js'),
      import('../knowledge/query/index.js'),
      import('../sessions/index.js'),
      import('../config/index.js'),
    ]);
  const [documents, allTasks] = await Promise.all([loadDocuments(options.data), loadTasks(options.data)]);
  const tasks = options.limit ? allTasks.slice(0, options.limit) : allTasks;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-answers-'));
  const target = parseDatabaseUrl(`sqlite:///${path.join(dir, 'eval.db')}`);
  const settings = {
    ...base,
    database: { ...base.database, target },
    sessions: { ...base.sessions, store: 'memory' },
    files: { ...base.files, processAsync: false },
    knowledge: { ...base.knowledge, sampleData: false },
    // The briefs are role-play instructions ("if the agent cannot help, ask for a human"): what is measured here
    // is grounding, so the hand-off policy is off (`eval handoff` measures it on real customer utterances).
    escalation: { ...base.escalation, enabled: false, webhookUrl: undefined, notificationRecipients: [] },
  } as Settings;
  const logger = createLogger({ ...settings, app: { ...settings.app, logLevel: 'warn' } }, process.stderr);
  const services = await createServices(settings, logger);
  try {
    const external = new Map<string, string>();
    for (const [i, doc] of documents.entries()) {
      const outcome = await services.knowledge.ingest({ title: doc.title || doc.id, content: doc.content, format: 'markdown', metadata: { externalId: doc.id } });
      external.set(outcome.document.id, doc.id);
      if ((i + 1) % 100 === 0 || i + 1 === documents.length) process.stderr.write(`ingested ${i + 1}/${documents.length} documents\r`);
    }
    process.stderr.write('\n');

    const ask = async (message: string): Promise<TurnResult> => {
      const id = sessions.generateSessionId();
      const token = services.tokens.issue(id);
      await services.sessionStore.create({ id, tokenHash: sessions.hashToken(token) });
      return services.agent.turn({ sessionId: id, token, client: {}, message: message.slice(0, 4000), channel: 'rest' });
    };

    const started = performance.now();
    const answered: TurnResult[] = [];
    let grounded = 0;
    let precisionSum = 0;
    let cited = 0;
    for (const [i, task] of tasks.entries()) {
      const result = await ask(extractSearchQuery(task.scenario) || task.scenario);
      answered.push(result);
      const citedDocs = [...new Set(result.sources.map((s) => external.get(s.documentId) ?? s.documentId))];
      const hits = citedDocs.filter((doc) => task.requiredDocuments.includes(doc)).length;
      if (hits > 0) grounded++;
      if (citedDocs.length > 0) {
        cited++;
        precisionSum += hits / citedDocs.length;
      }
      process.stderr.write(`answered ${i + 1}/${tasks.length} tasks\r`);
    }
    process.stderr.write('\n');
    const offTopic: TurnResult[] = [];
    for (const question of OFF_TOPIC_QUESTIONS) offTopic.push(await ask(question));
    const turns = answered.length + offTopic.length;

    return {
      provider: services.agentService.model.provider,
      model: services.agentService.model.modelId,
      tasks: tasks.length,
      grounded: grounded / Math.max(1, tasks.length),
      citationPrecision: cited ? precisionSum / cited : 0,
      outcomes: count(answered),
      escalationReasons: answered
        .flatMap((r) => (r.outcome === 'escalated' ? r.reasons.map(reasonShape) : []))
        .reduce<Record<string, number>>((counts, reason) => ((counts[reason] = (counts[reason] ?? 0) + 1), counts), {}),
      offTopic: {
        questions: offTopic.length,
        abstained: offTopic.filter((r) => r.sources.length === 0 && r.outcome !== 'answered').length / offTopic.length,
        outcomes: count(offTopic),
      },
      secondsPerTurn: (performance.now() - started) / 1000 / Math.max(1, turns),
    };
  } finally {
    await services.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
