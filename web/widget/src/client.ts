/**
 * The widget's link to Frontline: a session kept for the tab (sessionStorage), its transcript, and one WebSocket
 * that sends the customer's messages and brings back the agent's streamed replies and the team's messages. A
 * dropped connection comes back by itself (1 s, 2 s, 4 s … at most 15 s) and reads the transcript again, since what
 * happened while it was away was not sent to it; a session the server no longer knows is replaced by a new one.
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
  | { type: 'ready'; sessionId: string }
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
  /** The whole transcript again, after a reconnection. */
  onResync: (messages: StoredMessage[]) => void;
}

interface Credentials {
  sessionId: string;
  token: string;
}

const MAX_BACKOFF_MS = 15_000;
/** Close code of a token the server refuses (the session ended or expired). */
const UNAUTHORIZED = 4401;

export class FrontlineClient {
  private socket: WebSocket | undefined;
  private credentials: Credentials | undefined;
  private outbox: string[] = [];
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
    const saved = this.load();
    let history: StoredMessage[] = [];
    if (saved) {
      const transcript = await this.transcript(saved);
      if (transcript) {
        this.credentials = saved;
        history = transcript;
      }
    }
    if (!this.credentials) await this.newSession();
    this.connect();
    return history;
  }

  /** Queues the message until the socket is ready; returns the id its replies will carry. */
  send(message: string): string {
    const id = `m${this.nextId++}`;
    const frame = JSON.stringify({ type: 'message', message, id });
    if (this.ready && this.socket?.readyState === WebSocket.OPEN) this.socket.send(frame);
    else this.outbox.push(frame);
    return id;
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  /** The conversation so far (its latest 200 messages), or undefined when the session is gone or unreachable. */
  private async transcript(credentials: Credentials): Promise<StoredMessage[] | undefined> {
    const response = await fetch(`${this.options.server}/api/sessions/${credentials.sessionId}/messages?limit=200`, {
      headers: { authorization: `Bearer ${credentials.token}` },
    }).catch(() => undefined);
    return response?.ok ? ((await response.json()) as { messages: StoredMessage[] }).messages : undefined;
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
      if (frame.type === 'ready') {
        this.ready = true;
        this.backoffMs = 1000;
        this.options.onStatus('online');
        // Back after a drop: the transcript first (what was missed), then what the customer wrote meanwhile.
        const missed = this.connectedBefore ? this.transcript(this.credentials!) : Promise.resolve(undefined);
        this.connectedBefore = true;
        void missed.then((messages) => {
          if (messages) this.options.onResync(messages);
          for (const queued of this.outbox.splice(0)) socket.send(queued);
        });
      }
      this.options.onFrame(frame);
    };
    socket.onclose = (event) => {
      this.ready = false;
      if (this.closed) return;
      this.options.onStatus('offline');
      if (event.code === UNAUTHORIZED) {
        // The session ended or expired: the next attempt starts a new one.
        sessionStorage.removeItem(this.storageKey);
        this.credentials = undefined;
      }
      this.retry();
    };
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
