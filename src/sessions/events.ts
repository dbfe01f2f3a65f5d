/**
 * Live events of a session for the clients connected to it, on whichever instance they are: a human joined the
 * conversation, wrote in it, or resolved it. The memory store delivers them in process; the Redis store over
 * one pub/sub channel. Events carry no message text (it would cross Redis unencrypted): a listener that needs
 * the text reads it where it is stored.
 */

export type SessionEvent =
  | { type: 'agent_joined'; author: string }
  | { type: 'agent_message'; messageId: string; author: string }
  | { type: 'resolved' };

export type SessionEventListener = (event: SessionEvent) => void;

/** Rebuilt field by field, so nothing but these fields travels on: undefined for anything else. */
function toEvent(value: Record<string, unknown>): SessionEvent | undefined {
  const { type, author, messageId } = value;
  if (type === 'resolved') return { type };
  if (typeof author !== 'string') return undefined;
  if (type === 'agent_joined') return { type, author };
  if (type === 'agent_message' && typeof messageId === 'string') return { type, messageId, author };
  return undefined;
}

/** An event as published, or undefined for anything else on the channel (another version, a stray message). */
export function parseSessionEvent(raw: string): { sessionId: string; event: SessionEvent } | undefined {
  try {
    const value = JSON.parse(raw) as { sessionId?: unknown; event?: unknown };
    const event = value.event && typeof value.event === 'object' ? toEvent(value.event as Record<string, unknown>) : undefined;
    return typeof value.sessionId === 'string' && event ? { sessionId: value.sessionId, event } : undefined;
  } catch {
    return undefined;
  }
}

/** This instance's listeners, by session. Each is a live connection, so their number is bounded by those. */
export class SessionListeners {
  private readonly bySession = new Map<string, Set<SessionEventListener>>();

  add(sessionId: string, listener: SessionEventListener): () => void {
    let set = this.bySession.get(sessionId);
    if (!set) this.bySession.set(sessionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.bySession.get(sessionId) === set) this.bySession.delete(sessionId);
    };
  }

  /** Calls each listener of the session; one that throws does not keep the event from the others. */
  deliver(sessionId: string, event: SessionEvent): void {
    for (const listener of [...(this.bySession.get(sessionId) ?? [])]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own (a closed socket); the rest still hear the event.
      }
    }
  }

  clear(): void {
    this.bySession.clear();
  }
}
