/**
 * The agent as the server runs it: the model provider AI_PROVIDER names (loaded once), customer memory, the
 * hand-off (tickets, notifications to the team, the business-hours message) and the SupportAgent that ties them
 * to the session store and the knowledge base. Metrics for turns, escalations and notifications are registered
 * here, so the agent itself knows no prom-client.
 */
import { Counter, Histogram } from 'prom-client';
import type { Settings } from '../config/index.js';
import { handoffMessage, parseBusinessHours } from '../agent/escalation/business-hours.js';
import { Handoff } from '../agent/handoff.js';
import { CustomerMemory } from '../agent/memory/index.js';
import { createNotifiers, NotificationDispatcher } from '../agent/notify/index.js';
import { SupportAgent } from '../agent/support-agent.js';
import type { KnowledgeSearch } from '../agent/types.js';
import { createLanguageModel, type LanguageModel } from '../llm/index.js';
import type { Fingerprinter, SessionStore } from '../sessions/index.js';
import type { SessionTokens } from '../sessions/authorize.js';
import type { Repositories } from '../storage/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { PACKAGE_VERSION } from './version.js';

export interface AgentService {
  agent: SupportAgent;
  model: LanguageModel;
  memory: CustomerMemory;
  notifications: NotificationDispatcher;
  /** Tickets: the hand-off to humans, and resolving it (the conversation goes back to the agent). */
  handoff: Handoff;
  /** Lets turns in progress and queued notifications finish (up to `timeoutMs` each), then frees the model. */
  close(timeoutMs?: number): Promise<void>;
}

export interface AgentDeps {
  repositories: Repositories;
  sessionStore: SessionStore;
  fingerprinter: Fingerprinter;
  tokens: SessionTokens;
  knowledge: KnowledgeSearch;
  logger: Logger;
  metrics: Metrics;
  /** A model to use instead of the one AI_PROVIDER names (tests, benchmarks). */
  model?: LanguageModel;
}

export async function createAgentService(settings: Settings, deps: AgentDeps): Promise<AgentService> {
  const logger = deps.logger.child({ component: 'agent' });
  const model = deps.model ?? (await createLanguageModel(settings, logger));
  const memory = new CustomerMemory(deps.repositories.customerFacts, settings.memory);
  const { escalation } = settings;
  const notifications = new NotificationDispatcher(
    createNotifiers(settings, logger, { userAgent: `Frontline/${settings.app.version ?? PACKAGE_VERSION}` }),
    { maxAttempts: escalation.webhookMaxAttempts, baseDelayMs: 1000, maxDelayMs: 60_000, maxPending: 1000, logger },
  );
  const schedule = escalation.businessHours ? parseBusinessHours(escalation.businessHours) : null;
  const handoff = new Handoff({
    repositories: deps.repositories,
    notify: (notice) => notifications.dispatch(notice),
    message: (now) => handoffMessage({ now, schedule, timezone: escalation.timezone }),
    sessions: { store: deps.sessionStore, lockTimeoutMs: settings.sessions.lockTimeoutMs },
    logger,
  });
  const observe = registerAgentMetrics(deps.metrics, notifications);
  const agent = new SupportAgent({
    appName: settings.app.name,
    authority: deps,
    sessionStore: deps.sessionStore,
    repositories: deps.repositories,
    knowledge: settings.knowledge.ragEnabled ? deps.knowledge : undefined,
    model,
    memory: settings.memory.enabled ? memory : undefined,
    handoff,
    escalation,
    searchK: settings.knowledge.searchK,
    relevanceThreshold: settings.knowledge.similarityThreshold,
    lockTimeoutMs: settings.sessions.lockTimeoutMs,
    logger,
    onTurn: observe,
  });
  return {
    agent,
    model,
    memory,
    notifications,
    handoff,
    close: async (timeoutMs = 5000) => {
      await agent.drain(timeoutMs);
      await notifications.drain(timeoutMs);
      await notifications.close();
      await model.close();
    },
  };
}

function registerAgentMetrics(metrics: Metrics, notifications: NotificationDispatcher): SupportAgent['options']['onTurn'] {
  const registers = [metrics.registry];
  const turns = new Counter({ name: 'frontline_agent_turns_total', help: 'Customer turns by outcome', labelNames: ['outcome'] as const, registers });
  const escalations = new Counter({
    name: 'frontline_agent_escalations_total',
    help: 'Hand-offs to humans by reason kind (a hand-off with two reasons counts under both)',
    labelNames: ['reason'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'frontline_agent_turn_duration_seconds',
    help: 'Time of one turn, from the message to the stored reply',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  metrics.addCounter('notifications_delivered_total', 'Hand-off notifications delivered', () => notifications.stats().delivered);
  metrics.addCounter('notifications_failed_total', 'Hand-off notifications given up on', () => notifications.stats().failed);
  metrics.addGauge('notifications_pending', 'Hand-off notifications in flight or waiting to retry', () => notifications.stats().pending);
  return (result, durationMs, reasonKinds) => {
    turns.inc({ outcome: result.outcome });
    duration.observe({ outcome: result.outcome }, durationMs / 1000);
    if (result.outcome === 'escalated') {
      for (const kind of new Set(reasonKinds)) escalations.inc({ reason: kind });
    }
  };
}
