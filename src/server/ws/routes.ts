/**
 * WebSocket `/ws` (WEBSOCKET_ENABLED): the chat over one long-lived connection, for the widget.
 *
 * Authentication: browsers cannot set headers on a WebSocket, so the first frame is
 * `{ "type": "auth", "token": "<session token>" }` (the token names its session); a client that can set headers
 * may send `Authorization: Bearer <token>` on the upgrade instead. Until then nothing else is accepted, and a
 * connection that has not authenticated within the ping timeout is closed.
 *
 * Frames, JSON both ways (DESIGN.md section 2):
 *   client: { type: "message", message, id? }   { type: "typing" }   { type: "ping" }
 *   server: { type: "ready", sessionId, status }   { type: "typing" }   { type: "token", delta, id? }
 *           { type: "reply", id?, ...turn result }   { type: "error", code, message, id? }   { type: "pong" }
 *           and, from the team (tickets API, on any instance): { type: "agent_joined", author } when a human takes
 *           the conversation over, { type: "message", role: "agent", author, content, id, ... } for what they
 *           write, { type: "resolved" } when the conversation goes back to the agent.
 * Messages on one connection are answered in order; closing the connection cancels the turn in progress (its
 * partial reply is stored as such). WEBSOCKET_MAX_CONNECTIONS bounds connections per instance; a connection
 * that does not answer pings within WEBSOCKET_PING_TIMEOUT is dropped.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { MAX_MESSAGE_CHARS } from '../../agent/support-agent.js';
import { UnauthorizedError } from '../../errors.js';
import { authorizeSession } from '../../sessions/authorize.js';
import type { SessionEvent } from '../../sessions/events.js';
import type { Services } from '../services.js';
import { bearerToken, clientOf } from '../sessions/authenticate.js';
import { toApiMessage } from '../sessions/transcript.js';
import { toStreamError, toTurnResponse } from '../chat/turn-result.js';

/** Close codes in the private range, mirroring the HTTP statuses. */
export const WS_CLOSE = { unauthorized: 4401, forbidden: 4403, authTimeout: 4408, overloaded: 1013, goingAway: 1001 } as const;

/** Messages a client may queue on one connection before it is told to slow down. */
const MAX_QUEUED_MESSAGES = 5;

/**
 * RATE_LIMIT_REQUESTS messages per RATE_LIMIT_PERIOD on each connection: the HTTP rate limit sees only the
 * upgrade, and every message may cost a model call.
 */
class MessageBudget {
  private windowStart = Date.now();
  private used = 0;

  constructor(private readonly limit: { enabled: boolean; max: number; windowMs: number }) {}

  /** 0 when the message may go now, else the seconds until the window resets. */
  take(): number {
    if (!this.limit.enabled) return 0;
    const now = Date.now();
    if (now - this.windowStart >= this.limit.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.limit.max) return Math.ceil((this.windowStart + this.limit.windowMs - now) / 1000);
    this.used++;
    return 0;
  }
}
const MAX_FRAME_BYTES = 64 * 1024;

const clientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(512) }),
  z.object({ type: z.literal('message'), message: z.string().trim().min(1).max(MAX_MESSAGE_CHARS), id: z.string().max(64).optional() }),
  z.object({ type: z.literal('typing') }),
  z.object({ type: z.literal('ping') }),
]);
type ClientFrame = z.infer<typeof clientFrame>;

function send(socket: WebSocket, frame: Record<string, unknown>): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
}

function parseFrame(data: unknown): ClientFrame | string {
  let value: unknown;
  try {
    value = JSON.parse(String(data));
  } catch {
    return 'frames must be JSON';
  }
  const parsed = clientFrame.safeParse(value);
  return parsed.success ? parsed.data : `invalid frame: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`;
}

export async function wsRoutes(app: FastifyInstance, options: { services: Services }) {
  const { services } = options;
  const { settings } = services;
  let open = 0;
  services.metrics.addGauge('websocket_connections', 'Open WebSocket connections', () => open);

  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });

  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
    if (open >= settings.websocket.maxConnections) {
      socket.close(WS_CLOSE.overloaded, 'too many connections, try again later');
      return;
    }
    open++;
    new Connection(services, socket, request).start(() => open--);
  });
}

class Connection {
  private sessionId: string | undefined;
  private token: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly controller = new AbortController();
  private pingTimer: NodeJS.Timeout | undefined;
  /** Runs out WEBSOCKET_PING_TIMEOUT after a ping unless its pong arrives. */
  private pongTimer: NodeJS.Timeout | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  private readonly budget: MessageBudget;
  /** The check of the upgrade's Authorization header, while it runs. */
  private authenticating: Promise<void> | undefined;
  /** Stops relaying the session's events (set once authenticated). */
  private stopListening: (() => void) | undefined;
  /** Session events are relayed one after the other, in the order they came. */
  private relayed: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: Services,
    private readonly socket: WebSocket,
    private readonly request: FastifyRequest,
  ) {
    this.budget = new MessageBudget(services.settings.rateLimit);
  }

  start(onClose: () => void): void {
    const { websocket } = this.services.settings;
    this.socket.on('close', () => {
      clearInterval(this.pingTimer);
      clearTimeout(this.pongTimer);
      clearTimeout(this.authTimer);
      this.controller.abort(new Error('the client disconnected'));
      this.stopListening?.();
      onClose();
    });
    this.socket.on('pong', () => {
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    });
    this.socket.on('message', (data) => this.onFrame(data));
    this.pingTimer = setInterval(() => this.ping(), websocket.pingIntervalMs);
    this.pingTimer.unref();

    const headerToken = bearerToken(this.request);
    if (headerToken) this.authenticating = this.authenticate(headerToken).finally(() => (this.authenticating = undefined));
    else {
      this.authTimer = setTimeout(() => this.socket.close(WS_CLOSE.authTimeout, 'authenticate first'), websocket.pingTimeoutMs);
      this.authTimer.unref();
    }
  }

  /** Every WEBSOCKET_PING_INTERVAL: ping, and drop the connection if no pong comes within WEBSOCKET_PING_TIMEOUT. */
  private ping(): void {
    // An unanswered earlier ping keeps its deadline: a later ping does not extend it.
    if (this.pongTimer === undefined) {
      this.pongTimer = setTimeout(() => this.socket.terminate(), this.services.settings.websocket.pingTimeoutMs);
      this.pongTimer.unref();
    }
    this.socket.ping();
  }

  private async authenticate(token: string): Promise<void> {
    const sessionId = this.services.tokens.sessionIdOf(token);
    try {
      if (!sessionId) throw new UnauthorizedError('Invalid session token');
      const session = await authorizeSession(this.services, sessionId, token, clientOf(this.request));
      // Closed while the check ran: nothing to listen for (a listener now would outlive the socket).
      if (this.controller.signal.aborted) return;
      clearTimeout(this.authTimer);
      this.sessionId = sessionId;
      this.token = token;
      this.stopListening = this.services.sessionStore.subscribe(sessionId, (event) => {
        this.relayed = this.relayed.then(() => this.relay(event));
      });
      // The status tells a client that reconnects whether a human has the conversation now.
      send(this.socket, { type: 'ready', sessionId, status: session.status });
    } catch (error) {
      const described = toStreamError(error, this.request.id, this.request.log);
      send(this.socket, { type: 'error', ...described });
      this.socket.close(described.code === 'SESSION_FINGERPRINT_MISMATCH' ? WS_CLOSE.forbidden : WS_CLOSE.unauthorized, described.code);
    }
  }

  /** What the team does reaches the customer at once; a message's text is read from the transcript. */
  private async relay(event: SessionEvent): Promise<void> {
    if (event.type === 'agent_joined') return send(this.socket, { type: 'agent_joined', author: event.author });
    if (event.type === 'resolved') return send(this.socket, { type: 'resolved' });
    try {
      const message = await this.services.repositories.messages.get(event.messageId);
      if (message) send(this.socket, { type: 'message', ...toApiMessage(message) });
    } catch (error) {
      // The customer reads it in the transcript once the database answers again.
      this.request.log.warn({ err: error, messageId: event.messageId }, 'could not relay a message from the team');
    }
  }

  private onFrame(data: unknown): void {
    // Frames sent right after the upgrade wait for its Authorization header to be checked.
    if (this.authenticating) {
      void this.authenticating.then(() => this.onFrame(data));
      return;
    }
    const frame = parseFrame(data);
    if (typeof frame === 'string') {
      send(this.socket, { type: 'error', code: 'VALIDATION_ERROR', message: frame, requestId: this.request.id });
      return;
    }
    if (frame.type === 'ping') return send(this.socket, { type: 'pong' });
    if (frame.type === 'auth') {
      // Frames after it (a second auth among them) wait for this one to be checked.
      if (!this.sessionId) this.authenticating = this.authenticate(frame.token).finally(() => (this.authenticating = undefined));
      return;
    }
    if (!this.sessionId) {
      send(this.socket, { type: 'error', code: 'UNAUTHORIZED', message: 'send {"type":"auth","token":...} first', requestId: this.request.id });
      return;
    }
    if (frame.type === 'typing') return; // shown to a human agent once the console listens
    const retryAfter = this.budget.take();
    if (retryAfter > 0) {
      send(this.socket, { type: 'error', code: 'RATE_LIMITED', message: `too many messages; try again in ${retryAfter} s`, retryAfter, id: frame.id, requestId: this.request.id });
      return;
    }
    if (this.queued >= MAX_QUEUED_MESSAGES) {
      send(this.socket, { type: 'error', code: 'RATE_LIMITED', message: 'too many messages waiting; wait for the replies', id: frame.id, requestId: this.request.id });
      return;
    }
    this.queued++;
    this.queue = this.queue.then(() => this.answer(frame.message, frame.id)).finally(() => this.queued--);
  }

  private async answer(message: string, id: string | undefined): Promise<void> {
    if (this.controller.signal.aborted) return;
    const tag = id === undefined ? {} : { id };
    try {
      const result = await this.services.agent.turn({
        sessionId: this.sessionId!,
        token: this.token,
        client: clientOf(this.request),
        message,
        channel: 'ws',
        signal: this.controller.signal,
        onEvent: (event) => send(this.socket, event.type === 'token' ? { type: 'token', delta: event.delta, ...tag } : { type: 'typing', ...tag }),
      });
      send(this.socket, { type: 'reply', ...tag, ...toTurnResponse(result) });
    } catch (error) {
      send(this.socket, { type: 'error', ...tag, ...toStreamError(error, this.request.id, this.request.log) });
    }
  }
}
