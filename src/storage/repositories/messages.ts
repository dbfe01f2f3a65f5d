/** Messages: the transcript of a conversation, numbered 1, 2, 3... without gaps per conversation. */
import type { Kysely, Updateable } from 'kysely';
import { NotFoundError, ValidationError } from '../../errors.js';
import {
  assertOneOf,
  fromJson,
  fromTimestamp,
  pageSize,
  toJson,
  toPage,
  toTimestamp,
  type Page,
  type PageRequest,
} from '../columns.js';
import { MESSAGE_ROLES, MESSAGE_STATUSES, type DB, type MessageRole, type MessageRow, type MessagesTable, type MessageStatus } from '../schema.js';
import { deleteById, newId, type RepositoryContext } from './context.js';

export type { MessageRole, MessageStatus } from '../schema.js';

/** A passage of the knowledge base a reply cites (DESIGN.md section 2). */
export interface MessageSource {
  documentId: string;
  title: string;
  chunkId: string;
  score: number;
  snippet: string;
}

export interface Message {
  id: string;
  conversationId: string;
  role: MessageRole;
  content: string;
  sources: MessageSource[];
  confidence: number | null;
  metadata: Record<string, unknown>;
  /** 'partial' while a streamed reply is still being written (or was cut off). */
  status: MessageStatus;
  createdAt: Date;
  sequence: number;
}

export interface NewMessage {
  conversationId: string;
  role: MessageRole;
  content: string;
  sources?: MessageSource[];
  confidence?: number | null;
  metadata?: Record<string, unknown>;
  status?: MessageStatus;
}

export interface MessagePatch {
  content?: string;
  sources?: MessageSource[];
  confidence?: number | null;
  metadata?: Record<string, unknown>;
  status?: MessageStatus;
}

/** Transcripts can be long; a page may be larger than elsewhere but is still bounded. */
export const MAX_MESSAGE_PAGE_SIZE = 500;

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role,
    content: row.content,
    sources: fromJson<MessageSource[]>(row.sources, []),
    confidence: row.confidence === null ? null : Number(row.confidence),
    metadata: fromJson<Record<string, unknown>>(row.metadata, {}),
    status: row.status,
    createdAt: fromTimestamp(row.created_at),
    sequence: Number(row.sequence),
  };
}

/** Message cursors are the last sequence seen: stable, and meaningful in logs. */
function decodeSequence(cursor: string): number {
  const value = Number(cursor);
  if (!Number.isSafeInteger(value) || value < 0) throw new ValidationError('Invalid page cursor', { details: { cursor } });
  return value;
}

export function createMessageRepository({ db, now }: RepositoryContext) {
  async function get(id: string): Promise<Message | null> {
    const row = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  return {
    get,

    /**
     * Appends a message with the conversation's next sequence number. The increment of the conversation's
     * counter and the insert share one transaction: on PostgreSQL the counter's row lock orders concurrent
     * appends, on SQLite the single connection does, so numbers never repeat or skip.
     * Throws NotFoundError when the conversation does not exist.
     */
    async append(input: NewMessage): Promise<Message> {
      assertOneOf(input.role, MESSAGE_ROLES, 'message role');
      const status = assertOneOf(input.status ?? 'complete', MESSAGE_STATUSES, 'message status');
      const at = toTimestamp(now());
      const write = async (trx: Kysely<DB>) => {
        const counter = await trx
          .updateTable('conversations')
          .set((eb) => ({ last_sequence: eb('last_sequence', '+', 1), updated_at: at }))
          .where('id', '=', input.conversationId)
          .returning('last_sequence')
          .executeTakeFirst();
        if (!counter) throw new NotFoundError(`Conversation ${input.conversationId} not found`);
        return trx
          .insertInto('messages')
          .values({
            id: newId(),
            conversation_id: input.conversationId,
            role: input.role,
            content: input.content,
            sources: toJson(input.sources ?? []),
            confidence: input.confidence ?? null,
            metadata: toJson(input.metadata ?? {}),
            status,
            created_at: at,
            sequence: Number(counter.last_sequence),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      };
      // Inside a caller's transaction (createRepositories({ db: trx })) the work joins it; Kysely has no nesting.
      const row = db.isTransaction ? await write(db) : await db.transaction().execute(write);
      return toMessage(row);
    },

    /** Oldest first; `cursor` is the `nextCursor` of the previous page. */
    async listByConversation(conversationId: string, request: PageRequest = {}): Promise<Page<Message>> {
      const limit = pageSize(request.limit, MAX_MESSAGE_PAGE_SIZE);
      let q = db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
      if (request.cursor) q = q.where('sequence', '>', decodeSequence(request.cursor));
      const rows = await q.orderBy('sequence', 'asc').limit(limit + 1).execute();
      return toPage(rows, limit, toMessage, (row) => String(row.sequence));
    },

    /** The last `count` messages in transcript order: the context window of the next turn. */
    async listLatest(conversationId: string, count: number): Promise<Message[]> {
      const limit = pageSize(count, MAX_MESSAGE_PAGE_SIZE);
      const rows = await db
        .selectFrom('messages')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('sequence', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map(toMessage);
    },

    async countByConversation(conversationId: string): Promise<number> {
      const row = await db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Completes or corrects a message (e.g. a streamed reply turning from partial to complete). */
    async update(id: string, patch: MessagePatch): Promise<Message | null> {
      const set: Updateable<MessagesTable> = {};
      if (patch.content !== undefined) set.content = patch.content;
      if (patch.sources !== undefined) set.sources = toJson(patch.sources);
      if (patch.confidence !== undefined) set.confidence = patch.confidence;
      if (patch.metadata !== undefined) set.metadata = toJson(patch.metadata);
      if (patch.status !== undefined) set.status = assertOneOf(patch.status, MESSAGE_STATUSES, 'message status');
      if (Object.keys(set).length === 0) return get(id);
      const row = await db.updateTable('messages').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toMessage(row) : null;
    },

    delete(id: string): Promise<boolean> {
      return deleteById(db, 'messages', id);
    },
  };
}

export type MessageRepository = ReturnType<typeof createMessageRepository>;
