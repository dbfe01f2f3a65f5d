/**
 * Probes and service information: liveness (the process answers), readiness (every required dependency
 * answers; 503 listing the failing checks otherwise, and while shutting down), full health details, and `GET /`.
 * Nothing here reveals a secret: only names, versions, types and counts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services.js';
import { PACKAGE_VERSION } from '../version.js';

const checkSchema = z
  .object({ status: z.enum(['ok', 'error']), required: z.boolean(), latencyMs: z.number(), error: z.string().optional() })
  .catchall(z.unknown());
const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready', 'shutting_down']),
  checks: z.record(z.string(), checkSchema),
});

export async function healthRoutes(app: FastifyInstance, options: { services: Services }) {
  const { services } = options;
  const { settings } = services;
  const version = settings.app.version ?? PACKAGE_VERSION;
  const startedAt = Date.now();
  const routes = app.withTypeProvider<ZodTypeProvider>();

  const readinessReport = async () => {
    const { ready, checks } = await services.readiness.run();
    const status = services.readiness.isShuttingDown ? 'shutting_down' : ready ? 'ready' : 'not_ready';
    return { ready, body: { status, checks } as z.infer<typeof readinessSchema> };
  };

  routes.get(
    '/health/live',
    { schema: { tags: ['health'], summary: 'Liveness: the process is up', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  routes.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: every required dependency answers',
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const { ready, body } = await readinessReport();
      return reply.code(ready ? 200 : 503).send(body);
    },
  );

  routes.get(
    '/health',
    { schema: { tags: ['health'], summary: 'Health details: dependencies, uptime, background tasks' } },
    async (_request, reply) => {
      const { ready, body } = await readinessReport();
      return reply.code(ready ? 200 : 503).send({
        ...body,
        version,
        environment: settings.app.environment,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        tasks: services.tasks.stats(),
        sessions: await sessionStats(services),
        knowledge: await services.knowledge.status(),
        agent: agentStatus(services),
        notices: serviceNotices(services),
      });
    },
  );

  routes.get('/', { schema: { tags: ['health'], summary: 'Service information' } }, async () => ({
    name: settings.app.name,
    version,
    environment: settings.app.environment,
    apiPrefix: settings.api.prefix,
    docs: settings.api.docsEnabled ? '/docs' : null,
    database: { dialect: services.database.dialect },
    sessionStore: await sessionStats(services),
    rateLimit: settings.rateLimit.enabled
      ? { requests: settings.rateLimit.max, periodSeconds: settings.rateLimit.windowMs / 1000, storage: settings.rateLimit.storage }
      : null,
    aiProvider: settings.ai.provider,
    agent: agentStatus(services),
    features: {
      ...settings.features,
      websocket: settings.websocket.enabled,
      escalation: settings.escalation.enabled,
      memory: settings.memory.enabled,
      rag: settings.knowledge.ragEnabled,
      knowledgeBase: await services.knowledge
        .status()
        .then(({ mode, embeddingModel }) => ({ mode, embeddingModel, uploads: settings.files.processAsync ? 'async' : 'sync' })),
      telemetry: settings.telemetry.tracingEnabled,
    },
  }));
}

/** Store type, active sessions, L1 size and hit rate, encryption and locking on/off; never fails the route. */
async function sessionStats(services: Pick<Services, 'sessionStore'>) {
  try {
    return { type: services.sessionStore.kind, available: true, ...(await services.sessionStore.stats()) };
  } catch {
    return { type: services.sessionStore.kind, available: false };
  }
}

/** The model that answers (the provider actually running: `local` falls back to `extractive` without a GGUF). */
function agentStatus(services: Pick<Services, 'agentService'>) {
  const { model, notifications } = services.agentService;
  return { provider: model.provider, model: model.modelId, capabilities: model.capabilities, notifications: notifications.stats() };
}

/** Things an operator should know about how the service is running (shown in /health and logged at start). */
export function serviceNotices(services: Pick<Services, 'settings'> & Partial<Pick<Services, 'agentService'>>): string[] {
  const notices: string[] = [];
  if (services.settings.ai.provider !== 'extractive' && services.agentService?.model.provider === 'extractive') {
    notices.push(`AI_PROVIDER=${services.settings.ai.provider} could not load its model: replies quote the knowledge base (extractive)`);
  }
  if (services.settings.security.secretKeyGenerated) {
    notices.push('SECRET_KEY is not set: a random key was generated for this process; sessions and logins do not survive a restart');
  }
  return notices;
}
