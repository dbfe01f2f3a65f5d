/**
 * The pino logger. Secrets are kept out two ways: known fields (authorization headers, cookies, keys, passwords,
 * tokens) are redacted by path, and the value of every configured secret is masked wherever it appears in a
 * line, so a secret echoed inside an error message or a URL is caught too.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Settings } from '../config/index.js';

export type { Logger } from 'pino';

const REDACTED = '[REDACTED]';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.secretKey',
  '*.token',
  '*.apiKey',
  '*.encryptionKeys',
  'password',
  'token',
  'secretKey',
  'apiKey',
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface LoggerSettings {
  app: Pick<Settings['app'], 'logLevel' | 'name'>;
  secretValues: Settings['secretValues'];
}

export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const secrets = [...settings.secretValues].sort((a, b) => b.length - a.length);
  const secretPattern = secrets.length > 0 ? new RegExp(secrets.map(escapeRegExp).join('|'), 'g') : undefined;
  const options: LoggerOptions = {
    level: settings.app.logLevel,
    base: { service: settings.app.name },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    // Request lines carry method, path and request id, not the client's address: IPs are personal data.
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url?.split('?')[0] }),
    },
    hooks: secretPattern ? { streamWrite: (line: string) => line.replace(secretPattern, REDACTED) } : {},
  };
  return destination ? pino(options, destination) : pino(options);
}
