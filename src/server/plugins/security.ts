/**
 * CORS from CORS_ORIGINS and security headers (helmet). The CSP allows what the docs UI and the console need from
 * this origin and nothing from elsewhere (a WebSocket only to this origin).
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
          connectSrc: ["'self'"],
          frameAncestors: ["'self'"],
        },
      },
      // Only /widget.js is for other sites to load (its route says so); the API's cross-origin use is CORS's business.
      crossOriginResourcePolicy: { policy: 'same-origin' },
    });
  },
  { name: 'frontline-security' },
);
