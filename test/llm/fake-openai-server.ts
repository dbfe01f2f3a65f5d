/**
 * A real HTTP server on 127.0.0.1:0 speaking the OpenAI chat completions wire format, for provider tests. Each
 * test installs a handler; the server records every request (headers, parsed body) and notices when a client
 * closes its connection before the answer is complete.
 */
import http from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export type Handler = (request: RecordedRequest, res: http.ServerResponse, attempt: number) => void | Promise<void>;

export interface FakeOpenAIServer {
  /** Base URL, e.g. http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  origin: string;
  requests: RecordedRequest[];
  handle(handler: Handler): void;
  /** Resolves when a client closes a connection whose response had not ended. */
  nextEarlyClose(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeOpenAIServer(): Promise<FakeOpenAIServer> {
  let handler: Handler = (_req, res) => sendCompletion(res, { content: 'hello' });
  const requests: RecordedRequest[] = [];
  const earlyCloseWaiters: (() => void)[] = [];
  let earlyCloses = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      requests.push(recorded);
      res.on('close', () => {
        if (res.writableFinished) return;
        earlyCloses++;
        earlyCloseWaiters.splice(0).forEach((wake) => wake());
      });
      void Promise.resolve(handler(recorded, res, requests.length)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(599).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    baseUrl: `${origin}/v1`,
    origin,
    requests,
    handle(next) {
      handler = next;
    },
    nextEarlyClose() {
      const seen = earlyCloses;
      return new Promise<void>((resolve) => {
        if (earlyCloses > seen) resolve();
        else earlyCloseWaiters.push(resolve);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

export function sendCompletion(
  res: http.ServerResponse,
  answer: { content?: string | null; toolCalls?: { id: string; name: string; arguments: string }[]; finishReason?: string },
): void {
  sendJson(res, 200, {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model: 'test-model',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: answer.content ?? null,
          ...(answer.toolCalls
            ? { tool_calls: answer.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
            : {}),
        },
        finish_reason: answer.finishReason ?? (answer.toolCalls ? 'tool_calls' : 'stop'),
      },
    ],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
  });
}

export function startStream(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

/** One `chat.completion.chunk` event with the given delta. */
export function chunkEvent(delta: Record<string, unknown>, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'test-model',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  })}\n\n`;
}

export function usageEvent(prompt: number, completion: number): string {
  return `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } })}\n\n`;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

/** A plain streamed answer: the text in the given pieces, then finish, usage and [DONE]. */
export function sendStreamedText(res: http.ServerResponse, pieces: string[]): void {
  startStream(res);
  res.write(chunkEvent({ role: 'assistant', content: '' }));
  for (const piece of pieces) res.write(chunkEvent({ content: piece }));
  res.write(chunkEvent({}, 'stop'));
  res.write(usageEvent(5, pieces.length));
  res.end(DONE_EVENT);
}

/** One fake server for the whole test file, its recorded requests cleared before each test. */
export function useFakeOpenAIServer(): { readonly server: FakeOpenAIServer } {
  const holder = {} as { server: FakeOpenAIServer };
  beforeAll(async () => {
    holder.server = await startFakeOpenAIServer();
  });
  afterAll(() => holder.server.close());
  beforeEach(() => {
    holder.server.requests.length = 0;
  });
  return holder;
}
