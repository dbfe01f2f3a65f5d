/**
 * The initial schema: conversations and their messages, tickets (hand-over to humans), knowledge documents,
 * console users and customer facts. Written once for both dialects; see column-types.ts for the type choices.
 */
import type { PortableMigration } from './column-types.js';

export const initial: PortableMigration = {
  async up(db, t) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // Stored lower-cased by the repository, so this plain unique index is case-insensitive on both dialects.
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('disabled', t.bool, (c) => c.notNull().defaultTo(t.false))
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('last_login_at', t.timestamp)
      .execute();

    await db.schema
      .createTable('conversations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('title', 'text')
      .addColumn('metadata', t.json, (c) => c.notNull().defaultTo('{}'))
      .addColumn('last_sequence', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addColumn('closed_at', t.timestamp)
      .execute();
    await db.schema.createIndex('conversations_customer_id_idx').on('conversations').column('customer_id').execute();
    await db.schema.createIndex('conversations_status_idx').on('conversations').column('status').execute();
    await db.schema.createIndex('conversations_session_id_idx').on('conversations').column('session_id').execute();
    await db.schema.createIndex('conversations_created_idx').on('conversations').columns(['created_at', 'id']).execute();

    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('sources', t.json, (c) => c.notNull().defaultTo('[]'))
      .addColumn('confidence', t.float)
      .addColumn('metadata', t.json, (c) => c.notNull().defaultTo('{}'))
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('complete'))
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('sequence', 'integer', (c) => c.notNull())
      // Also the index that serves "messages of a conversation in order".
      .addUniqueConstraint('messages_conversation_sequence_key', ['conversation_id', 'sequence'])
      .execute();

    await db.schema
      .createTable('tickets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('reasons', t.json, (c) => c.notNull().defaultTo('[]'))
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('assignee_id', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('customer_facts', t.json, (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addColumn('resolved_at', t.timestamp)
      .execute();
    await db.schema.createIndex('tickets_status_created_idx').on('tickets').columns(['status', 'created_at', 'id']).execute();
    await db.schema.createIndex('tickets_conversation_id_idx').on('tickets').column('conversation_id').execute();
    await db.schema.createIndex('tickets_assignee_id_idx').on('tickets').column('assignee_id').execute();

    await db.schema
      .createTable('documents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('mime_type', 'text', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull().unique())
      .addColumn('size_bytes', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('chunk_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('metadata', t.json, (c) => c.notNull().defaultTo('{}'))
      .addColumn('is_sample', t.bool, (c) => c.notNull().defaultTo(t.false))
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('documents_created_idx').on('documents').columns(['created_at', 'id']).execute();

    await db.schema
      .createTable('customer_facts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      // Facts outlive the conversation they came from (memory is per customer), so the link just goes null.
      .addColumn('source_message_id', 'text', (c) => c.references('messages.id').onDelete('set null'))
      .addColumn('confidence', t.float, (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addColumn('expires_at', t.timestamp)
      .addUniqueConstraint('customer_facts_customer_key_key', ['customer_id', 'key'])
      .execute();
    await db.schema.createIndex('customer_facts_expires_at_idx').on('customer_facts').column('expires_at').execute();
    await db.schema.createIndex('customer_facts_source_message_id_idx').on('customer_facts').column('source_message_id').execute();
  },

  async down(db) {
    for (const table of ['customer_facts', 'documents', 'tickets', 'messages', 'conversations', 'users']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
