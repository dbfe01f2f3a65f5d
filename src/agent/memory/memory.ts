/**
 * Customer memory: facts extracted from what a customer writes (extract.ts), kept per subject, recalled in
 * later sessions of the same customer, expired by MEMORY_TTL_HOURS after they were last learned, bounded to
 * MEMORY_MAX_ENTRIES per subject (the least recently learned go first), and erasable on request.
 *
 * A subject is the verified customer id of a session, or `session:<sessionId>` for an anonymous session, whose
 * facts then serve that session alone: an unverified claim must never reach another customer's memory.
 */
import type { CustomerFact, CustomerFactRepository } from '../../storage/index.js';
import { extractFacts } from './extract.js';

export interface MemorySettings {
  enabled: boolean;
  /** Facts kept per subject (MEMORY_MAX_ENTRIES). */
  maxEntries: number;
  /** A fact expires this long after it was last learned (MEMORY_TTL_HOURS). */
  ttlHours: number;
  /** Facts not updated for this many days are deleted by `cleanup`, even those without an expiry (MEMORY_CLEANUP_DAYS). */
  cleanupDays: number;
}

type FactStore = Pick<
  CustomerFactRepository,
  'upsert' | 'listForCustomer' | 'delete' | 'deleteForCustomer' | 'deleteExpired' | 'trimForCustomer' | 'deleteNotUpdatedSince'
>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** At or above this, a statement may replace a different value; below it ("I'm Ana"), only a weaker one. */
const FIRM_CONFIDENCE = 0.8;
export const MAX_SUBJECT_LENGTH = 200;
export const SESSION_SUBJECT_PREFIX = 'session:';

function validateSettings(settings: MemorySettings): void {
  const problems: string[] = [];
  if (!Number.isInteger(settings.maxEntries) || settings.maxEntries < 1) problems.push(`maxEntries must be a whole number >= 1 (got ${settings.maxEntries})`);
  if (!(settings.ttlHours > 0) || !Number.isFinite(settings.ttlHours)) problems.push(`ttlHours must be > 0 (got ${settings.ttlHours})`);
  if (!(settings.cleanupDays > 0) || !Number.isFinite(settings.cleanupDays)) problems.push(`cleanupDays must be > 0 (got ${settings.cleanupDays})`);
  if (problems.length > 0) throw new RangeError(`Invalid customer memory settings: ${problems.join('; ')}`);
}

function checkSubject(subject: string): void {
  if (subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) {
    throw new RangeError(`A memory subject must be 1..${MAX_SUBJECT_LENGTH} characters (got ${subject.length})`);
  }
}

export class CustomerMemory {
  private readonly settings: Readonly<MemorySettings>;

  constructor(
    private readonly repository: FactStore,
    settings: MemorySettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    validateSettings(settings);
    this.settings = Object.freeze({ ...settings });
  }

  /** The verified customer id when the session has one, else `session:<sessionId>` (that session only). */
  static subjectFor(session: { id: string; customerId?: string | null }): string {
    return session.customerId ? session.customerId : `${SESSION_SUBJECT_PREFIX}${session.id}`;
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /**
   * Extracts facts from `text` and stores them, each expiring MEMORY_TTL_HOURS from now. Returns the facts
   * stored ([] when memory is off or nothing was found). A weak inference does not overwrite a different value
   * stated more firmly ("my name is Bo" then "I'm Ana" keeps Bo); restating a value refreshes its expiry.
   */
  async learn(subject: string, text: string, options: { sourceMessageId?: string } = {}): Promise<CustomerFact[]> {
    if (!this.settings.enabled) return [];
    checkSubject(subject);
    // More than the subject may hold would evict facts of this very message: keep the first ones said.
    const extracted = extractFacts(text).slice(0, this.settings.maxEntries);
    if (extracted.length === 0) return [];
    const now = this.now();
    const known = new Map((await this.repository.listForCustomer(subject, { now })).map((fact) => [fact.key, fact]));
    const expiresAt = new Date(now.getTime() + this.settings.ttlHours * HOUR_MS);
    const stored: CustomerFact[] = [];
    for (const fact of extracted) {
      const previous = known.get(fact.key);
      const sameValue = previous?.value === fact.value;
      if (previous && !sameValue && fact.confidence < FIRM_CONFIDENCE && fact.confidence < previous.confidence) continue;
      stored.push(
        await this.repository.upsert({
          customerId: subject,
          key: fact.key,
          value: fact.value,
          confidence: previous && sameValue ? Math.max(fact.confidence, previous.confidence) : fact.confidence,
          sourceMessageId: options.sourceMessageId ?? null,
          expiresAt,
        }),
      );
    }
    if (stored.length > 0) await this.repository.trimForCustomer(subject, this.settings.maxEntries);
    return stored;
  }

  /** What the agent may use: unexpired facts, most recently learned first, at most MEMORY_MAX_ENTRIES; [] when off. */
  async recall(subject: string): Promise<CustomerFact[]> {
    if (!this.settings.enabled) return [];
    checkSubject(subject);
    return this.repository.listForCustomer(subject, { limit: this.settings.maxEntries, now: this.now() });
  }

  /**
   * What is stored about a subject, for the customer or an admin to see, whether or not memory is on now
   * (facts learned before it was turned off stay visible until they expire or are erased).
   */
  async list(subject: string): Promise<CustomerFact[]> {
    checkSubject(subject);
    return this.repository.listForCustomer(subject, { now: this.now() });
  }

  /** Forgets one fact, or all of a subject's facts without `key`. Works when memory is off (erasure always does). */
  async forget(subject: string, key?: string): Promise<number> {
    checkSubject(subject);
    if (key === undefined) return this.repository.deleteForCustomer(subject);
    return (await this.repository.delete(subject, key)) ? 1 : 0;
  }

  /** The periodic cleanup: facts past their expiry, and facts not updated for MEMORY_CLEANUP_DAYS. */
  async cleanup(): Promise<number> {
    const now = this.now();
    const expired = await this.repository.deleteExpired(now);
    const stale = await this.repository.deleteNotUpdatedSince(new Date(now.getTime() - this.settings.cleanupDays * DAY_MS));
    return expired + stale;
  }
}
