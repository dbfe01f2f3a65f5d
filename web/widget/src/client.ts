/**
 * The widget's link to Frontline: a session kept for the tab (sessionStorage), its transcript, and one WebSocket
 * that sends the customer's messages and brings back the agent's streamed replies and the team's messages.
 *
 * A dropped connection comes back by itself (1 s, 2 s, 4 s … at most 15 s) and reads the transcript again, since
 * what happened while it was away was not sent to it; messages typed meanwhile wait and go out after that, in order.
 * A session the server no longer knows (close 4401) is replaced by a new one; a refused client (4403) stops.
 */

export interface Source {
  documentId: string;
  title: string;
  snippet: string;
}

export interface StoredMessage {
  id: string;
  role: 'customer' | 'assistant' | 'agent' | 'system' | 'tool';
  content: string;
  sources: Source[];
  author?: string;
}

/** What the server says on the socket (see the README's WebSocket row). */
export type ServerFrame =
  | { type: 'ready'; sessionId: string; status: string }
  | { type: 'typing'; id?: string }
  | { type: 'token'; delta: string; id?: string }
  | { type: 'reply'; id?: string; reply: string; sources: Source[]; escalated: boolean; outcome: string }
  | { type: 'agent_joined'; author: string }
  | ({ type: 'message' } & StoredMessage)
  | { type: 'resolved' }
  | { type: 'error'; code: string; message: string; id?: string }
  | { type: 'pong' };

export interface ClientOptions {
  server: string;
  customerId?: string;
  customerSignature?: string;
  onFrame: (frame: ServerFrame) => void;
  onStatus: (status: 'connecting' | 'online' | 'offline') => void;
  /** After a reconnection: the whole transcript again, and the messages typed meanwhile (about to be sent). */
  onResync: (messages: StoredMessage[], waiting: string[]) => void;
  /** The conversation cannot go on: `ended` (a new one was started) or `refused` (this browser may not use it). */
  onLost: (reason: 'ended' | 'refused') => void;
}

interface Credentials {
  sessionId: string;
  token: string;
}

interface Outgoing {
  id: string;
  message: string;
}

const MAX_BACKOFF_MS = 15_000;
/** Close codes: the token is no longer valid (the session ended or expired), or this client is not its owner. */
const UNAUTHORIZED = 4401;
const FORBIDDEN = 4403;

export class FrontlineClient {
  private socket: WebSocket | undefined;
  private credentials: Credentials | undefined;
  /** Typed but not yet sent (offline, or waiting for the transcript after a reconnection). */
  private outbox: Outgoing[] = [];
  private ready = false;
  private backoffMs = 1000;
  private closed = false;
  private nextId = 1;
  private connectedBefore = false;

  constructor(private readonly options: ClientOptions) {}

  private get storageKey(): string {
    return `frontline-chat:${this.options.server}`;
  }

  /** Resumes the tab's session (returning its transcript) or starts a new one, then connects. */
  async start(): Promise<StoredMessage[]> {
    let history: StoredMessage[] = [];
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const saved = this.load();
        const transcript = saved ? await this.transcript(saved) : undefined;
        if (saved && transcript) {
          this.credentials = saved;
          history = transcript;
        } else {
          await this.newSession();
        }
        break;
      } catch (error) {
        // The server cannot be reached: try again, keeping the tab's session (it may well still be there).
        if (attempt === 0) this.options.onStatus('offline');
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** attempt, MAX_BACKOFF_MS)));
      }
    }
    if (this.closed) return [];
    this.connect();
    return history;
  }

  /** Sends the message, or queues it while offline; returns the id its replies will carry. */
  send(message: string): string {
    const id = `m${this.nextId++}`;
    if (this.ready && this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'message', message, id }));
    else this.outbox.push({ id, message });
    return id;
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  /**
   * The conversation so far (its latest 200 messages); undefined when the server no longer knows the session.
   * Throws when the server cannot be reached, which is not the same thing.
   */
  private async transcript(credentials: Credentials): Promise<StoredMessage[] | undefined> {
    const response = await fetch(`${this.options.server}/api/sessions/${credentials.sessionId}/messages?limit=200`, {
      headers: { authorization: `Bearer ${credentials.token}` },
    });
    if (response.status === 401 || response.status === 404 || response.status === 403) return undefined;
    if (!response.ok) throw new Error(`the transcript could not be read (${response.status})`);
    return ((await response.json()) as { messages: StoredMessage[] }).messages;
  }

  private async newSession(): Promise<void> {
    const { customerId, customerSignature } = this.options;
    const response = await fetch(`${this.options.server}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'widget', ...(customerId ? { customerId, customerSignature } : {}) }),
    });
    if (!response.ok) throw new Error(`could not start a conversation (${response.status})`);
    const { sessionId, token } = (await response.json()) as Credentials;
    this.credentials = { sessionId, token };
    this.connectedBefore = false; // a new conversation has nothing to catch up on
    sessionStorage.setItem(this.storageKey, JSON.stringify(this.credentials));
  }

  private load(): Credentials | undefined {
    try {
      const value = JSON.parse(sessionStorage.getItem(this.storageKey) ?? 'null') as Credentials | null;
      return value?.sessionId && value.token ? value : undefined;
    } catch {
      return undefined;
    }
  }

  private connect(): void {
    if (this.closed || !this.credentials) return;
    this.options.onStatus('connecting');
    const socket = new WebSocket(`${this.options.server.replace(/^http/, 'ws')}/ws`);
    this.socket = socket;
    this.ready = false;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token: this.credentials!.token }));
    socket.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as ServerFrame;
      if (frame.type === 'ready') void this.becomeReady(socket);
      this.options.onFrame(frame);
    };
    socket.onclose = (event) => {
      this.ready = false;
      if (this.closed || socket !== this.socket) return;
      this.options.onStatus('offline');
      if (event.code === FORBIDDEN) return this.options.onLost('refused');
      if (event.code === UNAUTHORIZED) {
        // The session ended or expired: the next attempt starts a new one.
        sessionStorage.removeItem(this.storageKey);
        this.credentials = undefined;
        this.options.onLost('ended');
      }
      this.retry();
    };
  }

  /** After a reconnection, the transcript first (what was missed), then what the customer typed meanwhile. */
  private async becomeReady(socket: WebSocket): Promise<void> {
    this.backoffMs = 1000;
    if (this.connectedBefore) {
      const missed = await this.transcript(this.credentials!).catch(() => undefined);
      if (missed) this.options.onResync(missed, this.outbox.map((outgoing) => outgoing.message));
    }
    this.connectedBefore = true;
    if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) return; // dropped again meanwhile
    for (const { id, message } of this.outbox.splice(0)) socket.send(JSON.stringify({ type: 'message', message, id }));
    this.ready = true;
    this.options.onStatus('online');
  }

  /** Connects again after the back-off, starting a new session first when there is none. */
  private retry(): void {
    setTimeout(() => {
      if (this.closed) return;
      if (this.credentials) return this.connect();
      this.newSession().then(
        () => this.connect(),
        () => this.retry(),
      );
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}
