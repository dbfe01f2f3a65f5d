/**
 * Real receivers for the notifier tests: an HTTP server that records webhook deliveries and answers as a test
 * scripts it, and an SMTP server (smtp-server) that records messages. Plus a notice, a log capture, and a small
 * MIME reader (mailparser is not a dependency).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { expect } from 'vitest';
import { NotificationError } from '../../../src/agent/notify/errors.js';
import type { HandoffNotice } from '../../../src/agent/notify/types.js';

/** Transcript and summary text that must never reach a log. */
export const PRIVATE_TEXT = 'my card number is 4111 1111 1111 1111';

export function sampleNotice(overrides: Partial<HandoffNotice> = {}): HandoffNotice {
  return {
    event: 'ticket.created',
    deliveryId: randomUUID(),
    ticketId: randomUUID(),
    conversationId: randomUUID(),
    sessionId: randomUUID(),
    customerId: 'cust-42',
    priority: 'high',
    reasons: ['The customer asked for a human', 'keyword "refund"'],
    summary: `Customer wants a refund for order 1234; ${PRIVATE_TEXT}.`,
    customerFacts: [{ key: 'plan', value: 'gold' }],
    transcript: [
      { role: 'user', content: `I want a refund. ${PRIVATE_TEXT}`, at: '2025-06-02T10:00:00.000Z' },
      { role: 'assistant', content: 'I can help with refunds.', at: '2025-06-02T10:00:02.000Z' },
      { role: 'user', content: 'Let me talk to a <b>person</b> <script>alert("x")</script> & now', at: '2025-06-02T10:00:09.000Z' },
    ],
    createdAt: '2025-06-02T10:00:10.000Z',
    ...overrides,
  };
}

export function captureLogger(): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return {
    logger: pino({ level: 'trace' }, sink),
    text: () => lines.join(''),
    lines: () => lines.flatMap((chunk) => chunk.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)),
  };
}

/** A loopback port nothing listens on (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  at: number;
}

/** What the receiver answers to the nth request (1-based); `hang` never answers. */
export type Responder = (attempt: number, request: ReceivedRequest) => { status: number; headers?: Record<string, string> } | 'hang';

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(responder: Responder = () => ({ status: 200 })): Promise<WebhookReceiver> {
  let respond = responder;
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(request);
      const answer = respond(requests.length, request);
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/frontline?token=in-the-url`,
    requests,
    respond: (next) => {
      respond = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  close(): Promise<void>;
}

/** A plain-text SMTP server on a free loopback port (no STARTTLS, login optional unless `options` say otherwise). */
export async function startSmtpReceiver(options: Partial<SMTPServerOptions> = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A TCP server that accepts and never speaks: an SMTP server that hangs before its greeting. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface MimeMessage {
  headers: Record<string, string>;
  text: string;
  html: string;
}

function splitHead(raw: string): [Record<string, string>, string] {
  const cut = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, cut).replace(/\r\n(?=[ \t])/g, '');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return [headers, raw.slice(cut + 4)];
}

function decodeBody(body: string, encoding = ''): string {
  if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(encoding)) {
    const soft = body.replace(/=\r\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i += 1) {
      const hex = soft.slice(i + 1, i + 3);
      if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return body;
}

/** Headers and the decoded text and HTML parts of a (multipart/alternative) message. */
export function readMime(raw: string): MimeMessage {
  const [headers, body] = splitHead(raw);
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [`${raw.slice(0, raw.indexOf('\r\n\r\n'))}\r\n\r\n${body}`];
  const message: MimeMessage = { headers, text: '', html: '' };
  for (const part of parts) {
    const [partHeaders, partBody] = splitHead(part.replace(/^\r\n/, ''));
    const decoded = decodeBody(partBody.replace(/\r\n$/, ''), partHeaders['content-transfer-encoding']);
    if (/text\/html/i.test(partHeaders['content-type'] ?? '')) message.html = decoded;
    else if (/text\/plain/i.test(partHeaders['content-type'] ?? '')) message.text = decoded;
  }
  return message;
}

/** The NotificationError a delivery fails with (the test fails if it succeeds or fails otherwise). */
export async function failure(promise: Promise<unknown>): Promise<NotificationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(NotificationError);
  return error as NotificationError;
}
