/**
 * The session API (DESIGN.md section 2): create a session and get its token, read it, end it, page through
 * its transcript, export it. Live state is in the session store; the durable transcript (conversation and
 * messages) is in the relational database.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FeatureDisabledError } from '../../errors.js';
import { CustomerMemory } from '../../agent/memory/index.js';
import { generateSessionId, hashToken, type Session } from '../../sessions/index.js';
import { errorResponses, noContent } from '../plugins/errors.js';
import type { Services } from '../services.js';
import { authenticateSession, sessionRouteErrors } from './authenticate.js';
import { verifyCustomerClaim } from './identity.js';
import { loadWholeTranscript, messageView, renderMarkdown, toApiMessage } from './transcript.js';

const sessionParams = z.object({ id: z.string().min(1).max(128).describe('Session id') });

const createBody = z
  .object({
    customerId: z.string().min(1).max(128).regex(/^(?!session:)/, 'must not start with "session:" (reserved for anonymous sessions)').optional()
      .describe('Your id for the customer; needs customerSignature'),
    customerSignature: z.string().max(128).optional().describe('hex HMAC-SHA256 of customerId with CUSTOMER_IDENTITY_SECRET'),
    channel: z.enum(['web', 'widget', 'api', 'ws']).default('api'),
    metadata: z.record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])).optional()
      .refine((value) => !value || Object.keys(value).length <= 50, 'at most 50 metadata keys'),
  })
  .strict();

const sessionView = z.object({
  sessionId: z.string(),
  status: z.string(),
  customerId: z.string().nullable(),
  createdAt: z.string(),
  lastActivityAt: z.string(),
  expiresAt: z.string(),
  counters: z.record(z.string(), z.number()),
  metadata: z.record(z.string(), z.unknown()),
});

function toSessionView(session: Session): z.infer<typeof sessionView> {
  return {
    sessionId: session.id,
    status: session.status,
    customerId: session.customerId ?? null,
    createdAt: session.createdAt,
    lastActivityAt: session.lastActivityAt,
    expiresAt: session.expiresAt,
    counters: { ...session.counters },
    metadata: { ...session.metadata },
  };
}

const secured = { security: [{ sessionToken: [] }] };

export async function sessionRoutes(app: FastifyInstance, options: { services: Services }) {
  const { services } = options;
  const { sessionStore, repositories, settings, fingerprinter } = services;
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Start a session; the token authorises this session alone',
        body: createBody.nullish(),
        response: { 201: z.object({ sessionId: z.string(), token: z.string(), expiresAt: z.string() }), ...errorResponses(400, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body ?? createBody.parse({});
      const customerId = verifyCustomerClaim(settings.security.customerIdentitySecret, body);
      const sessionId = generateSessionId();
      const token = services.tokens.issue(sessionId);
      const conversation = await repositories.conversations.create({
        sessionId,
        customerId: customerId ?? null,
        channel: body.channel,
        metadata: body.metadata,
      });
      let session: Session;
      try {
        session = await sessionStore.create({
          id: sessionId,
          tokenHash: hashToken(token),
          customerId,
          conversationId: conversation.id,
          fingerprint: fingerprinter.compute(request.ip, request.headers['user-agent']),
          metadata: body.metadata,
        });
      } catch (error) {
        // Leave nothing half-made when the store refuses (e.g. Redis is down).
        await repositories.conversations.delete(conversation.id).catch(() => undefined);
        throw error;
      }
      request.log.info({ sessionId, channel: body.channel }, 'session created');
      return reply.code(201).send({ sessionId, token, expiresAt: session.expiresAt });
    },
  );

  routes.get(
    '/sessions/:id',
    { schema: { tags: ['sessions'], summary: 'The session\'s live state', params: sessionParams, response: { 200: sessionView, ...sessionRouteErrors }, ...secured } },
    async (request) => toSessionView(await authenticateSession(services, request, request.params.id)),
  );

  routes.delete(
    '/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'End the session (its transcript is kept)',
        params: sessionParams,
        response: { 204: noContent, ...sessionRouteErrors },
        ...secured,
      },
    },
    async (request, reply) => {
      const session = await authenticateSession(services, request, request.params.id);
      await sessionStore.delete(session.id);
      if (session.conversationId) await repositories.conversations.updateStatus(session.conversationId, 'closed');
      // An anonymous session's remembered facts served that session alone: they end with it.
      if (!session.customerId) await services.agentService.memory.forget(CustomerMemory.subjectFor(session));
      return reply.code(204).send();
    },
  );

  routes.get(
    '/sessions/:id/messages',
    {
      schema: {
        tags: ['sessions'],
        summary: 'The transcript, oldest first, a page at a time',
        params: sessionParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(200).optional() }),
        response: { 200: z.object({ messages: z.array(messageView), nextCursor: z.string().nullable() }), ...sessionRouteErrors },
        ...secured,
      },
    },
    async (request) => {
      const session = await authenticateSession(services, request, request.params.id);
      if (!session.conversationId) return { messages: [], nextCursor: null };
      const page = await repositories.messages.listByConversation(session.conversationId, request.query);
      return { messages: page.items.map(toApiMessage), nextCursor: page.nextCursor };
    },
  );

  routes.get(
    '/sessions/:id/export',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Download the whole transcript as JSON or Markdown (FEATURE_EXPORT_CHAT)',
        params: sessionParams,
        querystring: z.object({ format: z.enum(['json', 'markdown']).default('json') }),
        response: {
          200: {
            description: 'The transcript, as a download',
            content: { 'application/json': { schema: z.unknown() }, 'text/markdown': { schema: z.string() } },
          },
          ...sessionRouteErrors,
        },
        ...secured,
      },
    },
    async (request, reply) => {
      if (!settings.features.exportChat) throw new FeatureDisabledError('Chat export is turned off (FEATURE_EXPORT_CHAT=false)');
      const session = await authenticateSession(services, request, request.params.id);
      const conversation = session.conversationId ? await repositories.conversations.get(session.conversationId) : null;
      const { messages, truncated } = conversation
        ? await loadWholeTranscript(repositories, conversation.id)
        : { messages: [], truncated: false };
      const filename = `conversation-${session.id}.${request.query.format === 'json' ? 'json' : 'md'}`;
      reply.header('Content-Disposition', `attachment; filename="${filename}"`);
      if (request.query.format === 'markdown') {
        reply.type('text/markdown; charset=utf-8');
        return renderMarkdown({
          appName: settings.app.name,
          sessionId: session.id,
          conversation: conversation ?? { createdAt: new Date(session.createdAt), status: session.status, title: null },
          messages,
          truncated,
        });
      }
      return { session: toSessionView(session), conversationId: conversation?.id ?? null, truncated, messages };
    },
  );
}
