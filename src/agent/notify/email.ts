/**
 * The e-mail notifier: one message per hand-off through SMTP (nodemailer), in text and HTML, to the addresses of
 * ESCALATION_NOTIFICATION_EMAIL. Everything that came from the conversation is HTML-escaped in the HTML part: a
 * customer can write markup, and support staff open this mail.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Logger } from '../../telemetry/logger.js';
import { cancelled, NotificationError } from './errors.js';
import type { HandoffNotice, Notifier } from './types.js';

export interface EmailNotifierOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  to: readonly string[];
  /** Shown in the subject, `[<appName>] Ticket ...` (default Frontline). */
  appName?: string;
  /** Connection, greeting and socket inactivity timeout, in milliseconds (default 15 000). */
  timeoutMs?: number;
  logger?: Logger;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** A message in an e-mail stays readable; the full conversation is in the console. */
const MAX_MESSAGE_CHARS = 2000;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Subject, text and HTML of the hand-off e-mail. */
export function renderHandoffEmail(notice: HandoffNotice, appName = 'Frontline'): RenderedEmail {
  const shortId = notice.ticketId.slice(0, 8);
  const firstReason = notice.reasons[0] ? `: ${clip(notice.reasons[0].replace(/\s+/g, ' ').trim(), 100)}` : '';
  const subject = `[${appName}] Ticket ${shortId} needs a human${firstReason}`;
  const fields: [string, string][] = [
    ['Ticket', notice.ticketId],
    ['Priority', notice.priority],
    ['Conversation', notice.conversationId],
    ['Session', notice.sessionId],
    ['Customer', notice.customerId ?? 'anonymous'],
    ['Created', notice.createdAt],
  ];
  const messages = notice.transcript.map((m) => ({ ...m, content: clip(m.content, MAX_MESSAGE_CHARS) }));

  const text = [
    'A conversation needs a human.',
    '',
    ...fields.map(([label, value]) => `${label}: ${value}`),
    '',
    'Why:',
    ...notice.reasons.map((r) => `- ${r}`),
    '',
    'Summary:',
    notice.summary,
    '',
    'What we know about the customer:',
    ...(notice.customerFacts.length > 0 ? notice.customerFacts.map((f) => `- ${f.key}: ${f.value}`) : ['(nothing yet)']),
    '',
    'Last messages (oldest first):',
    ...messages.map((m) => `[${m.at}] ${m.role}: ${m.content}`),
    '',
  ].join('\n');

  const e = escapeHtml;
  const list = (items: string[]) => (items.length > 0 ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '<p>(nothing yet)</p>');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    '<h2>A conversation needs a human</h2>',
    `<table>${fields.map(([label, value]) => `<tr><th align="left">${e(label)}</th><td>${e(value)}</td></tr>`).join('')}</table>`,
    `<h3>Why</h3>${list(notice.reasons.map(e))}`,
    `<h3>Summary</h3><p style="white-space:pre-wrap">${e(notice.summary)}</p>`,
    `<h3>What we know about the customer</h3>${list(notice.customerFacts.map((f) => `<b>${e(f.key)}</b>: ${e(f.value)}`))}`,
    '<h3>Last messages (oldest first)</h3>',
    ...messages.map(
      (m) => `<p><small>${e(m.at)}</small> <b>${e(m.role)}</b><br><span style="white-space:pre-wrap">${e(m.content)}</span></p>`,
    ),
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** Failures of the connection itself: the server may be back later. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH']);

/**
 * Maps a nodemailer failure: an SMTP reply code decides when there is one (4xx is temporary, 5xx permanent, as
 * RFC 5321 defines them); otherwise connection trouble may pass, and a refused login, TLS setup, or a malformed
 * envelope will not. The message keeps nodemailer's text and the server's reply, which hold no credentials.
 */
export function classifySmtpError(error: unknown, where: string): NotificationError {
  const { code, responseCode, message } = error as { code?: string; responseCode?: number; message?: string };
  const retryable = typeof responseCode === 'number' ? responseCode >= 400 && responseCode < 500 : TRANSIENT_CODES.has(code ?? '');
  const label = [code, responseCode].filter(Boolean).join(' ');
  return new NotificationError('email', `e-mail via ${where} failed${label ? ` (${label})` : ''}: ${clip(message ?? String(error), 300)}`, {
    retryable,
    cause: error,
    details: { code, responseCode },
  });
}

export class EmailNotifier implements Notifier {
  readonly name = 'email';
  private readonly transport: nodemailer.Transporter<SMTPTransport.SentMessageInfo>;
  private readonly where: string;

  constructor(private readonly options: EmailNotifierOptions) {
    if (!options.host) throw new TypeError('SMTP host is required');
    if (options.to.length === 0) throw new TypeError('at least one recipient is required');
    const timeoutMs = options.timeoutMs ?? 15_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`e-mail timeoutMs must be a positive integer, got ${timeoutMs}`);
    this.where = `${options.host}:${options.port}`;
    this.transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
      // nodemailer's defaults (2 min to connect, 10 min idle) would hold a delivery far beyond its retry plan.
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async deliver(notice: HandoffNotice, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw cancelled(this.name);
    const { subject, text, html } = renderHandoffEmail(notice, this.options.appName);
    const domain = /@([^\s@>]+)>?$/.exec(this.options.from)?.[1] ?? 'frontline.invalid';
    const sending = this.transport.sendMail({
      from: this.options.from,
      to: [...this.options.to],
      subject,
      text,
      html,
      // The same Message-ID on every retry lets mail systems drop a duplicate if an earlier attempt did arrive.
      messageId: `<${notice.deliveryId}@${domain}>`,
      priority: notice.priority === 'urgent' || notice.priority === 'high' ? 'high' : notice.priority === 'low' ? 'low' : 'normal',
      headers: { 'X-Frontline-Delivery': notice.deliveryId, 'X-Frontline-Ticket': notice.ticketId },
    });
    let info: SMTPTransport.SentMessageInfo;
    try {
      // SMTP cannot be cancelled half-way; on abort the caller stops waiting and the timeouts end the connection.
      info = await (signal ? raceAbort(sending, signal, this.name) : sending);
    } catch (error) {
      if (error instanceof NotificationError) throw error;
      throw classifySmtpError(error, this.where);
    }
    if (info.rejected.length > 0) {
      this.options.logger?.warn(
        { notifier: this.name, ticketId: notice.ticketId, rejected: info.rejected.length, accepted: info.accepted.length },
        'some escalation e-mail recipients were refused',
      );
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, notifier: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(notifier));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
