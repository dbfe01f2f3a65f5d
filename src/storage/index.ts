/**
 * The storage layer's public face: open a database, migrate it, and get one repository per aggregate. Callers
 * work with domain objects (camelCase, Date, parsed JSON, real booleans); row types stay inside storage.
 */
import type { DatabaseHandle } from './database.js';
import type { RepositoryContext } from './repositories/context.js';
import { createConversationRepository } from './repositories/conversations.js';
import { createCustomerFactRepository } from './repositories/customer-facts.js';
import { createDocumentRepository } from './repositories/documents.js';
import { createMessageRepository } from './repositories/messages.js';
import { createTicketRepository } from './repositories/tickets.js';
import { createUserRepository } from './repositories/users.js';

export interface RepositoryOptions {
  /** The clock that stamps created_at/updated_at and judges expiry (tests pass a fake one). */
  now?: () => Date;
}

/**
 * Pass `{ db: trx }` from `handle.db.transaction().execute(async (trx) => ...)` to get repositories whose writes
 * share one transaction (e.g. a ticket created with its conversation's status change).
 */
export function createRepositories(handle: Pick<DatabaseHandle, 'db'>, options: RepositoryOptions = {}) {
  const context: RepositoryContext = { db: handle.db, now: options.now ?? (() => new Date()) };
  return {
    conversations: createConversationRepository(context),
    messages: createMessageRepository(context),
    tickets: createTicketRepository(context),
    documents: createDocumentRepository(context),
    users: createUserRepository(context),
    customerFacts: createCustomerFactRepository(context),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

export {
  openDatabase,
  describePostgres,
  type DatabaseHandle,
  type Dialect,
  type OpenDatabaseOptions,
  type PostgresHandle,
  type SqliteHandle,
} from './database.js';
export { migrateToLatest, migrationStatus, MigrationError } from './migrate.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Direction, type Page, type PageRequest } from './columns.js';
export type { DB } from './schema.js';
export {
  CONVERSATION_STATUSES,
  DOCUMENT_STATUSES,
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  USER_ROLES,
} from './schema.js';
export type { Conversation, ConversationListQuery, ConversationPatch, ConversationRepository, ConversationStatus, NewConversation } from './repositories/conversations.js';
export type { Message, MessagePatch, MessageRepository, MessageRole, MessageSource, MessageStatus, NewMessage } from './repositories/messages.js';
export type { NewTicket, Ticket, TicketFact, TicketListQuery, TicketPriority, TicketRepository, TicketStatus } from './repositories/tickets.js';
export type {
  DocumentListQuery,
  DocumentPatch,
  DocumentRepository,
  DocumentStatus,
  DocumentStatusUpdate,
  KnowledgeDocument,
  NewDocument,
} from './repositories/documents.js';
export type { NewUser, User, UserListQuery, UserPatch, UserRepository, UserRole } from './repositories/users.js';
export { normalizeEmail } from './repositories/users.js';
export type { CustomerFact, CustomerFactRepository, FactInput } from './repositories/customer-facts.js';
