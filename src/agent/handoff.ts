/**
 * Handing a conversation to humans: one open ticket per conversation (a second escalation while one is open
 * reuses it, so a customer is never handed off in a loop), carrying a short summary, the reasons and what is
 * known about the customer; the conversation waits for a human; the team is notified (webhook, e-mail) in the
 * background; the customer is told what happens next, with the time a human will reply when the team is off.
 * A member of the team may write to the customer through the ticket; resolving it hands the conversation back to
 * the agent.
 */
import { ConflictError, NotFoundError, SessionNotFoundError } from '../errors.js';
import type { SessionEvent } from '../sessions/events.js';
import { withSessionLock, type LockedSession } from '../sessions/locks.js';
import type { SessionStatus, SessionStore } from '../sessions/types.js';
import type { Conversation, Message, Repositories, Ticket, TicketPriority } from '../storage/index.js';
import type { EscalationDecision } from './escalation/policy.js';
import type { HandoffNotice } from './notify/types.js';
import { summarizeConversation } from './summary.js';
import type { KnownFact } from './types.js';

export interface TranscriptLine {
  role: string;
  content: string;
  at: string;
}

export interface HandoffRequest {
  sessionId: string;
  conversationId: string;
  customerId?: string;
  decision: EscalationDecision;
  /** The conversation so far, oldest first, the current customer message included. */
  transcript: readonly TranscriptLine[];
  facts: readonly KnownFact[];
}

export interface HandoffResult {
  ticket: Ticket;
  /** False when an open ticket already existed and was reused. */
  created: boolean;
  /** What the customer is told. */
  message: string;
}

export interface HandoffOptions {
  repositories: Pick<Repositories, 'tickets' | 'conversations' | 'messages'>;
  /** Fire-and-forget delivery to the team (NotificationDispatcher.dispatch). */
  notify: (notice: HandoffNotice) => void;
  /** The customer-facing message for a hand-off at `now` (business hours decide its wording). */
  message: (now: Date) => string;
  /** Messages of the transcript sent along with a notification. */
  transcriptInNotice?: number;
  /** Where the live session is: what the team does to a ticket happens under its lock and reaches its clients. */
  sessions: { store: SessionStore; lockTimeoutMs: number };
  logger?: { warn(object: object, message: string): void };
  now?: () => Date;
}

/** The states in which a conversation belongs to the humans and the agent stays silent. */
const WITH_HUMANS: ReadonlySet<SessionStatus> = new Set(['waiting_for_human', 'human']);
export const isWithHumans = (status: SessionStatus): boolean => WITH_HUMANS.has(status);

export const ALREADY_WITH_TEAM =
  'Your conversation is already with our support team; a member of the team will reply here. Anything you add now is passed on to them.';

/** Urgent words and strong feelings go to the front of the queue. */
export function priorityOf(decision: EscalationDecision): TicketPriority {
  const kinds = new Set(decision.reasons.map((reason) => reason.kind));
  if (decision.reasons.some((r) => r.kind === 'keyword' && /"(?:urgent|emergency|fraud|stolen)"/i.test(r.detail))) return 'urgent';
  if (decision.reasons.some((r) => r.kind === 'negative_sentiment' && r.weight >= 1) || kinds.has('repeated_failure')) return 'high';
  return 'normal';
}

export class Handoff {
  private readonly now: () => Date;

  constructor(private readonly options: HandoffOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async escalate(request: HandoffRequest): Promise<HandoffResult> {
    const { tickets, conversations } = this.options.repositories;
    const existing = await tickets.findActiveByConversation(request.conversationId);
    if (existing) return { ticket: existing, created: false, message: ALREADY_WITH_TEAM };

    const reasons = request.decision.reasons.map((reason) => reason.detail);
    const ticket = await tickets.create({
      conversationId: request.conversationId,
      summary: summarizeConversation(request.transcript),
      priority: priorityOf(request.decision),
      reasons,
      customerFacts: request.facts.map(({ key, value }) => ({ key, value })),
    });
    await conversations.updateStatus(request.conversationId, 'waiting_for_human');
    this.options.notify({
      event: 'ticket.created',
      deliveryId: crypto.randomUUID(),
      ticketId: ticket.id,
      conversationId: request.conversationId,
      sessionId: request.sessionId,
      customerId: request.customerId ?? null,
      priority: ticket.priority,
      reasons,
      summary: ticket.summary,
      customerFacts: ticket.customerFacts,
      transcript: request.transcript.slice(-(this.options.transcriptInNotice ?? 20)).map(({ role, content, at }) => ({ role, content, at })),
      createdAt: ticket.createdAt.toISOString(),
    });
    return { ticket, created: true, message: this.options.message(this.now()) };
  }

  /**
   * A member of the team writes to the customer: the message is stored in the transcript and the session's
   * window, the conversation is now with a human (the agent stays silent), and the customer's live connections
   * hear `agent_joined` (the first time) and the message. Throws NotFoundError for an unknown ticket and
   * ConflictError for a resolved one (the conversation is back with the agent).
   */
  async reply(ticketId: string, input: { content: string; author: string; authorId: string | null }): Promise<{ ticket: Ticket; message: Message }> {
    const { conversations, messages } = this.options.repositories;
    const done = await this.withOpenTicket(ticketId, async (ticket, conversation, locked) => {
      const metadata = { author: input.author, authorId: input.authorId };
      const message = await messages.append({ conversationId: conversation.id, role: 'agent', content: input.content, metadata });
      if (conversation.status !== 'human') await conversations.updateStatus(conversation.id, 'human');
      const joined = locked !== undefined && locked.session.status !== 'human';
      locked?.stage({ messages: [{ role: 'agent', content: input.content }], ...(joined ? { patch: { status: 'human' } } : {}) });
      return { ticket, message, joined, live: locked !== undefined, sessionId: conversation.sessionId };
    });
    if (done.live) {
      if (done.joined) await this.announce(done.sessionId, { type: 'agent_joined', author: input.author });
      await this.announce(done.sessionId, { type: 'agent_message', messageId: done.message.id, author: input.author });
    }
    return { ticket: done.ticket, message: done.message };
  }

  /**
   * The team has dealt with the conversation: the ticket is resolved, and the conversation and its live session
   * (when they still belong to the humans) become `resolved`, so the customer's next message goes to the agent
   * again and starts afresh (earlier failures no longer count; asking for a human opens a new ticket).
   * Throws NotFoundError for an unknown ticket and ConflictError for one already resolved.
   */
  async resolve(ticketId: string): Promise<Ticket> {
    const { tickets, conversations } = this.options.repositories;
    const done = await this.withOpenTicket(ticketId, async (ticket, conversation, locked) => {
      // The conversation before the ticket: if the second write fails, the ticket is still open and a retry
      // finishes the job (the other way round, a retry would find the ticket resolved and stop).
      if (WITH_HUMANS.has(conversation.status)) await conversations.updateStatus(conversation.id, 'resolved');
      const resolved = await tickets.resolve(ticket.id);
      const released = locked !== undefined && WITH_HUMANS.has(locked.session.status);
      if (released) locked.stage({ patch: { status: 'resolved' } });
      return { ticket: resolved, released, sessionId: conversation.sessionId };
    });
    if (done.released) await this.announce(done.sessionId, { type: 'resolved' });
    return done.ticket;
  }

  /**
   * Runs `work` on an open or claimed ticket while holding the lock of its conversation's live session (when there
   * is one: not ended, expired, or moved on to another conversation), so that no customer turn and no other
   * action of the team runs in between. The ticket and the conversation are read again once the lock is held.
   */
  private async withOpenTicket<T>(ticketId: string, work: (ticket: Ticket, conversation: Conversation, locked?: LockedSession) => Promise<T>): Promise<T> {
    const { tickets, conversations } = this.options.repositories;
    const found = await tickets.get(ticketId);
    if (!found) throw new NotFoundError(`Ticket ${ticketId} not found`);
    const conversation = await conversations.get(found.conversationId);
    if (!conversation) throw new NotFoundError(`The conversation of ticket ${ticketId} no longer exists`);
    const run = async (locked?: LockedSession) => {
      const ticket = await tickets.get(ticketId);
      if (!ticket) throw new NotFoundError(`Ticket ${ticketId} not found`);
      if (ticket.status === 'resolved') {
        throw new ConflictError(`Ticket ${ticketId} is resolved: the conversation is back with the agent`, { details: { ticketId, status: ticket.status } });
      }
      return work(ticket, (await conversations.get(conversation.id)) ?? conversation, locked);
    };
    const { store, lockTimeoutMs } = this.options.sessions;
    let done: { value: T } | undefined;
    try {
      await withSessionLock(
        store,
        conversation.sessionId,
        async (locked) => {
          if (locked.session.conversationId === conversation.id) done = { value: await run(locked) };
        },
        { waitMs: lockTimeoutMs },
      );
    } catch (error) {
      // No live session to lock (ended, expired), or it went while the work ran: the work is not done twice.
      if (!(error instanceof SessionNotFoundError)) throw error;
    }
    return done ? done.value : run();
  }

  /** Tells the customer's live connections; what they miss is in the transcript, so a failure is only logged. */
  private async announce(sessionId: string, event: SessionEvent): Promise<void> {
    try {
      await this.options.sessions.store.publish(sessionId, event);
    } catch (error) {
      this.options.logger?.warn({ err: error, sessionId, event: event.type }, 'could not announce a session event');
    }
  }
}
