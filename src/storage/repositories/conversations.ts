/** Conversations: one per customer session, the parent of its messages and tickets. */
import type { Updateable } from 'kysely';
import {
  afterPosition,
  assertOneOf,
  fromJson,
  fromOptionalTimestamp,
  fromTimestamp,
  pageSize,
  rowPosition,
  toJson,
  toPage,
  toTimestamp,
  type Page,
  type PageRequest,
} from '../columns.js';
import { CONVERSATION_STATUSES, type ConversationRow, type ConversationsTable, type ConversationStatus } from '../schema.js';
import { deleteById, newId, type RepositoryContext } from './context.js';

export type { ConversationStatus } from '../schema.js';

export interface Conversation {
  id: string;
  sessionId: string;
  customerId: string | null;
  channel: string;
  status: ConversationStatus;
  title: string | null;
  metadata: Record<string, unknown>;
  /** The sequence number of the latest message appended (0 when there is none). */
  lastSequence: number;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

export interface NewConversation {
  id?: string;
  sessionId: string;
  customerId?: string | null;
  /** Where the customer talks from: web, widget, api, ws... (default "web"). */
  channel?: string;
  status?: ConversationStatus;
  title?: string | null;
  metadata?: Record<string, unknown>;
}

export interface ConversationPatch {
  customerId?: string | null;
  channel?: string;
  title?: string | null;
  metadata?: Record<string, unknown>;
}

export interface ConversationListQuery extends PageRequest {
  customerId?: string;
  sessionId?: string;
  status?: ConversationStatus | ConversationStatus[];
}

/** Statuses in which a conversation is over; entering one stamps closed_at, leaving it clears it. */
const FINISHED: ReadonlySet<ConversationStatus> = new Set(['resolved', 'closed']);

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    sessionId: row.session_id,
    customerId: row.customer_id,
    channel: row.channel,
    status: row.status,
    title: row.title,
    metadata: fromJson<Record<string, unknown>>(row.metadata, {}),
    lastSequence: Number(row.last_sequence),
    createdAt: fromTimestamp(row.created_at),
    updatedAt: fromTimestamp(row.updated_at),
    closedAt: fromOptionalTimestamp(row.closed_at),
  };
}

export function createConversationRepository({ db, now }: RepositoryContext) {
  return {
    async create(input: NewConversation): Promise<Conversation> {
      const status = assertOneOf(input.status ?? 'active', CONVERSATION_STATUSES, 'conversation status');
      const at = toTimestamp(now());
      const row = await db
        .insertInto('conversations')
        .values({
          id: input.id ?? newId(),
          session_id: input.sessionId,
          customer_id: input.customerId ?? null,
          channel: input.channel ?? 'web',
          status,
          title: input.title ?? null,
          metadata: toJson(input.metadata ?? {}),
          created_at: at,
          updated_at: at,
          closed_at: FINISHED.has(status) ? at : null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toConversation(row);
    },

    async get(id: string): Promise<Conversation | null> {
      const row = await db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toConversation(row) : null;
    },

    /** The most recent conversation of a session (a session normally has exactly one). */
    async findBySessionId(sessionId: string): Promise<Conversation | null> {
      const row = await db
        .selectFrom('conversations')
        .selectAll()
        .where('session_id', '=', sessionId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toConversation(row) : null;
    },

    /** Newest first. */
    async list(query: ConversationListQuery = {}): Promise<Page<Conversation>> {
      const limit = pageSize(query.limit);
      let q = db.selectFrom('conversations').selectAll();
      if (query.customerId !== undefined) q = q.where('customer_id', '=', query.customerId);
      if (query.sessionId !== undefined) q = q.where('session_id', '=', query.sessionId);
      if (query.status !== undefined) {
        const statuses = Array.isArray(query.status) ? query.status : [query.status];
        if (statuses.length === 0) return { items: [], nextCursor: null };
        q = q.where('status', 'in', statuses);
      }
      if (query.cursor) q = q.where(afterPosition(query.cursor, 'desc'));
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      return toPage(rows, limit, toConversation, rowPosition);
    },

    async update(id: string, patch: ConversationPatch): Promise<Conversation | null> {
      const set: Updateable<ConversationsTable> = { updated_at: toTimestamp(now()) };
      if (patch.customerId !== undefined) set.customer_id = patch.customerId;
      if (patch.channel !== undefined) set.channel = patch.channel;
      if (patch.title !== undefined) set.title = patch.title;
      if (patch.metadata !== undefined) set.metadata = toJson(patch.metadata);
      const row = await db.updateTable('conversations').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toConversation(row) : null;
    },

    /** Returns the updated conversation, or null when it does not exist. */
    async updateStatus(id: string, status: ConversationStatus): Promise<Conversation | null> {
      assertOneOf(status, CONVERSATION_STATUSES, 'conversation status');
      const at = toTimestamp(now());
      const row = await db
        .updateTable('conversations')
        // Keep the first closing time when a finished conversation moves between resolved and closed.
        .set((eb) => ({
          status,
          updated_at: at,
          closed_at: FINISHED.has(status) ? eb.fn.coalesce('closed_at', eb.val(at)) : null,
        }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toConversation(row) : null;
    },

    /** Deletes the conversation with its messages and tickets (foreign keys cascade). */
    delete(id: string): Promise<boolean> {
      return deleteById(db, 'conversations', id);
    },
  };
}

export type ConversationRepository = ReturnType<typeof createConversationRepository>;
