import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  ENV_NAMES,
  loadSettings,
  parseDatabaseUrl,
  readEnvironment,
  SECRET_ENV_NAMES,
  type Settings,
} from './index.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENV_EXAMPLE = path.join(REPO_ROOT, '.env.example');
const KEY = 'k'.repeat(43);

/** loadSettings(env) must fail: returns the ConfigError so the test can read what it says. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

function badVariables(error: ConfigError): string[] {
  return error.problems.map((p) => p.variable).sort();
}

describe('defaults', () => {
  it('loads the embedded setup from an empty environment', () => {
    const settings = loadSettings({});
    expect(settings.app).toMatchObject({ name: 'Frontline', environment: 'development', debug: true, logLevel: 'info' });
    // DEBUG defaults to true in development, and docs follow DEBUG.
    expect(settings.api).toMatchObject({ host: '0.0.0.0', port: 8000, prefix: '/api', docsEnabled: true, trustProxy: false });
    expect(settings.api.corsOrigins).toEqual(['http://localhost:3000', 'http://localhost:8000']);
    expect(settings.sessions.store).toBe('memory');
    expect(settings.sessions.encryptionEnabled).toBe(true);
    expect(settings.rateLimit.storage).toBe('memory');
    expect(settings.redis.required).toBe(false);
    expect(settings.database.target).toEqual({
      dialect: 'sqlite',
      filename: path.resolve(process.cwd(), 'data/frontline.db'),
      url: 'sqlite:///./data/frontline.db',
    });
    expect(settings.ai.provider).toBe('local');
    expect(settings.knowledge).toMatchObject({ searchK: 5, chunkSize: 500, chunkOverlap: 50, sampleData: true });
    expect(settings.escalation.keywords).toEqual({ urgent: 1, emergency: 1, legal: 0.9 });
    expect(settings.files.allowedTypes).toEqual(['.pdf', '.doc', '.docx', '.txt', '.md', '.csv', '.xlsx', '.html']);
    expect(settings.telemetry).toMatchObject({ tracingEnabled: false, serviceName: 'frontline' });
    // Outside production a missing SECRET_KEY is replaced by a random one (and the fact is recorded).
    expect(settings.security.secretKeyGenerated).toBe(true);
    expect(settings.security.secretKey.length).toBeGreaterThanOrEqual(32);
  });

  it('turns debug, docs and sample data off outside development unless asked', () => {
    expect(loadSettings({ ENVIRONMENT: 'test' })).toMatchObject({
      app: { debug: false },
      api: { docsEnabled: false },
      knowledge: { sampleData: false },
    });
    expect(loadSettings({ ENVIRONMENT: 'test', API_DOCS_ENABLED: 'yes' }).api.docsEnabled).toBe(true);
    expect(loadSettings({ ENVIRONMENT: 'development', DEBUG: 'false' }).api.docsEnabled).toBe(false);
    expect(loadSettings({ ENVIRONMENT: 'prod', SECRET_KEY: KEY }).app.environment).toBe('production');
  });
});

describe('production', () => {
  it('refuses to start without SECRET_KEY', () => {
    const error = configError({ ENVIRONMENT: 'production' });
    expect(badVariables(error)).toEqual(['SECRET_KEY']);
    expect(error.message).toContain('SECRET_KEY: required in production');
    expect(error.message).toContain('frontline keygen');
  });

  it('refuses a short SECRET_KEY and accepts a long one', () => {
    expect(badVariables(configError({ ENVIRONMENT: 'production', SECRET_KEY: 'short' }))).toEqual(['SECRET_KEY']);
    const settings = loadSettings({ ENVIRONMENT: 'production', SECRET_KEY: KEY });
    expect(settings.security).toMatchObject({ secretKey: KEY, secretKeyGenerated: false });
    expect(settings.api.docsEnabled).toBe(false);
  });
});

describe('one error naming every bad variable', () => {
  it('lists each bad value with what was expected', () => {
    const error = configError({
      API_PORT: 'abc',
      RAG_SEARCH_K: '0',
      SESSION_STORE_TYPE: 'mongo',
      CORS_ORIGINS: '[1,2]',
    });
    expect(badVariables(error)).toEqual(['API_PORT', 'CORS_ORIGINS', 'RAG_SEARCH_K', 'SESSION_STORE_TYPE']);
    expect(error.message).toMatch(/^Invalid configuration \(4 problems\)/);
    expect(error.message).toContain('API_PORT: expected an integer from 0 to 65535, got "abc"');
    expect(error.message).toContain('RAG_SEARCH_K: expected an integer from 1 to 100, got "0"');
    expect(error.message).toContain('SESSION_STORE_TYPE: expected one of memory, redis, got "mongo"');
    expect(error.message).toContain('CORS_ORIGINS: expected a JSON array of strings, got [1,2]');
  });

  it('reports cross-variable problems alongside malformed values', () => {
    // A malformed value must not hide the checks that look at several variables (one restart, one message).
    const error = configError({ API_PORT: 'abc', ENVIRONMENT: 'production', DATABASE_URL: 'mysql://localhost/db' });
    expect(badVariables(error)).toEqual(['API_PORT', 'DATABASE_URL', 'SECRET_KEY']);
  });

  it('skips a cross-variable check whose input is itself malformed, rather than judge it against a default', () => {
    const error = configError({ RAG_CHUNK_SIZE: 'big', RAG_CHUNK_OVERLAP: '600' });
    expect(badVariables(error)).toEqual(['RAG_CHUNK_SIZE']);
    expect(badVariables(configError({ RAG_CHUNK_SIZE: '500', RAG_CHUNK_OVERLAP: '600' }))).toEqual(['RAG_CHUNK_OVERLAP']);
  });

  it('names each development switch refused outside development and test', () => {
    const error = configError({ ENVIRONMENT: 'staging', DEV_SLOW_MODE: 'true', DEV_MOCK_AI: 'true' });
    expect(badVariables(error)).toEqual(['DEV_MOCK_AI', 'DEV_SLOW_MODE']);
    expect(loadSettings({ ENVIRONMENT: 'test', DEV_SLOW_MODE: 'true' }).dev.slowMode).toBe(true);
  });

  it('refuses flags, numbers and URLs it cannot read', () => {
    const error = configError({ TRUST_PROXY: 'maybe', AGENT_TEMPERATURE: '3', OTLP_ENDPOINT: 'ftp://x', API_PREFIX: 'api/' });
    expect(badVariables(error)).toEqual(['AGENT_TEMPERATURE', 'API_PREFIX', 'OTLP_ENDPOINT', 'TRUST_PROXY']);
    expect(error.message).toContain('TRUST_PROXY: expected true or false, got "maybe"');
    expect(error.message).toContain('AGENT_TEMPERATURE: expected a number from 0 to 2, got "3"');
  });
});

describe('JSON-valued variables', () => {
  it('reads CORS_ORIGINS as a JSON array or a comma list', () => {
    expect(loadSettings({ CORS_ORIGINS: '["https://a.example","https://b.example"]' }).api.corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(loadSettings({ CORS_ORIGINS: 'https://a.example, https://b.example,' }).api.corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(badVariables(configError({ CORS_ORIGINS: '["https://a.example"' }))).toEqual(['CORS_ORIGINS']);
  });

  it('reads ALLOWED_FILE_TYPES as a JSON array of extensions, lower-cased', () => {
    expect(loadSettings({ ALLOWED_FILE_TYPES: '[".PDF",".md"]' }).files.allowedTypes).toEqual(['.pdf', '.md']);
    const error = configError({ ALLOWED_FILE_TYPES: '["pdf",".md"]' });
    expect(badVariables(error)).toEqual(['ALLOWED_FILE_TYPES']);
    expect(error.message).toContain('expected extensions like ".pdf", got pdf');
  });

  it('reads ESCALATION_KEYWORDS as a JSON object of weights from 0 to 1', () => {
    expect(loadSettings({ ESCALATION_KEYWORDS: '{"Refund":0.5,"lawyer":1}' }).escalation.keywords).toEqual({
      refund: 0.5,
      lawyer: 1,
    });
    expect(loadSettings({ ESCALATION_KEYWORDS: 'refund, lawyer' }).escalation.keywords).toEqual({ refund: 1, lawyer: 1 });
    const error = configError({ ESCALATION_KEYWORDS: '{"urgent":2}' });
    expect(badVariables(error)).toEqual(['ESCALATION_KEYWORDS']);
    expect(error.message).toContain('keyword weights from 0 to 1');
    expect(badVariables(configError({ ESCALATION_KEYWORDS: '{"urgent":"high"}' }))).toEqual(['ESCALATION_KEYWORDS']);
  });
});

describe('sessions on Redis', () => {
  const redis = { REDIS_URL: 'redis://127.0.0.1:6379/0', SESSION_ENCRYPTION_KEY: 'key-one, key-two' };

  it('USE_SHARED_CONTEXT=true means the Redis store (and Redis rate limits under auto)', () => {
    const settings = loadSettings({ USE_SHARED_CONTEXT: 'true', ...redis });
    expect(settings.sessions.store).toBe('redis');
    expect(settings.sessions.encryptionKeys).toEqual(['key-one', 'key-two']);
    expect(settings.rateLimit.storage).toBe('redis');
    expect(settings.redis).toMatchObject({ url: 'redis://127.0.0.1:6379/0', required: true });
    expect(loadSettings({ SESSION_STORE_TYPE: 'redis', RATE_LIMIT_STORAGE: 'memory', ...redis }).rateLimit.storage).toBe('memory');
  });

  it('asks for an encryption key made by `frontline keygen`', () => {
    const error = configError({ SESSION_STORE_TYPE: 'redis', REDIS_URL: redis.REDIS_URL });
    expect(badVariables(error)).toEqual(['SESSION_ENCRYPTION_KEY']);
    expect(error.message).toContain('frontline keygen');
    // Encryption switched off explicitly: no key needed.
    expect(loadSettings({ SESSION_STORE_TYPE: 'redis', REDIS_URL: redis.REDIS_URL, SESSION_ENCRYPTION_ENABLED: 'false' }).sessions.store).toBe(
      'redis',
    );
  });

  it('asks for REDIS_URL and refuses one that is not redis://', () => {
    expect(badVariables(configError({ USE_SHARED_CONTEXT: '1', SESSION_ENCRYPTION_KEY: KEY }))).toEqual(['REDIS_URL']);
    const error = configError({ REDIS_URL: 'http://:hunter22@cache:6379' });
    expect(badVariables(error)).toEqual(['REDIS_URL']);
    expect(error.message).not.toContain('hunter22');
  });
});

describe('DATABASE_URL', () => {
  it('resolves sqlite:///relative against the working directory', () => {
    expect(parseDatabaseUrl('sqlite:///./data/x.db', '/srv/app')).toEqual({
      dialect: 'sqlite',
      filename: '/srv/app/data/x.db',
      url: 'sqlite:///./data/x.db',
    });
    expect(loadSettings({ DATABASE_URL: 'sqlite:///./data/x.db' }).database.target).toMatchObject({
      filename: path.join(process.cwd(), 'data', 'x.db'),
    });
  });

  it('reads sqlite:////absolute, :memory: and postgresql://', () => {
    expect(parseDatabaseUrl('sqlite:////abs/x.db', '/srv/app')).toMatchObject({ dialect: 'sqlite', filename: '/abs/x.db' });
    expect(parseDatabaseUrl('sqlite:///:memory:')).toMatchObject({ dialect: 'sqlite', filename: ':memory:' });
    const pg = 'postgresql://postgres:secret-pw@127.0.0.1:5432/frontline';
    expect(loadSettings({ DATABASE_URL: pg }).database.target).toEqual({ dialect: 'postgres', connectionString: pg, url: pg });
    expect(parseDatabaseUrl('postgres://db/frontline')).toMatchObject({ dialect: 'postgres' });
  });

  it('refuses another scheme without echoing its password', () => {
    const error = configError({ DATABASE_URL: 'mysql://root:s3cret-pass@db/frontline' });
    expect(badVariables(error)).toEqual(['DATABASE_URL']);
    expect(error.message).toContain('expected a sqlite:/// or postgresql:// URL');
    expect(error.message).not.toContain('s3cret-pass');
    expect(badVariables(configError({ DATABASE_URL: 'sqlite://relative.db' }))).toEqual(['DATABASE_URL']);
  });

  it('counts passwords inside URLs as secrets, so the logger masks them', () => {
    const settings = loadSettings({
      DATABASE_URL: 'postgresql://app:db-password-1@127.0.0.1/frontline',
      REDIS_URL: 'redis://:redis%40password@127.0.0.1:6379',
      SECRET_KEY: KEY,
    });
    expect(settings.secretValues).toEqual(expect.arrayContaining([KEY, 'db-password-1', 'redis@password', 'redis%40password']));
  });
});

describe('escalation notifications and business hours', () => {
  const webhook = { ESCALATION_WEBHOOK_URL: 'https://hooks.example.com/frontline' };

  it('defaults to no notifications, five attempts, always staffed, UTC', () => {
    expect(loadSettings({}).escalation).toMatchObject({
      webhookUrl: undefined,
      webhookSecret: undefined,
      webhookMaxAttempts: 5,
      notificationRecipients: [],
      businessHours: undefined,
      timezone: 'UTC',
    });
  });

  it('asks for ESCALATION_WEBHOOK_SECRET with ESCALATION_WEBHOOK_URL, and keeps it out of logs', () => {
    const error = configError(webhook);
    expect(badVariables(error)).toEqual(['ESCALATION_WEBHOOK_SECRET']);
    expect(error.message).toContain('required when ESCALATION_WEBHOOK_URL is set');
    expect(error.message).toContain('openssl rand -hex 32');
    const settings = loadSettings({ ...webhook, ESCALATION_WEBHOOK_SECRET: 'whsec-0123456789', ESCALATION_WEBHOOK_MAX_ATTEMPTS: '8' });
    expect(settings.escalation).toMatchObject({ webhookSecret: 'whsec-0123456789', webhookMaxAttempts: 8 });
    expect(SECRET_ENV_NAMES).toContain('ESCALATION_WEBHOOK_SECRET');
    expect(settings.secretValues).toContain('whsec-0123456789');
    // A malformed URL is reported alone: the secret check leans on it.
    expect(badVariables(configError({ ESCALATION_WEBHOOK_URL: 'ftp://x' }))).toEqual(['ESCALATION_WEBHOOK_URL']);
  });

  it('keeps ESCALATION_WEBHOOK_MAX_ATTEMPTS from 1 to 20', () => {
    expect(loadSettings({ ESCALATION_WEBHOOK_MAX_ATTEMPTS: '1' }).escalation.webhookMaxAttempts).toBe(1);
    expect(badVariables(configError({ ESCALATION_WEBHOOK_MAX_ATTEMPTS: '0' }))).toEqual(['ESCALATION_WEBHOOK_MAX_ATTEMPTS']);
    expect(configError({ ESCALATION_WEBHOOK_MAX_ATTEMPTS: '21' }).message).toContain('expected an integer from 1 to 20, got "21"');
  });

  it('reads a list of e-mail recipients and asks for SMTP_HOST', () => {
    const error = configError({ ESCALATION_NOTIFICATION_EMAIL: 'ops@example.com' });
    expect(badVariables(error)).toEqual(['SMTP_HOST']);
    expect(error.message).toContain('SMTP_HOST: required when ESCALATION_NOTIFICATION_EMAIL is set');
    const settings = loadSettings({
      ESCALATION_NOTIFICATION_EMAIL: 'ops@example.com, Team Lead <lead@example.com>,',
      SMTP_HOST: 'smtp.example.com',
    });
    expect(settings.escalation.notificationRecipients).toEqual(['ops@example.com', 'Team Lead <lead@example.com>']);
    const bad = configError({ ESCALATION_NOTIFICATION_EMAIL: 'ops@example.com, not an address', SMTP_HOST: 'smtp.example.com' });
    expect(badVariables(bad)).toEqual(['ESCALATION_NOTIFICATION_EMAIL']);
    expect(bad.message).toContain('"not an address"');
  });

  it('checks ESCALATION_BUSINESS_HOURS and ESCALATION_TIMEZONE at startup', () => {
    const settings = loadSettings({ ESCALATION_BUSINESS_HOURS: 'Mon-Fri 09:00-17:30; Sat 10:00-14:00', ESCALATION_TIMEZONE: 'europe/london' });
    expect(settings.escalation).toMatchObject({ businessHours: 'Mon-Fri 09:00-17:30; Sat 10:00-14:00', timezone: 'Europe/London' });
    const error = configError({ ESCALATION_BUSINESS_HOURS: 'weekdays 9 to 5', ESCALATION_TIMEZONE: 'Mars/Olympus_Mons' });
    expect(badVariables(error)).toEqual(['ESCALATION_BUSINESS_HOURS', 'ESCALATION_TIMEZONE']);
    expect(error.message).toContain('e.g. "Mon-Fri 09:00-17:30; Sat 10:00-14:00"');
    expect(error.message).toContain('ESCALATION_TIMEZONE: expected an IANA time zone such as Europe/London');
    expect(badVariables(configError({ ESCALATION_BUSINESS_HOURS: 'Mon-Fri 09:00-25:00' }))).toEqual(['ESCALATION_BUSINESS_HOURS']);
  });
});

describe('frozen settings', () => {
  function frozenEverywhere(value: unknown, where: string): string[] {
    if (value === null || typeof value !== 'object') return [];
    const here = Object.isFrozen(value) ? [] : [where];
    return here.concat(...Object.entries(value).map(([key, child]) => frozenEverywhere(child, `${where}.${key}`)));
  }

  it('is deeply frozen: assigning throws in strict mode', () => {
    const settings = loadSettings({}) as unknown as Record<string, Record<string, unknown>>;
    expect(frozenEverywhere(settings, 'settings')).toEqual([]);
    // ES modules are strict, so a write to a frozen object throws instead of failing silently.
    expect(() => {
      settings.api!.port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (settings.escalation!.keywords as Record<string, number>).refund = 1;
    }).toThrow(TypeError);
    expect(() => (settings.api!.corsOrigins as string[]).push('https://evil.example')).toThrow(TypeError);
    expect(() => {
      settings.app = {};
    }).toThrow(TypeError);
  });
});

describe('.env.example', () => {
  const text = fs.readFileSync(ENV_EXAMPLE, 'utf8');
  /** Every `NAME=` or `# NAME=` line, in order, with whether it is commented out. */
  const entries = text
    .split('\n')
    .map((line) => /^(#\s*)?([A-Z][A-Z0-9_]*)=/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[2]!, commented: match[1] !== undefined }));

  it('lists exactly the variables the schema reads, each once', () => {
    const names = entries.map((e) => e.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    expect([...names].sort()).toEqual([...ENV_NAMES].sort());
  });

  it('keeps every secret commented out', () => {
    for (const secret of SECRET_ENV_NAMES) expect(entries.find((e) => e.name === secret)).toEqual({ name: secret, commented: true });
  });

  it('states the defaults: a copy used as .env changes nothing', () => {
    const fromExample = loadSettings(parseDotenv(text));
    const fromNothing = loadSettings({});
    const withoutKey = (s: Settings) => ({ ...s, security: { ...s.security, secretKey: '' } });
    expect(withoutKey(fromExample)).toEqual(withoutKey(fromNothing));
  });
});

describe('readEnvironment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads a .env file beneath the real environment, which wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-env-'));
    try {
      const envFile = path.join(dir, '.env');
      fs.writeFileSync(envFile, 'API_PORT=9001\nAPP_NAME=FromFile\n# a comment\nRAG_SEARCH_K="7"\n');
      vi.stubEnv('APP_NAME', 'FromEnvironment');
      const env = readEnvironment(envFile);
      expect(env).toMatchObject({ API_PORT: '9001', APP_NAME: 'FromEnvironment', RAG_SEARCH_K: '7' });
      expect(env.PATH).toBe(process.env.PATH);
      expect(loadSettings(env)).toMatchObject({ api: { port: 9001 }, app: { name: 'FromEnvironment' }, knowledge: { searchK: 7 } });
      // An explicit environment map is used instead of process.env.
      expect(readEnvironment(envFile, { APP_NAME: 'Given' })).toEqual({ API_PORT: '9001', APP_NAME: 'Given', RAG_SEARCH_K: '7' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the environment alone when there is no .env file', () => {
    expect(readEnvironment('/nonexistent/.env', { APP_NAME: 'X' })).toEqual({ APP_NAME: 'X' });
  });
});
