/**
 * What the agent remembers about a customer, viewable and erasable (privacy):
 * - the customer, with their session token: GET/DELETE /sessions/:id/memory[/:key]. A session with a verified
 *   customer id sees that customer's memory (learned in any of their sessions); an anonymous one sees what was
 *   learned in that session only. Another session's token gets 404 SESSION_NOT_FOUND, as for any session route.
 * - an admin, with ADMIN_API_KEY: GET/DELETE /customers/:customerId/memory[/:key] (erasure requests).
 * Facts are listed whether or not MEMORY_ENABLED is on now, so what was kept before stays visible and erasable.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CustomerMemory, MAX_SUBJECT_LENGTH } from '../../agent/memory/index.js';
import { AppError, type AppErrorOptions } from '../../errors.js';
import type { CustomerFact } from '../../storage/index.js';
import { requireAdminKey } from '../auth/admin.js';
import { authenticateSession, sessionRouteErrors } from '../sessions/authenticate.js';
import { errorResponses, noContent } from '../plugins/errors.js';
import type { Services } from '../services.js';

export class MemoryFactNotFoundError extends AppError {
  readonly code = 'MEMORY_FACT_NOT_FOUND';
  readonly statusCode = 404;
  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options);
  }
}

export interface MemoryRoutesOptions {
  services: Services;
  /** The service's CustomerMemory when it has one (and tests with their own clock); else built from services. */
  memory?: CustomerMemory;
}

/** Behind the admin key. */
const adminErrors = errorResponses(400, 401, 429, 503);
const key = z.string().min(1).max(100).describe('A fact key, e.g. name, email or order:A-1234');
const sessionParams = z.object({ id: z.string().min(1).max(128).describe('Session id') });
const customerParams = z.object({ customerId: z.string().min(1).max(MAX_SUBJECT_LENGTH).describe('Your id for the customer') });

const factView = z.object({
  key: z.string(),
  value: z.string(),
  confidence: z.number().describe('0..1: how explicit the customer was'),
  updatedAt: z.string().describe('When it was last learned'),
  expiresAt: z.string().nullable().describe('When it will be forgotten (MEMORY_TTL_HOURS after it was last learned)'),
});
const factsView = z.object({
  enabled: z.boolean().describe('Whether the agent is learning and using facts now (MEMORY_ENABLED)'),
  facts: z.array(factView).describe('Most recently learned first'),
});

function toFactView(fact: CustomerFact): z.infer<typeof factView> {
  return {
    key: fact.key,
    value: fact.value,
    confidence: fact.confidence,
    updatedAt: fact.updatedAt.toISOString(),
    expiresAt: fact.expiresAt?.toISOString() ?? null,
  };
}

const sessionSecured = { tags: ['memory'], security: [{ sessionToken: [] }] };
const adminSecured = { tags: ['memory'], description: 'Needs `Authorization: Bearer <ADMIN_API_KEY>`.', security: [{ adminKey: [] }] };

export async function memoryRoutes(app: FastifyInstance, options: MemoryRoutesOptions) {
  const { services } = options;
  const memory = options.memory ?? new CustomerMemory(services.repositories.customerFacts, services.settings.memory);
  const routes = app.withTypeProvider<ZodTypeProvider>();
  // Per route, not for the plugin: the session routes here answer to session tokens, not the admin key.
  const adminOnly = requireAdminKey(services.settings.security.adminApiKey);

  const view = async (subject: string) => ({ enabled: memory.enabled, facts: (await memory.list(subject)).map(toFactView) });
  const forgetOne = async (subject: string, factKey: string) => {
    if ((await memory.forget(subject, factKey)) === 0) throw new MemoryFactNotFoundError(`Nothing is remembered under "${factKey}"`);
  };
  const subjectOf = async (request: FastifyRequest, sessionId: string) =>
    CustomerMemory.subjectFor(await authenticateSession(services, request, sessionId));

  routes.get(
    '/sessions/:id/memory',
    {
      schema: {
        ...sessionSecured,
        summary: 'What the agent remembers about this customer',
        params: sessionParams,
        response: { 200: factsView, ...sessionRouteErrors },
      },
    },
    async (request) => view(await subjectOf(request, request.params.id)),
  );

  routes.delete(
    '/sessions/:id/memory',
    {
      schema: {
        ...sessionSecured,
        summary: 'Forget everything remembered about this customer',
        params: sessionParams,
        response: { 204: noContent, ...sessionRouteErrors },
      },
    },
    async (request, reply) => {
      const deleted = await memory.forget(await subjectOf(request, request.params.id));
      request.log.info({ sessionId: request.params.id, deleted }, 'customer memory erased by the customer');
      return reply.code(204).send();
    },
  );

  routes.delete(
    '/sessions/:id/memory/:key',
    {
      schema: {
        ...sessionSecured,
        summary: 'Forget one fact (404 MEMORY_FACT_NOT_FOUND when there is none)',
        params: sessionParams.extend({ key }),
        response: { 204: noContent, ...sessionRouteErrors },
      },
    },
    async (request, reply) => {
      await forgetOne(await subjectOf(request, request.params.id), request.params.key);
      return reply.code(204).send();
    },
  );

  routes.get(
    '/customers/:customerId/memory',
    {
      onRequest: adminOnly,
      schema: { ...adminSecured, summary: 'What is remembered about a customer', params: customerParams, response: { 200: factsView, ...adminErrors } },
    },
    async (request) => view(request.params.customerId),
  );

  routes.delete(
    '/customers/:customerId/memory',
    {
      onRequest: adminOnly,
      schema: {
        ...adminSecured,
        summary: 'Erase everything remembered about a customer (privacy request)',
        params: customerParams,
        response: { 200: z.object({ customerId: z.string(), deleted: z.number().int() }), ...adminErrors },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      const deleted = await memory.forget(customerId);
      request.log.info({ customerId, deleted }, 'customer memory erased by an admin');
      return { customerId, deleted };
    },
  );

  routes.delete(
    '/customers/:customerId/memory/:key',
    {
      onRequest: adminOnly,
      schema: {
        ...adminSecured,
        summary: 'Forget one fact about a customer (404 MEMORY_FACT_NOT_FOUND when there is none)',
        params: customerParams.extend({ key }),
        response: { 204: noContent, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      await forgetOne(request.params.customerId, request.params.key);
      return reply.code(204).send();
    },
  );
}
