/**
 * The relational schema as Kysely sees it. Column types describe what the drivers hand back, which is the same
 * for both dialects by construction (see migrations/column-types.ts):
 * - timestamps are ISO-8601 UTC text (`Date#toISOString()`), so they sort and compare as text identically in
 *   SQLite and PostgreSQL;
 * - JSON is text, parsed at the repository edge;
 * - booleans are written as 0/1; SQLite returns 0/1 and PostgreSQL (a real `boolean` column) returns true/false.
 * Repositories turn rows into domain objects (camelCase, Date, parsed JSON, real booleans); nothing above
 * storage should see these row types.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** ISO-8601 UTC text, e.g. 2025-01-31T09:30:00.000Z. */
export type Timestamp = string;
/** JSON text. */
export type JsonText = string;
/** Read as 0/1 (SQLite) or true/false (PostgreSQL); always written as 0/1. */
export type BoolColumn = ColumnType<number | boolean, number, number>;

export const CONVERSATION_STATUSES = ['active', 'waiting_for_human', 'human', 'resolved', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export const MESSAGE_ROLES = ['customer', 'assistant', 'agent', 'system', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export const MESSAGE_STATUSES = ['complete', 'partial'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const TICKET_STATUSES = ['open', 'claimed', 'resolved'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const DOCUMENT_STATUSES = ['pending', 'indexed', 'failed'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export const USER_ROLES = ['admin', 'agent'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface ConversationsTable {
  id: string;
  session_id: string;
  customer_id: string | null;
  channel: string;
  status: ConversationStatus;
  title: string | null;
  metadata: JsonText;
  /** The sequence number of the latest message; the row-level counter that makes appends atomic. */
  last_sequence: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  role: MessageRole;
  content: string;
  sources: JsonText;
  confidence: number | null;
  metadata: JsonText;
  status: MessageStatus;
  created_at: Timestamp;
  sequence: number;
}

export interface TicketsTable {
  id: string;
  conversation_id: string;
  status: TicketStatus;
  priority: TicketPriority;
  reasons: JsonText;
  summary: string;
  assignee_id: string | null;
  customer_facts: JsonText;
  created_at: Timestamp;
  updated_at: Timestamp;
  resolved_at: Timestamp | null;
}

export interface DocumentsTable {
  id: string;
  title: string;
  source: string;
  mime_type: string;
  content_hash: string;
  size_bytes: number;
  status: DocumentStatus;
  error: string | null;
  chunk_count: Generated<number>;
  metadata: JsonText;
  is_sample: BoolColumn;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: string;
  /** Always stored lower-cased, which is what makes the unique index case-insensitive on both dialects. */
  email: string;
  display_name: string;
  password_hash: string;
  role: UserRole;
  disabled: BoolColumn;
  created_at: Timestamp;
  last_login_at: Timestamp | null;
}

export interface CustomerFactsTable {
  id: string;
  customer_id: string;
  key: string;
  value: string;
  source_message_id: string | null;
  confidence: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  expires_at: Timestamp | null;
}

export interface DB {
  conversations: ConversationsTable;
  messages: MessagesTable;
  tickets: TicketsTable;
  documents: DocumentsTable;
  users: UsersTable;
  customer_facts: CustomerFactsTable;
}

export type ConversationRow = Selectable<ConversationsTable>;
export type NewConversationRow = Insertable<ConversationsTable>;
export type ConversationUpdate = Updateable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;
export type TicketRow = Selectable<TicketsTable>;
export type NewTicketRow = Insertable<TicketsTable>;
export type DocumentRow = Selectable<DocumentsTable>;
export type NewDocumentRow = Insertable<DocumentsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type CustomerFactRow = Selectable<CustomerFactsTable>;
export type NewCustomerFactRow = Insertable<CustomerFactsTable>;
