/**
 * buildApp(services) -> the Fastify instance with every plugin and route group registered. createApp(settings)
 * builds the services too and closes them with the app; it is what `frontline serve` and the tests use.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Settings } from '../config/index.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { tracingPlugin } from '../telemetry/tracing.js';
import { healthRoutes } from './health/routes.js';
import { knowledgeRoutes } from './knowledge/routes.js';
import { ticketRoutes } from './tickets/routes.js';
import { authRoutes } from './auth/routes.js';
import { webRoutes } from './web/routes.js';
import { isProbe } from './probes.js';
import { devSlowModePlugin } from './plugins/dev-slow-mode.js';
import { errorsPlugin, frameworkErrorHandler } from './plugins/errors.js';
import { metricsRoute } from './plugins/metrics.js';
import { openApiPlugin } from './plugins/openapi.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { generateRequestId, requestContextPlugin } from './plugins/request-context.js';
import { securityPlugin } from './plugins/security.js';
import { sessionRoutes } from './sessions/routes.js';
import { chatRoutes } from './chat/routes.js';
import { createServices, type ServiceOverrides, type Services } from './services.js';
import { wsRoutes } from './ws/routes.js';
import { memoryRoutes } from './memory/routes.js';
import { PACKAGE_VERSION } from './version.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { settings, logger } = services;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's type the default one plugins expect.
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: generateRequestId,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Probes are polled every few seconds; logging each would drown the lines that matter.
      disableRequestLogging: (request) => isProbe(request.url),
    }),
    bodyLimit: settings.api.bodyLimit,
    trustProxy: settings.api.trustProxy,
    return503OnClosing: true,
    // Keep-alive sockets that sit idle are closed at shutdown; requests in flight are let finish.
    forceCloseConnections: 'idle',
    // Path parameters up to 1 KiB reach their routes, whose schemas say what is valid (a customer id may have 200
    // characters, more once %-encoded); Fastify's default of 100 refused some valid ids with a bare 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    frameworkErrors: frameworkErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('services', services);
  // While draining, ask keep-alive clients to close after their response so shutdown is not held open.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (services.readiness.isShuttingDown) reply.header('Connection', 'close');
    return payload;
  });

  await app.register(errorsPlugin);
  await app.register(requestContextPlugin, { metrics: services.metrics });
  if (settings.telemetry.tracingEnabled) await app.register(tracingPlugin);
  await app.register(securityPlugin, { corsOrigins: settings.api.corsOrigins });
  await app.register(rateLimitPlugin, { settings: settings.rateLimit, redis: services.redis });
  if (settings.api.docsEnabled) {
    await app.register(openApiPlugin, { title: settings.app.name, version: settings.app.version ?? PACKAGE_VERSION });
  }

  // Config refuses DEV_SLOW_MODE in staging and production.
  if (settings.dev.slowMode) await app.register(devSlowModePlugin, {});

  await app.register(healthRoutes, { services });
  if (settings.telemetry.metricsEnabled) await app.register(metricsRoute, { metrics: services.metrics });

  // The API's route groups, each an encapsulated plugin under API_PREFIX.
  await app.register(sessionRoutes, { services, prefix: settings.api.prefix });
  await app.register(knowledgeRoutes, { services, prefix: settings.api.prefix });
  await app.register(chatRoutes, { services, prefix: settings.api.prefix });
  await app.register(memoryRoutes, { services, memory: services.agentService.memory, prefix: settings.api.prefix });
  await app.register(ticketRoutes, { services, prefix: settings.api.prefix });
  await app.register(authRoutes, { services, prefix: settings.api.prefix });
  await app.register(webRoutes);
  if (settings.websocket.enabled) await app.register(wsRoutes, { services });

  return app;
}

export interface CreateAppOptions extends ServiceOverrides {
  logger?: Logger;
}

/** Builds services and app together; closing the app stops background tasks and closes every connection. */
export async function createApp(settings: Settings, options: CreateAppOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? createLogger(settings);
  const services = await createServices(settings, logger, { model: options.model });
  try {
    const app = await buildApp(services);
    app.addHook('onClose', async () => services.close());
    return app;
  } catch (error) {
    await services.close();
    throw error;
  }
}
