import { useState, type FormEvent } from 'react';
import { api, post, type Ticket, type TicketDetail, type User } from './api';
import { usePolling } from './usePolling';

const QUEUE_EVERY_MS = 5000;
const CONVERSATION_EVERY_MS = 2000;

/** The queue on the left, the chosen conversation on the right: read it, take it, answer, resolve. */
export function Tickets({ user }: { user: User }) {
  const [selected, setSelected] = useState<string>();
  const [mine, setMine] = useState(false);
  const queue = usePolling(
    () => api<{ tickets: Ticket[] }>(`/tickets?limit=100${mine ? '&assignee=me' : ''}`).then((page) => page.tickets),
    QUEUE_EVERY_MS,
    `queue:${mine}`,
  );
  return (
    <div className="tickets">
      <aside>
        <label className="mine">
          <input type="checkbox" checked={mine} onChange={(event) => setMine(event.target.checked)} /> Mine only
        </label>
        {queue.error && <p className="error">{queue.error}</p>}
        {queue.value?.length === 0 && <p className="empty">Nobody is waiting.</p>}
        <ul>
          {queue.value?.map((ticket) => (
            <li key={ticket.id} className={ticket.id === selected ? 'selected' : ''}>
              <button onClick={() => setSelected(ticket.id)}>
                <span className={`priority ${ticket.priority}`}>{ticket.priority}</span> {ticket.summary.split('\n')[0]}
                <small>
                  {ticket.status} · {new Date(ticket.createdAt).toLocaleString()}
                </small>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      {selected ? <Conversation key={selected} ticketId={selected} user={user} onChange={queue.reload} /> : <p className="empty">Choose a conversation.</p>}
    </div>
  );
}

function Conversation({ ticketId, user, onChange }: { ticketId: string; user: User; onChange: () => void }) {
  const detail = usePolling(() => api<TicketDetail>(`/tickets/${ticketId}`), CONVERSATION_EVERY_MS, ticketId);
  const [error, setError] = useState<string>();
  /** One action at a time: a double click sends one reply, not two. */
  const [busy, setBusy] = useState(false);
  const ticket = detail.value;

  async function act(action: () => Promise<unknown>) {
    if (busy) return;
    setBusy(true);
    try {
      await action();
      setError(undefined);
      detail.reload();
      onChange();
    } catch (failed) {
      setError((failed as Error).message);
    } finally {
      setBusy(false);
    }
  }

  function reply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const content = String(new FormData(form).get('content') ?? '').trim();
    if (content) void act(() => post(`/tickets/${ticketId}/messages`, { content }).then(() => form.reset()));
  }

  if (!ticket) return <section className="conversation">{detail.error ?? 'Loading…'}</section>;
  const open = ticket.status !== 'resolved';
  return (
    <section className="conversation">
      <header>
        <h2>{ticket.conversation?.title ?? 'Conversation'}</h2>
        <p>
          {ticket.status}
          {ticket.assigneeId === user.id ? ' · yours' : ''} · {ticket.reasons.join('; ')}
        </p>
        {ticket.customerFacts.length > 0 && (
          <dl className="facts">
            {ticket.customerFacts.map((fact) => (
              <div key={fact.key}>
                <dt>{fact.key}</dt>
                <dd>{fact.value}</dd>
              </div>
            ))}
          </dl>
        )}
        <div className="actions">
          {ticket.status === 'open' && (
            <button disabled={busy} onClick={() => void act(() => post(`/tickets/${ticketId}/claim`))}>
              Take it
            </button>
          )}
          {open && (
            <button disabled={busy} onClick={() => void act(() => post(`/tickets/${ticketId}/resolve`))}>
              Resolve
            </button>
          )}
        </div>
      </header>
      <ol className="transcript">
        {ticket.messages.map((message) => (
          <li key={message.id} className={message.role}>
            <span className="who">{message.role === 'customer' ? 'Customer' : message.role === 'agent' ? (message.author ?? 'Team') : 'Assistant'}</span>
            {message.content}
          </li>
        ))}
      </ol>
      {error && <p className="error" role="alert">{error}</p>}
      {open && (
        <form className="reply" onSubmit={reply}>
          <textarea name="content" aria-label="Your reply" placeholder={`Reply as ${user.displayName}…`} required />
          <button disabled={busy}>Send</button>
        </form>
      )}
    </section>
  );
}
