/** GET /metrics: the Prometheus text exposition of this instance's registry. */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../telemetry/metrics.js';

export async function metricsRoute(app: FastifyInstance, options: { metrics: Metrics }) {
  const { registry } = options.metrics;
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
