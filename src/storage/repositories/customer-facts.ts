/**
 * Customer memory: what the agent learned about a customer ("plan" = "premium"), one value per key, optionally
 * expiring. Expired facts are invisible at once and removed later by `deleteExpired` (a periodic task).
 */
import {
  fromOptionalTimestamp,
  fromTimestamp,
  isForeignKeyViolation,
  pageSize,
  toOptionalTimestamp,
  toTimestamp,
} from '../columns.js';
import { ValidationError } from '../../errors.js';
import type { CustomerFactRow } from '../schema.js';
import { newId, type RepositoryContext } from './context.js';

export interface CustomerFact {
  id: string;
  customerId: string;
  key: string;
  value: string;
  /** The message the fact was learned from; null when unknown or that message has since been deleted. */
  sourceMessageId: string | null;
  /** 0..1: how sure the extractor was. */
  confidence: number;
  /** When the key was first learned (kept across updates of its value). */
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
}

export interface FactInput {
  customerId: string;
  key: string;
  value: string;
  sourceMessageId?: string | null;
  confidence?: number;
  /** Null or absent: never expires. */
  expiresAt?: Date | null;
}

/** A customer's memory is bounded (MEMORY_MAX_ENTRIES defaults to 100). */
export const MAX_FACTS_PER_READ = 1000;

export function toCustomerFact(row: CustomerFactRow): CustomerFact {
  return {
    id: row.id,
    customerId: row.customer_id,
    key: row.key,
    value: row.value,
    sourceMessageId: row.source_message_id,
    confidence: Number(row.confidence),
    createdAt: fromTimestamp(row.created_at),
    updatedAt: fromTimestamp(row.updated_at),
    expiresAt: fromOptionalTimestamp(row.expires_at),
  };
}

export function createCustomerFactRepository({ db, now }: RepositoryContext) {
  return {
    /** Inserts the fact, or replaces the value (and source, confidence, expiry) of the same customer's key. */
    async upsert(input: FactInput): Promise<CustomerFact> {
      const confidence = input.confidence ?? 1;
      if (!(confidence >= 0 && confidence <= 1)) throw new ValidationError(`Fact confidence must be within 0..1, got ${confidence}`);
      const at = toTimestamp(now());
      const changes = {
        value: input.value,
        source_message_id: input.sourceMessageId ?? null,
        confidence,
        updated_at: at,
        expires_at: toOptionalTimestamp(input.expiresAt),
      };
      try {
        const row = await db
          .insertInto('customer_facts')
          .values({ id: newId(), customer_id: input.customerId, key: input.key, created_at: at, ...changes })
          .onConflict((oc) => oc.columns(['customer_id', 'key']).doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow();
        return toCustomerFact(row);
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new ValidationError(`Source message ${input.sourceMessageId} does not exist`, { cause: error });
        }
        throw error;
      }
    },

    /** The customer's unexpired facts, most recently updated first. */
    async listForCustomer(customerId: string, options: { limit?: number; now?: Date } = {}): Promise<CustomerFact[]> {
      const at = toTimestamp(options.now ?? now());
      const rows = await db
        .selectFrom('customer_facts')
        .selectAll()
        .where('customer_id', '=', customerId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
        .orderBy('updated_at', 'desc')
        .orderBy('key', 'asc')
        .limit(pageSize(options.limit ?? MAX_FACTS_PER_READ, MAX_FACTS_PER_READ))
        .execute();
      return rows.map(toCustomerFact);
    },

    /** Forgets one fact; false when there was none. */
    async delete(customerId: string, key: string): Promise<boolean> {
      const result = await db
        .deleteFrom('customer_facts')
        .where('customer_id', '=', customerId)
        .where('key', '=', key)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** Forgets everything about a customer (erasure request). Returns how many facts were removed. */
    async deleteForCustomer(customerId: string): Promise<number> {
      const result = await db.deleteFrom('customer_facts').where('customer_id', '=', customerId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /**
     * Keeps the customer's `keep` most recently updated facts (the order `listForCustomer` reads them in) and
     * deletes the rest, expired or not: how MEMORY_MAX_ENTRIES evicts. Returns how many were removed.
     */
    async trimForCustomer(customerId: string, keep: number): Promise<number> {
      if (!Number.isInteger(keep) || keep < 0) throw new ValidationError(`Facts to keep must be a whole number >= 0, got ${keep}`);
      const kept = db
        .selectFrom('customer_facts')
        .select('id')
        .where('customer_id', '=', customerId)
        .orderBy('updated_at', 'desc')
        .orderBy('key', 'asc')
        .limit(keep);
      const result = await db
        .deleteFrom('customer_facts')
        .where('customer_id', '=', customerId)
        .where('id', 'not in', kept)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Removes every fact (of any customer) last updated before `cutoff`, expiring or not. Returns how many. */
    async deleteNotUpdatedSince(cutoff: Date): Promise<number> {
      const result = await db.deleteFrom('customer_facts').where('updated_at', '<', toTimestamp(cutoff)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    /** Removes facts whose expiry is at or before `at`. Returns how many were removed. */
    async deleteExpired(at: Date = now()): Promise<number> {
      const result = await db
        .deleteFrom('customer_facts')
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', toTimestamp(at))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type CustomerFactRepository = ReturnType<typeof createCustomerFactRepository>;
