/**
 * Telling the team about a hand-off. One interface, two implementations (webhook.ts, email.ts), one conformance
 * suite (test/agent/notify/notifier.suite.ts). NotificationDispatcher (dispatcher.ts) retries them in the background.
 */

/** What the team is told when a conversation is handed to humans; the webhook's JSON body is exactly this. */
export interface HandoffNotice {
  event: 'ticket.created';
  /** uuid, the same across retries (receivers dedupe on it). */
  deliveryId: string;
  ticketId: string;
  conversationId: string;
  sessionId: string;
  customerId: string | null;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  reasons: string[];
  summary: string;
  customerFacts: { key: string; value: string }[];
  /** Last messages, oldest first. */
  transcript: { role: string; content: string; at: string }[];
  /** ISO 8601. */
  createdAt: string;
}

/**
 * One way of telling the team. `deliver` resolves once the notice was accepted; a failure throws a
 * NotificationError (errors.ts) whose `retryable` says whether trying again later may help.
 */
export interface Notifier {
  readonly name: string;
  deliver(notice: HandoffNotice, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface DispatcherStats {
  delivered: number;
  /** Given up: non-retryable failures, attempts exhausted, dropped when full or closed, cancelled at shutdown. */
  failed: number;
  /** Retries scheduled. */
  retried: number;
  /** Deliveries (one per notice and notifier) in flight or waiting to retry. */
  pending: number;
}
