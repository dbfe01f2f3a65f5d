/** The e-mail notifier against a real SMTP server (smtp-server on a loopback port). */
import { afterEach, describe, expect, it } from 'vitest';
import { EmailNotifier, renderHandoffEmail, type EmailNotifierOptions } from '../../../src/agent/notify/email.js';
import { closedPort, failure, readMime, sampleNotice, startSilentServer, startSmtpReceiver, type SmtpReceiver } from './helpers.js';
import { runNotifierConformance } from './notifier.suite.js';

const mailer = (port: number, overrides: Partial<EmailNotifierOptions> = {}) =>
  new EmailNotifier({ host: '127.0.0.1', port, secure: false, from: 'Frontline <frontline@support.example>', to: ['ops@example.com'], ...overrides });

runNotifierConformance('email', {
  async start() {
    const smtp = await startSmtpReceiver();
    return {
      notifier: mailer(smtp.port),
      received: () =>
        smtp.messages.map((m) => {
          const { headers } = readMime(m.raw);
          return { deliveryId: headers['x-frontline-delivery']!, ticketId: headers['x-frontline-ticket']! };
        }),
      close: () => smtp.close(),
    };
  },
  async unreachable() {
    return mailer(await closedPort());
  },
});


/** smtp-server turns an error with a responseCode into that SMTP reply. */
const smtpReply = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

describe('email notifier', () => {
  const servers: { close(): Promise<void> }[] = [];
  const notifiers: EmailNotifier[] = [];
  const smtp = async (options?: Parameters<typeof startSmtpReceiver>[0]): Promise<SmtpReceiver> => {
    const server = await startSmtpReceiver(options);
    servers.push(server);
    return server;
  };
  const make = (port: number, overrides?: Partial<EmailNotifierOptions>) => {
    const notifier = mailer(port, overrides);
    notifiers.push(notifier);
    return notifier;
  };
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('mails every recipient a text and an HTML part, with the conversation escaped in the HTML', async () => {
    const server = await smtp();
    const notice = sampleNotice({ priority: 'urgent' });
    await make(server.port, { to: ['ops@example.com', 'Team Lead <lead@example.com>'] }).deliver(notice);

    expect(server.messages).toHaveLength(1);
    const [mail] = server.messages;
    expect(mail!.from).toBe('frontline@support.example');
    expect(mail!.to).toEqual(['ops@example.com', 'lead@example.com']);
    const { headers, text, html } = readMime(mail!.raw);
    expect(headers.to).toBe('ops@example.com, Team Lead <lead@example.com>');
    expect(headers.subject).toBe(`[Frontline] Ticket ${notice.ticketId.slice(0, 8)} needs a human: The customer asked for a human`);
    expect(headers['message-id']).toBe(`<${notice.deliveryId}@support.example>`);
    expect(headers['x-priority']).toMatch(/^1/);

    for (const part of [text, html]) {
      for (const expected of [notice.ticketId, notice.conversationId, 'cust-42', 'urgent', 'I can help with refunds.']) {
        expect(part).toContain(expected);
      }
    }
    expect(text).toContain('- keyword "refund"');
    expect(html).toContain('<li>keyword &#34;refund&#34;</li>');
    expect(text).toContain('- plan: gold');
    expect(text).toContain('Let me talk to a <b>person</b> <script>alert("x")</script> & now');
    // HTML from the customer arrives as text, never as markup.
    expect(html).toContain('Let me talk to a &#60;b&#62;person&#60;/b&#62; &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; now');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>person</b>');
    expect(html).toContain('<b>plan</b>: gold');
  });

  it('treats a temporary SMTP refusal (4xx) as retryable and a permanent one (5xx) as not', async () => {
    let reply = 451;
    const server = await smtp({ onRcptTo: (_address, _session, callback) => callback(smtpReply(reply, 'mailbox unavailable')) });
    const notifier = make(server.port);
    const temporary = await failure(notifier.deliver(sampleNotice()));
    expect(temporary).toMatchObject({ retryable: true, details: { responseCode: 451 } });
    reply = 550;
    const permanent = await failure(notifier.deliver(sampleNotice()));
    expect(permanent).toMatchObject({ retryable: false, details: { code: 'EENVELOPE', responseCode: 550 } });
    expect(server.messages).toHaveLength(0);
  });

  it('treats a refused login as permanent, and keeps the password out of the error', async () => {
    const server = await smtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (_auth, _session, callback) => callback(new Error('Invalid username or password')),
    });
    const error = await failure(make(server.port, { user: 'frontline', password: 'smtp-password-123' }).deliver(sampleNotice()));
    expect(error).toMatchObject({ retryable: false, details: { code: 'EAUTH', responseCode: 535 } });
    expect(error.message).not.toContain('smtp-password-123');
  });

  it('logs in when a user is configured', async () => {
    const logins: string[] = [];
    const server = await smtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => {
        logins.push(`${auth.username}:${auth.password}`);
        callback(null, { user: auth.username });
      },
    });
    await make(server.port, { user: 'frontline', password: 'smtp-password-123' }).deliver(sampleNotice());
    expect(logins).toEqual(['frontline:smtp-password-123']);
    expect(server.messages).toHaveLength(1);
  });

  it('times out a server that never greets, retryably', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const error = await failure(make(silent.port, { timeoutMs: 200 }).deliver(sampleNotice()));
    expect(error).toMatchObject({ retryable: true, details: { code: 'ETIMEDOUT' } });
  });

  it('refuses bad options when built', () => {
    expect(() => mailer(25, { host: '' })).toThrow(TypeError);
    expect(() => mailer(25, { to: [] })).toThrow(TypeError);
    expect(() => mailer(25, { timeoutMs: -1 })).toThrow(RangeError);
  });
});

describe('renderHandoffEmail', () => {
  it('keeps the subject on one short line and works without reasons', () => {
    const long = sampleNotice({ reasons: [`line one\nline two ${'x'.repeat(200)}`] });
    const { subject } = renderHandoffEmail(long, 'Acme Help');
    expect(subject).toMatch(/^\[Acme Help\] Ticket [0-9a-f]{8} needs a human: line one line two x+…$/);
    expect(subject.length).toBeLessThan(160);
    expect(renderHandoffEmail(sampleNotice({ reasons: [], customerFacts: [] })).subject).toMatch(/needs a human$/);
    expect(renderHandoffEmail(sampleNotice({ customerFacts: [] })).text).toContain('(nothing yet)');
  });

  it('clips a very long message', () => {
    const notice = sampleNotice({ transcript: [{ role: 'user', content: 'y'.repeat(10_000), at: '2025-06-02T10:00:00.000Z' }] });
    const { text } = renderHandoffEmail(notice);
    expect(text).toContain(`${'y'.repeat(1999)}…`);
    expect(text).not.toContain('y'.repeat(2001));
  });
});
