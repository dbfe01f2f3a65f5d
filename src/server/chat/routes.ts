/**
 * `POST /api/sessions/:id/messages`: one customer message, one turn of the agent. JSON by default; with
 * `Accept: text/event-stream` the reply streams as Server-Sent Events:
 *   event: typing   data: {}
 *   event: token    data: {"delta": "..."}          (repeated)
 *   event: reply    data: <the same JSON as the non-streamed response>   (last; authoritative)
 *   event: error    data: {"code", "message", "requestId"}              (instead of reply, on failure)
 * Errors found before anything is streamed (bad token, bad body, busy session) are plain HTTP errors.
 * A client that goes away mid-turn cancels generation; the partial reply is stored as such.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TurnEvent, TurnResult } from '../../agent/types.js';
import { MAX_MESSAGE_CHARS } from '../../agent/support-agent.js';
import { errorResponses } from '../plugins/errors.js';
import type { Services } from '../services.js';
import { bearerToken, clientOf, sessionRouteErrors } from '../sessions/authenticate.js';
import { toStreamError, toTurnResponse, turnResultSchema } from './turn-result.js';

const params = z.object({ id: z.string().min(1).max(128).describe('Session id') });
const body = z
  .object({
    message: z.string().trim().min(1).max(MAX_MESSAGE_CHARS).describe('What the customer wrote'),
    // http(s) only: a javascript: or data: link would be a script in whatever page shows the transcript.
    attachments: z.array(z.object({ name: z.string().max(200), url: z.url({ protocol: /^https?$/ }).max(2000) })).max(5).optional()
      .describe('Links to files the customer shared (recorded with the message)'),
  })
  .strict();

function wantsEventStream(request: FastifyRequest): boolean {
  return /\btext\/event-stream\b/i.test(request.headers.accept ?? '');
}

/** Aborts when the client closes the connection before the response is complete. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client disconnected'));
  });
  return controller;
}

class EventStream {
  private started = false;

  constructor(private readonly reply: FastifyReply) {}

  get isStarted(): boolean {
    return this.started;
  }

  send(event: string, data: unknown): void {
    const raw = this.reply.raw;
    if (!this.started) {
      this.started = true;
      this.reply.hijack();
      raw.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        'X-Request-Id': this.reply.request.id,
      });
    }
    if (!raw.destroyed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (!this.reply.raw.destroyed) this.reply.raw.end();
  }
}

export async function chatRoutes(app: FastifyInstance, options: { services: Services }) {
  const { services } = options;
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post(
    '/sessions/:id/messages',
    {
      schema: {
        tags: ['chat'],
        summary: 'Send a customer message and get the agent\'s reply (JSON, or SSE with Accept: text/event-stream)',
        params,
        body,
        response: { 200: turnResultSchema, ...sessionRouteErrors, ...errorResponses(409) },
        security: [{ sessionToken: [] }],
      },
    },
    async (request, reply) => {
      const controller = abortOnDisconnect(reply);
      const turn = (onEvent?: (event: TurnEvent) => void): Promise<TurnResult> =>
        services.agent.turn({
          sessionId: request.params.id,
          token: bearerToken(request),
          client: clientOf(request),
          message: request.body.message,
          attachments: request.body.attachments,
          channel: onEvent ? 'sse' : 'rest',
          signal: controller.signal,
          onEvent,
        });
      if (!wantsEventStream(request)) return toTurnResponse(await turn());

      const stream = new EventStream(reply);
      try {
        const result = await turn((event) => stream.send(event.type, event.type === 'token' ? { delta: event.delta } : {}));
        stream.send('reply', toTurnResponse(result));
      } catch (error) {
        if (!stream.isStarted) throw error; // still a plain HTTP error
        stream.send('error', toStreamError(error, request.id, request.log));
      }
      stream.end();
      return reply;
    },
  );
}
