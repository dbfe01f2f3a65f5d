/**
 * The tickets API, for the team (a login token of an agent or admin account, or the admin key for integrations):
 * the hand-offs waiting for the team, one ticket with its conversation, claiming it, writing to the customer, and
 * resolving it, which hands the conversation back to the agent.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, type Ticket, type TicketStatus, type User } from '../../storage/index.js';
import { errorResponses } from '../plugins/errors.js';
import type { Services } from '../services.js';
import { loadWholeTranscript, messageView, toApiMessage } from '../sessions/transcript.js';
import { MAX_MESSAGE_CHARS } from '../../agent/support-agent.js';

const secured = { description: 'Needs `Authorization: Bearer <login token>` (POST /api/auth/login) or the admin key.', security: [{ staffToken: [] }] };
const tags = ['tickets'];
const ticketParams = z.object({ id: z.string().min(1).max(128).describe('Ticket id') });

/** "open,claimed" (or status=open&status=claimed) -> ['open', 'claimed']; every name must be a ticket status. */
const statusList = z
  .preprocess((value) => (Array.isArray(value) ? value.join(',') : value), z.string().max(100))
  .transform((value) => [...new Set(value.split(',').map((part) => part.trim()).filter(Boolean))])
  .refine((names): names is TicketStatus[] => names.length > 0 && names.every((name) => (TICKET_STATUSES as readonly string[]).includes(name)), {
    message: `a comma-separated list of ${TICKET_STATUSES.join(', ')}`,
  });

const listQuery = z.object({
  status: statusList.default(['open', 'claimed']).describe('Comma-separated statuses (default: the queue, open,claimed)'),
  assignee: z.string().min(1).max(128).optional().describe('Only tickets claimed by this user id, or "me"'),
  order: z.enum(['asc', 'desc']).default('asc').describe('By creation time; oldest first by default, as a queue is worked'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

const ticketView = z.object({
  id: z.string(),
  conversationId: z.string(),
  status: z.enum(TICKET_STATUSES),
  priority: z.enum(TICKET_PRIORITIES),
  reasons: z.array(z.string()).describe('Why the conversation was handed over'),
  summary: z.string().describe('A short summary of the conversation up to the hand-off'),
  customerFacts: z.array(z.object({ key: z.string(), value: z.string() })).describe('What the agent knew about the customer'),
  assigneeId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
});

const replyBody = z
  .object({
    content: z.string().trim().min(1).max(MAX_MESSAGE_CHARS).describe('What the customer reads'),
    author: z.string().trim().min(1).max(100).optional().describe("With the admin key: the name the customer sees (default: Support team). An account always signs with its own name"),
  })
  .strict();

const ticketDetailView = ticketView.extend({
  conversation: z
    .object({ id: z.string(), sessionId: z.string(), customerId: z.string().nullable(), channel: z.string(), status: z.string(), title: z.string().nullable() })
    .nullable(),
  messages: z.array(messageView).describe('The whole transcript, oldest first'),
  truncated: z.boolean().describe('True when the transcript was cut (very long conversations)'),
});

const DEFAULT_AUTHOR = 'Support team';

/** The caller's account; the admin key has none, so what needs one asks for a login. */
function accountOf(request: FastifyRequest, what: string): User {
  const caller = request.staff!;
  if (caller.kind !== 'account') throw new ValidationError(`The admin key has no account: ${what} needs a login token (POST /api/auth/login)`);
  return caller.user;
}

function toTicketView(ticket: Ticket): z.infer<typeof ticketView> {
  return {
    id: ticket.id,
    conversationId: ticket.conversationId,
    status: ticket.status,
    priority: ticket.priority,
    reasons: ticket.reasons,
    summary: ticket.summary,
    customerFacts: ticket.customerFacts,
    assigneeId: ticket.assigneeId,
    createdAt: ticket.createdAt.toISOString(),
    updatedAt: ticket.updatedAt.toISOString(),
    resolvedAt: ticket.resolvedAt?.toISOString() ?? null,
  };
}

export async function ticketRoutes(app: FastifyInstance, options: { services: Services }) {
  const { repositories, agentService, staff } = options.services;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', staff.hook());

  routes.get(
    '/tickets',
    {
      schema: {
        tags,
        summary: 'Hand-offs to the team, a page at a time (by default the open and claimed ones, oldest first)',
        querystring: listQuery,
        response: { 200: z.object({ tickets: z.array(ticketView), nextCursor: z.string().nullable() }), ...errorResponses(400, 401, 429, 503) },
        ...secured,
      },
    },
    async (request) => {
      const { assignee, ...query } = request.query;
      const assigneeId = assignee === 'me' ? accountOf(request, 'assignee=me').id : assignee;
      const page = await repositories.tickets.list({ ...query, ...(assigneeId ? { assigneeId } : {}) });
      return { tickets: page.items.map(toTicketView), nextCursor: page.nextCursor };
    },
  );

  routes.get(
    '/tickets/:id',
    {
      schema: {
        tags,
        summary: 'One ticket with its conversation and the whole transcript',
        params: ticketParams,
        response: { 200: ticketDetailView, ...errorResponses(400, 401, 404, 429, 503) },
        ...secured,
      },
    },
    async (request) => {
      const ticket = await repositories.tickets.get(request.params.id);
      if (!ticket) throw new NotFoundError(`Ticket ${request.params.id} not found`);
      const conversation = await repositories.conversations.get(ticket.conversationId);
      const { messages, truncated } = await loadWholeTranscript(repositories, ticket.conversationId);
      return {
        ...toTicketView(ticket),
        conversation: conversation && {
          id: conversation.id,
          sessionId: conversation.sessionId,
          customerId: conversation.customerId,
          channel: conversation.channel,
          status: conversation.status,
          title: conversation.title,
        },
        messages,
        truncated,
      };
    },
  );

  routes.post(
    '/tickets/:id/messages',
    {
      schema: {
        tags,
        summary: 'Write to the customer: the conversation is now with a human, and the customer sees it live',
        params: ticketParams,
        body: replyBody,
        response: { 201: messageView, ...errorResponses(400, 401, 404, 409, 429, 503) },
        ...secured,
      },
    },
    async (request, reply) => {
      const caller = request.staff!;
      if (caller.kind === 'account' && request.body.author !== undefined) {
        throw new ValidationError('A message from an account is signed with its own name: leave out "author"');
      }
      const author = caller.kind === 'account' ? caller.user.displayName : (request.body.author ?? DEFAULT_AUTHOR);
      const authorId = caller.kind === 'account' ? caller.user.id : null;
      const { message } = await agentService.handoff.reply(request.params.id, { content: request.body.content, author, authorId });
      return reply.code(201).send(toApiMessage(message));
    },
  );

  routes.post(
    '/tickets/:id/claim',
    {
      schema: {
        tags,
        summary: 'Take an open ticket: it is yours (or, for admins, the given colleague\'s); of two claims at once one wins',
        params: ticketParams,
        // No body at all claims the ticket for the caller.
        body: z.preprocess((body) => body ?? {}, z.object({ assigneeId: z.string().min(1).max(128).optional().describe('Admins only: whom to assign it to') }).strict()),
        response: { 200: ticketView, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
        ...secured,
      },
    },
    async (request) => {
      const caller = request.staff!;
      const { assigneeId } = request.body;
      if (assigneeId !== undefined && caller.kind === 'account' && caller.user.role !== 'admin' && assigneeId !== caller.user.id) {
        throw new ForbiddenError('Only an admin may assign a ticket to someone else');
      }
      const assignee = assigneeId ?? accountOf(request, 'claiming without assigneeId').id;
      const account = await repositories.users.get(assignee);
      if (!account || account.disabled) throw new ValidationError(`No active account has the id ${assignee}`);
      return toTicketView(await repositories.tickets.claim(request.params.id, assignee));
    },
  );

  routes.post(
    '/tickets/:id/resolve',
    {
      schema: {
        tags,
        summary: 'Resolve a ticket: the conversation goes back to the agent, and the next message starts afresh',
        params: ticketParams,
        response: { 200: ticketView, ...errorResponses(400, 401, 404, 409, 429, 503) },
        ...secured,
      },
    },
    async (request) => toTicketView(await agentService.handoff.resolve(request.params.id)),
  );
}
