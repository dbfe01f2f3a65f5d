/**
 * OpenAPI generated from the same zod schemas that validate requests (fastify-type-provider-zod), served as
 * /openapi.json and as the Swagger UI at /docs. Registered only when docs are enabled (DEBUG or
 * API_DOCS_ENABLED), so production exposes neither unless asked.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export const openApiPlugin = fp(
  async (app: FastifyInstance, options: { title: string; version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: options.title,
          version: options.version,
          description: 'Frontline: a self-hostable AI customer-support agent server.',
        },
        components: {
          securitySchemes: {
            sessionToken: { type: 'http', scheme: 'bearer', description: 'The token returned by POST /api/sessions' },
            adminKey: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY (make one with `npx frontline keygen --admin`)' },
            staffToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The token of POST /api/auth/login, or ADMIN_API_KEY' },
          },
        },
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'frontline-openapi' },
);
