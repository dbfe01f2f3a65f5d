/**
 * The shared infrastructure of one running service, built once and decorated onto the Fastify instance:
 * settings, logger, metrics, the relational database (migrated), Redis when configured, readiness checks and
 * periodic tasks. Start-up fails fast, with a message saying what is missing, when a required dependency
 * does not answer.
 */
import type { Redis } from 'ioredis';
import type { Settings } from '../config/index.js';
import { ServiceUnavailableError } from '../errors.js';
import { openDatabase, type DatabaseHandle } from '../storage/database.js';
import { createRepositories, type Repositories } from '../storage/index.js';
import { migrateToLatest } from '../storage/migrate.js';
import { createFingerprinter, createSessionStore, type Fingerprinter, type SessionStore } from '../sessions/index.js';
import { SessionTokens } from '../sessions/authorize.js';
import { createRedisClient, pingRedis } from '../storage/redis.js';
import type { Logger } from '../telemetry/logger.js';
import { createMetrics, type Metrics } from '../telemetry/metrics.js';
import { createQueryTracer } from '../telemetry/tracing.js';
import type { KnowledgeBase } from '../knowledge/service.js';
import { createKnowledgeService } from './knowledge/setup.js';
import { createAgentService, type AgentService } from './agent-setup.js';
import type { SupportAgent } from '../agent/support-agent.js';
import type { LanguageModel } from '../llm/index.js';
import { StaffAuth } from './auth/staff.js';
import { PeriodicTasks } from './periodic-tasks.js';
import { Readiness } from './readiness.js';

export interface Services {
  settings: Settings;
  logger: Logger;
  metrics: Metrics;
  database: DatabaseHandle;
  repositories: Repositories;
  redis?: Redis;
  sessionStore: SessionStore;
  fingerprinter: Fingerprinter;
  /** Issues session bearer tokens and checks them before the store is asked. */
  tokens: SessionTokens;
  /** The team's logins (agent accounts, the admin key) for the staff routes. */
  staff: StaffAuth;
  /** Documents, ingestion and search (the embedding model loads in the background; lexical-only without one). */
  knowledge: KnowledgeBase;
  /** The support agent: one turn per customer message, whatever the channel. */
  agent: SupportAgent;
  /** The agent's model, its customer memory and the hand-off notifications. */
  agentService: AgentService;
  readiness: Readiness;
  tasks: PeriodicTasks;
  /** Closes everything this object opened; safe to call twice. */
  close(): Promise<void>;
}

export interface ServiceOverrides {
  /** A model to use instead of the one AI_PROVIDER names (tests and benchmarks script the model). */
  model?: LanguageModel;
}

export async function createServices(settings: Settings, logger: Logger, overrides: ServiceOverrides = {}): Promise<Services> {
  const metrics = createMetrics();
  const readiness = new Readiness();
  const tasks = new PeriodicTasks(logger);
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((err) => logger.warn({ err }, 'close failed'));
  };

  try {
    const database = await openDatabase(settings.database.target, {
      poolSize: settings.database.poolSize,
      log: settings.telemetry.tracingEnabled ? createQueryTracer({ dialect: settings.database.target.dialect }) : undefined,
    });
    closers.push(() => database.close());
    const { applied } = await migrateToLatest(database);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    readiness.add({ name: 'database', required: true, check: async () => (await database.ping(), { dialect: database.dialect }) });

    let redis: Redis | undefined;
    if (settings.redis.required) {
      let lastReported = 0;
      redis = createRedisClient(settings.redis, {}, (err) => {
        // One line per 10 s while Redis is away, not one per reconnect attempt.
        if (Date.now() - lastReported > 10_000) logger.warn({ err }, 'redis connection error');
        lastReported = Date.now();
      });
      closers.push(async () => redis?.disconnect());
      try {
        await pingRedis(redis, settings.redis.connectTimeoutMs);
      } catch (error) {
        throw new ServiceUnavailableError(
          `Redis at ${redactUrl(settings.redis.url)} does not answer (${(error as Error).message}); start Redis or set SESSION_STORE_TYPE=memory`,
          { cause: error },
        );
      }
      readiness.add({ name: 'redis', required: true, check: () => pingRedis(redis!) });
    }

    const sessionStore = await createSessionStore(settings, { logger });
    closers.push(() => sessionStore.close());
    readiness.add({
      name: 'session_store',
      required: true,
      check: async () => {
        const health = await sessionStore.health();
        if (!health.ok) throw new Error(health.error);
        return { store: sessionStore.kind };
      },
    });
    const fingerprinter = createFingerprinter(settings, { logger });
    const tokens = new SessionTokens(settings.security.secretKey);
    registerSessionMetrics(metrics, sessionStore, fingerprinter);

    const repositories = createRepositories(database);
    const knowledge = await createKnowledgeService(settings, { database, repositories, logger, metrics });
    closers.push(() => knowledge.close());
    const agentService = await createAgentService(settings, {
      repositories,
      sessionStore,
      fingerprinter,
      tokens,
      knowledge: knowledge.knowledge,
      logger,
      metrics,
      model: overrides.model,
    });
    closers.push(() => agentService.close());
    tasks.add('cleanup', settings.sessions.cleanupIntervalMs, async () => ({
      expiredSessions: await sessionStore.cleanupExpired(),
      expiredCustomerFacts: await agentService.memory.cleanup(),
    }));

    return {
      settings,
      logger,
      metrics,
      database,
      repositories,
      redis,
      sessionStore,
      fingerprinter,
      tokens,
      staff: new StaffAuth(settings, repositories.users),
      knowledge: knowledge.knowledge,
      agent: agentService.agent,
      agentService,
      readiness,
      tasks,
      close: async () => {
        await tasks.stop();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Session store figures read at scrape time: active sessions, L1 cache hits and misses, fingerprint mismatches. */
function registerSessionMetrics(metrics: Metrics, store: SessionStore, fingerprinter: Fingerprinter): void {
  let lastStats: Awaited<ReturnType<SessionStore['stats']>> | undefined;
  const stats = async () => {
    lastStats = await store.stats().catch(() => lastStats);
    return lastStats;
  };
  metrics.addGauge('sessions_active', 'Sessions in the session store', async () => (await stats())?.activeSessions ?? 0);
  metrics.addGauge('session_l1_cache_size', 'Sessions held in the L1 cache', async () => (await stats())?.l1.size ?? 0);
  metrics.addCounter('session_l1_cache_hits_total', 'Session reads answered by the L1 cache', () => lastStats?.l1.hits ?? 0);
  metrics.addCounter('session_l1_cache_misses_total', 'Session reads that went to the store', () => lastStats?.l1.misses ?? 0);
  metrics.addCounter('session_fingerprint_mismatches_total', 'Requests whose client fingerprint differed from the session', () => fingerprinter.mismatches);
}

/** A connection URL without its password, for messages. */
export function redactUrl(url: string | undefined): string {
  if (!url) return '(not set)';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
