/**
 * Hand-off notifications: build the configured notifiers (ESCALATION_WEBHOOK_URL, ESCALATION_NOTIFICATION_EMAIL)
 * and the dispatcher that delivers to them in the background.
 */
import type { Settings } from '../../config/index.js';
import type { Logger } from '../../telemetry/logger.js';
import { NotificationDispatcher, type DispatcherOptions } from './dispatcher.js';
import { EmailNotifier } from './email.js';
import type { Notifier } from './types.js';
import { WebhookNotifier } from './webhook.js';

export { NotificationDispatcher, type DispatcherOptions } from './dispatcher.js';
export { classifySmtpError, EmailNotifier, escapeHtml, renderHandoffEmail, type EmailNotifierOptions, type RenderedEmail } from './email.js';
export { NotificationError, type NotificationErrorOptions } from './errors.js';
export type { DispatcherStats, HandoffNotice, Notifier } from './types.js';
export {
  DELIVERY_HEADER,
  EVENT_HEADER,
  parseRetryAfter,
  SIGNATURE_HEADER,
  signWebhookPayload,
  verifyWebhookSignature,
  WebhookNotifier,
  type VerifyOptions,
  type WebhookNotifierOptions,
} from './webhook.js';

type NotifySettings = Pick<Settings, 'app' | 'escalation'>;

export interface CreateNotifiersOptions {
  /** `Frontline/<version>`: the server knows its version (src/server/version.ts); agent code does not import it. */
  userAgent?: string;
}

/** The notifiers the settings ask for: a webhook, an e-mail, both, or none. */
export function createNotifiers(settings: NotifySettings, logger: Logger, options: CreateNotifiersOptions = {}): Notifier[] {
  const { escalation, app } = settings;
  const notifiers: Notifier[] = [];
  if (escalation.webhookUrl && escalation.webhookSecret) {
    notifiers.push(
      new WebhookNotifier({
        url: escalation.webhookUrl,
        secret: escalation.webhookSecret,
        userAgent: options.userAgent ?? (app.version ? `Frontline/${app.version}` : 'Frontline'),
      }),
    );
  }
  if (escalation.notificationRecipients.length > 0 && escalation.smtp.host) {
    const { smtp } = escalation;
    notifiers.push(
      new EmailNotifier({
        host: smtp.host!,
        port: smtp.port,
        secure: smtp.secure,
        user: smtp.user,
        password: smtp.password,
        from: smtp.from,
        to: escalation.notificationRecipients,
        appName: app.name,
        logger,
      }),
    );
  }
  return notifiers;
}

/**
 * The dispatcher over the configured notifiers (with none, dispatch does nothing), retrying up to
 * ESCALATION_WEBHOOK_MAX_ATTEMPTS times. Shut it down with `await dispatcher.drain(ms)` then `close()`.
 */
export function createNotificationDispatcher(
  settings: NotifySettings,
  logger: Logger,
  options: CreateNotifiersOptions & Omit<DispatcherOptions, 'logger' | 'maxAttempts'> = {},
): NotificationDispatcher {
  const { userAgent, ...dispatcherOptions } = options;
  const notifiers = createNotifiers(settings, logger, { userAgent });
  if (notifiers.length > 0) logger.info({ channels: notifiers.map((n) => n.name) }, 'escalation notifications on');
  return new NotificationDispatcher(notifiers, { ...dispatcherOptions, maxAttempts: settings.escalation.webhookMaxAttempts, logger });
}
