/** Tickets: a conversation handed over to humans, claimed by one agent at a time, then resolved. */
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../../errors.js';
import {
  afterPosition,
  assertOneOf,
  fromJson,
  fromOptionalTimestamp,
  fromTimestamp,
  isForeignKeyViolation,
  pageSize,
  rowPosition,
  toJson,
  toPage,
  toTimestamp,
  type Direction,
  type Page,
  type PageRequest,
} from '../columns.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, type DB, type TicketPriority, type TicketRow, type TicketStatus } from '../schema.js';
import { deleteById, newId, type RepositoryContext } from './context.js';

export type { TicketPriority, TicketStatus } from '../schema.js';

/** What the agent knew about the customer when it escalated, so the human does not have to ask again. */
export interface TicketFact {
  key: string;
  value: string;
}

export interface Ticket {
  id: string;
  conversationId: string;
  status: TicketStatus;
  priority: TicketPriority;
  /** Why the conversation was escalated (keyword, low confidence, customer asked for a human...). */
  reasons: string[];
  summary: string;
  assigneeId: string | null;
  customerFacts: TicketFact[];
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
}

export interface NewTicket {
  conversationId: string;
  summary: string;
  priority?: TicketPriority;
  reasons?: string[];
  customerFacts?: TicketFact[];
}

export interface TicketListQuery extends PageRequest {
  status?: TicketStatus | TicketStatus[];
  assigneeId?: string;
  conversationId?: string;
  /** Oldest first by default: a queue is worked from its head. */
  order?: Direction;
}

export function toTicket(row: TicketRow): Ticket {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    status: row.status,
    priority: row.priority,
    reasons: fromJson<string[]>(row.reasons, []),
    summary: row.summary,
    assigneeId: row.assignee_id,
    customerFacts: fromJson<TicketFact[]>(row.customer_facts, []),
    createdAt: fromTimestamp(row.created_at),
    updatedAt: fromTimestamp(row.updated_at),
    resolvedAt: fromOptionalTimestamp(row.resolved_at),
  };
}

/** After a conditional update matched nothing: say whether the ticket is missing or in the wrong state. */
async function explainMiss(db: Kysely<DB>, id: string, action: string): Promise<never> {
  const current = await db.selectFrom('tickets').select(['status', 'assignee_id']).where('id', '=', id).executeTakeFirst();
  if (!current) throw new NotFoundError(`Ticket ${id} not found`);
  throw new ConflictError(`Ticket ${id} cannot be ${action}: it is ${current.status}`, {
    details: { ticketId: id, status: current.status, assigneeId: current.assignee_id },
  });
}

export function createTicketRepository({ db, now }: RepositoryContext) {
  async function get(id: string): Promise<Ticket | null> {
    const row = await db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTicket(row) : null;
  }

  return {
    /** Throws NotFoundError when the conversation does not exist. */
    async create(input: NewTicket): Promise<Ticket> {
      const priority = assertOneOf(input.priority ?? 'normal', TICKET_PRIORITIES, 'ticket priority');
      const at = toTimestamp(now());
      try {
        const row = await db
          .insertInto('tickets')
          .values({
            id: newId(),
            conversation_id: input.conversationId,
            status: 'open',
            priority,
            reasons: toJson(input.reasons ?? []),
            summary: input.summary,
            assignee_id: null,
            customer_facts: toJson(input.customerFacts ?? []),
            created_at: at,
            updated_at: at,
            resolved_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toTicket(row);
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new NotFoundError(`Conversation ${input.conversationId} not found`, { cause: error });
        }
        throw error;
      }
    },

    get,

    /** The ticket of a conversation that is still being handled (open or claimed), if any. */
    async findActiveByConversation(conversationId: string): Promise<Ticket | null> {
      const row = await db
        .selectFrom('tickets')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .where('status', 'in', ['open', 'claimed'])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toTicket(row) : null;
    },

    async list(query: TicketListQuery = {}): Promise<Page<Ticket>> {
      const limit = pageSize(query.limit);
      const order = query.order ?? 'asc';
      let q = db.selectFrom('tickets').selectAll();
      if (query.status !== undefined) {
        const statuses = Array.isArray(query.status) ? query.status : [query.status];
        if (statuses.length === 0) return { items: [], nextCursor: null };
        q = q.where('status', 'in', statuses);
      }
      if (query.assigneeId !== undefined) q = q.where('assignee_id', '=', query.assigneeId);
      if (query.conversationId !== undefined) q = q.where('conversation_id', '=', query.conversationId);
      if (query.cursor) q = q.where(afterPosition(query.cursor, order));
      const rows = await q.orderBy('created_at', order).orderBy('id', order).limit(limit + 1).execute();
      return toPage(rows, limit, toTicket, rowPosition);
    },

    /**
     * Assigns an open ticket to an agent. The status check and the assignment are one conditional UPDATE, so of
     * concurrent claims exactly one succeeds. Throws ConflictError when the ticket is no longer open,
     * NotFoundError when the ticket (or the assignee) does not exist.
     */
    async claim(id: string, assigneeId: string): Promise<Ticket> {
      let row: TicketRow | undefined;
      try {
        row = await db
          .updateTable('tickets')
          .set({ status: 'claimed', assignee_id: assigneeId, updated_at: toTimestamp(now()) })
          .where('id', '=', id)
          .where('status', '=', 'open')
          .returningAll()
          .executeTakeFirst();
      } catch (error) {
        if (isForeignKeyViolation(error)) throw new NotFoundError(`User ${assigneeId} not found`, { cause: error });
        throw error;
      }
      return row ? toTicket(row) : explainMiss(db, id, 'claimed');
    },

    /** Closes an open or claimed ticket. Throws ConflictError when already resolved, NotFoundError when missing. */
    async resolve(id: string): Promise<Ticket> {
      const at = toTimestamp(now());
      const row = await db
        .updateTable('tickets')
        .set({ status: 'resolved', updated_at: at, resolved_at: at })
        .where('id', '=', id)
        .where('status', '!=', 'resolved')
        .returningAll()
        .executeTakeFirst();
      return row ? toTicket(row) : explainMiss(db, id, 'resolved');
    },

    async updatePriority(id: string, priority: TicketPriority): Promise<Ticket | null> {
      assertOneOf(priority, TICKET_PRIORITIES, 'ticket priority');
      const row = await db
        .updateTable('tickets')
        .set({ priority, updated_at: toTimestamp(now()) })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toTicket(row) : null;
    },

    async countByStatus(): Promise<Record<TicketStatus, number>> {
      const rows = await db
        .selectFrom('tickets')
        .select((eb) => ['status', eb.fn.countAll().as('count')])
        .groupBy('status')
        .execute();
      const counts = Object.fromEntries(TICKET_STATUSES.map((status) => [status, 0])) as Record<TicketStatus, number>;
      for (const row of rows) counts[row.status] = Number(row.count);
      return counts;
    },

    delete(id: string): Promise<boolean> {
      return deleteById(db, 'tickets', id);
    },
  };
}

export type TicketRepository = ReturnType<typeof createTicketRepository>;
