/**
 * CORS from CORS_ORIGINS and security headers (helmet). The CSP allows what the docs UI, the console and the
 * widget need from this origin and nothing from elsewhere.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const EXPOSED_HEADERS = [
  'X-Request-ID',
  'X-Process-Time',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
];

export const securityPlugin = fp(
  async (app: FastifyInstance, options: { corsOrigins: readonly string[] }) => {
    const anyOrigin = options.corsOrigins.includes('*');
    await app.register(cors, {
      origin: anyOrigin ? true : [...options.corsOrigins],
      credentials: !anyOrigin,
      exposedHeaders: EXPOSED_HEADERS,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    });
    await app.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          frameAncestors: ["'self'"],
        },
      },
      // The widget is embedded cross-origin; its assets must be loadable from other sites.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    });
  },
  { name: 'frontline-security' },
);
