/**
 * Rate limiting from RATE_LIMIT_*: a fixed window of RATE_LIMIT_REQUESTS per RATE_LIMIT_PERIOD per client,
 * counted in memory on one instance or in Redis when instances share it. Probes (/health*, /metrics) are not
 * limited: an orchestrator polling them must never be locked out. RATE_LIMIT_ENABLED=false lifts the general
 * limit only: a route with a limit of its own (POST /api/auth/login) keeps it.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Settings } from '../../config/index.js';
import { RateLimitedError } from '../../errors.js';
import { isProbe } from '../probes.js';


export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: { settings: Settings['rateLimit']; redis?: Redis }) => {
    const { settings, redis } = options;
    await app.register(rateLimit, {
      // Off, it still limits the routes that set their own limit (logging in: guessing passwords).
      global: settings.enabled,
      max: settings.max,
      timeWindow: settings.windowMs,
      ...(settings.storage === 'redis' && redis ? { redis, nameSpace: 'frontline:ratelimit:' } : {}),
      // When the shared counter store is unreachable, serve rather than fail every request (readiness says why).
      skipOnError: true,
      allowList: (request) => isProbe(request.url),
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError(`Too many requests: the limit is ${context.max} per ${context.after}. Retry after ${context.after}.`),
    });
  },
  { name: 'frontline-rate-limit' },
);
