/**
 * Running the service as a process: start, listen, and on SIGTERM/SIGINT shut down gracefully: readiness turns
 * 503 at once (load balancers stop sending), the listener stops accepting, requests and streams in flight
 * finish up to SHUTDOWN_TIMEOUT_SECONDS, background tasks stop, the database and Redis close, and the process
 * exits 0. A second signal, or the deadline, cuts remaining connections.
 */
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../config/index.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { startTracing, type TracingHandle } from '../telemetry/tracing.js';
import { createApp } from './app.js';
import { serviceNotices } from './health/routes.js';
import { PACKAGE_VERSION } from './version.js';

export interface RunningServer {
  app: FastifyInstance;
  address: string;
  /** Graceful stop; resolves when everything is closed. */
  stop(reason?: string): Promise<void>;
}

export async function startServer(
  settings: Settings,
  options: { logger?: Logger; port?: number; host?: string } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(settings);
  const tracing: TracingHandle = await startTracing(settings, { serviceVersion: PACKAGE_VERSION });
  let app: FastifyInstance;
  try {
    app = await createApp(settings, { logger });
  } catch (error) {
    await tracing.shutdown();
    throw error;
  }
  const address = await app.listen({ port: options.port ?? settings.api.port, host: options.host ?? settings.api.host });
  app.services.tasks.start();
  for (const notice of serviceNotices(app.services)) logger.warn(notice);
  logger.info(
    { address, environment: settings.app.environment, database: app.services.database.dialect, sessionStore: settings.sessions.store },
    `${settings.app.name} listening`,
  );

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down: draining requests');
      app.services.readiness.markShuttingDown();
      const deadline = setTimeout(() => {
        logger.warn({ timeoutMs: settings.api.shutdownTimeoutMs }, 'shutdown deadline reached: closing remaining connections');
        app.server.closeAllConnections();
      }, settings.api.shutdownTimeoutMs);
      deadline.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(deadline);
        await tracing.shutdown();
      }
      logger.info('shutdown complete');
    })();
    return stopping;
  };
  return { app, address, stop };
}

/** Installs signal handlers that stop the server gracefully and exit with 0 (1 if closing failed). */
export function exitOnSignals(server: RunningServer, logger: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    server.stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
