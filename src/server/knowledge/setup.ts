/**
 * The knowledge base as the server runs it: built with the other services, its embedding model loaded in the
 * background so start-up is not held up by it (lexical-only, with a notice, when there is none), and the sample
 * articles indexed once in development (DEV_SAMPLE_DATA; never in production).
 */
import type { Settings } from '../../config/index.js';
import { ServiceUnavailableError } from '../../errors.js';
import { createKnowledgeBase, ingestionQueueKind } from '../../knowledge/ingestion/index.js';
import { loadSampleKnowledge } from '../../knowledge/sample-data/index.js';
import type { KnowledgeBase } from '../../knowledge/service.js';
import type { DatabaseHandle } from '../../storage/database.js';
import type { Repositories } from '../../storage/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { KnowledgeObserver } from '../../knowledge/ingestion/types.js';
import { Counter, Histogram } from 'prom-client';

export interface KnowledgeService {
  knowledge: KnowledgeBase;
  /** Waits for the background start, then closes the queue, index and model. */
  close(): Promise<void>;
}

export async function createKnowledgeService(
  settings: Settings,
  deps: { database: DatabaseHandle; repositories: Repositories; logger: Logger; metrics: Metrics },
): Promise<KnowledgeService> {
  const logger = deps.logger.child({ component: 'knowledge' });
  let knowledge: KnowledgeBase;
  try {
    knowledge = await createKnowledgeBase(settings, {
      database: deps.database,
      documents: deps.repositories.documents,
      logger,
      observer: knowledgeMetrics(deps.metrics),
    });
  } catch (error) {
    if (ingestionQueueKind(settings) !== 'bullmq') throw error;
    throw new ServiceUnavailableError(
      `The ingestion queue cannot reach Redis (${(error as Error).message}); start Redis, or set PROCESS_UPLOADS_ASYNC=false ` +
        'or unset REDIS_URL to index uploads in this process',
      { cause: error },
    );
  }
  const background = warmUp(knowledge, settings, deps.repositories, logger);
  return {
    knowledge,
    close: async () => {
      await background;
      await knowledge.close();
    },
  };
}

/** Searches and ingestions as Prometheus series (the knowledge base reports them; it knows no prom-client). */
function knowledgeMetrics(metrics: Metrics): KnowledgeObserver {
  const registers = [metrics.registry];
  const searches = new Counter({ name: 'frontline_knowledge_searches_total', help: 'Knowledge searches by mode and outcome', labelNames: ['mode', 'outcome'] as const, registers });
  const searchSeconds = new Histogram({
    name: 'frontline_knowledge_search_duration_seconds',
    help: 'Knowledge search time, query embedding included',
    labelNames: ['mode'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const documents = new Counter({ name: 'frontline_knowledge_documents_ingested_total', help: 'Documents indexed or failed', labelNames: ['outcome'] as const, registers });
  const chunks = new Counter({ name: 'frontline_knowledge_chunks_indexed_total', help: 'Chunks added to the index', registers });
  return {
    onSearch(event) {
      searches.inc({ mode: event.mode, outcome: event.error ? 'error' : 'ok' });
      searchSeconds.observe({ mode: event.mode }, event.seconds);
    },
    onIngest(event) {
      documents.inc({ outcome: event.outcome });
      chunks.inc(event.chunks);
    },
  };
}

/**
 * Loads the model and opens the index now rather than on the first upload or search. Test runs build many
 * apps that never touch the knowledge base, so there it happens on first use (unless sample data is asked for).
 */
async function warmUp(knowledge: KnowledgeBase, settings: Settings, repositories: Repositories, logger: Logger): Promise<void> {
  const { environment } = settings.app;
  const samples = settings.knowledge.sampleData;
  if (environment === 'test' && !samples) return;
  try {
    await knowledge.start();
    const status = await knowledge.status();
    logger.info({ mode: status.mode, embeddingModel: status.embeddingModel, documents: status.documents, chunks: status.chunks }, 'knowledge base ready');
  } catch (error) {
    logger.error({ err: error }, `the knowledge base could not start: ${(error as Error).message}`);
    return;
  }
  if (!samples) return;
  if (environment === 'production') {
    logger.warn('DEV_SAMPLE_DATA is ignored in production: sample articles must not reach real customers');
    return;
  }
  await loadSampleKnowledge(knowledge, repositories.documents, logger).catch((error: unknown) =>
    logger.warn({ err: error }, 'the sample knowledge could not be loaded'),
  );
}
