/**
 * Request id in and out (X-Request-ID) and how long the server took (X-Process-Time, seconds as in the seed),
 * plus the HTTP metrics: a duration histogram labelled by route pattern (never the raw URL, which would let
 * clients create unbounded label values) and an in-flight gauge.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../../telemetry/metrics.js';

const REQUEST_ID_HEADER = 'x-request-id';
/** An incoming id is kept only if it is short and plain, so it cannot inject into logs or headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function generateRequestId(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  if (typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

declare module 'fastify' {
  interface FastifyRequest {
    startedAt: bigint;
  }
}

export const requestContextPlugin = fp(
  async (app: FastifyInstance, options: { metrics: Metrics }) => {
    const { metrics } = options;
    app.decorateRequest('startedAt', 0n);

    app.addHook('onRequest', async (request, reply) => {
      request.startedAt = process.hrtime.bigint();
      reply.header('X-Request-ID', request.id);
      metrics.httpRequestsInFlight.inc();
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const seconds = Number(process.hrtime.bigint() - request.startedAt) / 1e9;
      reply.header('X-Process-Time', seconds.toFixed(6));
      return payload;
    });

    app.addHook('onResponse', async (request, reply) => {
      metrics.httpRequestsInFlight.dec();
      const seconds = Number(process.hrtime.bigint() - request.startedAt) / 1e9;
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequestDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        seconds,
      );
    });
  },
  { name: 'frontline-request-context' },
);
