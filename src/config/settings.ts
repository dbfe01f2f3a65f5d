/**
 * loadSettings(env) -> typed, deeply frozen Settings, or one ConfigError naming every bad variable.
 * This module imports nothing else of the project.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { canonicalTimeZone, parseBusinessHours } from './business-hours.js';
import { redactUrl } from './parsers.js';
import { envSchema, SECRET_ENV_NAMES, type RawEnv } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export type DatabaseTarget =
  | { dialect: 'sqlite'; filename: string; url: string }
  | { dialect: 'postgres'; connectionString: string; url: string };

/** Parses the seed's DATABASE_URL forms: sqlite:///relative, sqlite:////absolute, sqlite://:memory:, postgresql://. */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseTarget | string {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      new URL(url);
    } catch {
      return 'expected a valid postgresql:// URL';
    }
    return { dialect: 'postgres', connectionString: url, url };
  }
  const sqlite = /^sqlite:\/\/(.*)$/i.exec(url);
  if (sqlite) {
    const rest = sqlite[1] ?? '';
    if (rest === ':memory:' || rest === '/:memory:') return { dialect: 'sqlite', filename: ':memory:', url };
    if (!rest.startsWith('/') || rest.length < 2) {
      return 'expected sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:///:memory:';
    }
    // sqlite:///x -> "x" relative to the working directory; sqlite:////x -> "/x".
    const filePart = rest.slice(1);
    return { dialect: 'sqlite', filename: path.resolve(cwd, filePart), url };
  }
  return 'expected a sqlite:/// or postgresql:// URL';
}

interface Problem {
  variable: string;
  message: string;
  /** Other variables the check read: when one of them is malformed, its default stood in and the check is moot. */
  dependsOn?: (keyof RawEnv)[];
}

/** The password inside a URL's user info (as written and decoded), so logs can mask it; none when absent. */
function urlPasswords(raw: string | undefined): string[] {
  if (!raw) return [];
  try {
    const written = new URL(raw).password;
    if (!written) return [];
    const decoded = decodeURIComponent(written);
    return decoded === written ? [written] : [written, decoded];
  } catch {
    return [];
  }
}

function buildSettings(raw: RawEnv, problems: Problem[]) {
  const problem = (variable: keyof RawEnv, message: string, dependsOn: (keyof RawEnv)[] = []) =>
    problems.push({ variable, message, dependsOn });
  const production = raw.ENVIRONMENT === 'production';
  const debug = raw.DEBUG ?? raw.ENVIRONMENT === 'development';

  let secretKey = raw.SECRET_KEY;
  let secretKeyGenerated = false;
  if (!secretKey) {
    if (production) {
      problem('SECRET_KEY', 'required in production (at least 32 characters; `npx frontline keygen` makes one)', ['ENVIRONMENT']);
    }
    secretKey = randomBytes(32).toString('base64url');
    secretKeyGenerated = true;
  } else if (secretKey.length < 32 && production) {
    problem('SECRET_KEY', 'expected at least 32 characters in production', ['ENVIRONMENT']);
  }

  const database = parseDatabaseUrl(raw.DATABASE_URL!);
  if (typeof database === 'string') problem('DATABASE_URL', `${database}, got "${redactUrl(raw.DATABASE_URL!)}"`);

  const sessionStore = raw.USE_SHARED_CONTEXT ? 'redis' : raw.SESSION_STORE_TYPE;
  const rateLimitStorage =
    raw.RATE_LIMIT_STORAGE === 'auto' ? (sessionStore === 'redis' ? 'redis' : 'memory') : raw.RATE_LIMIT_STORAGE;
  const redisNeeded = sessionStore === 'redis' || rateLimitStorage === 'redis';
  if (raw.REDIS_URL && !/^rediss?:\/\//i.test(raw.REDIS_URL)) {
    problem('REDIS_URL', `expected a redis:// or rediss:// URL, got "${redactUrl(raw.REDIS_URL)}"`);
  } else if (redisNeeded && !raw.REDIS_URL) {
    problem('REDIS_URL', `required when SESSION_STORE_TYPE=redis or RATE_LIMIT_STORAGE=redis (e.g. redis://127.0.0.1:6379/0)`, [
      'SESSION_STORE_TYPE',
      'USE_SHARED_CONTEXT',
      'RATE_LIMIT_STORAGE',
    ]);
  }

  const encryptionEnabled = raw.SESSION_ENCRYPTION_ENABLED ?? true;
  if (sessionStore === 'redis' && encryptionEnabled && !raw.SESSION_ENCRYPTION_KEY) {
    problem(
      'SESSION_ENCRYPTION_KEY',
      'required with SESSION_STORE_TYPE=redis and SESSION_ENCRYPTION_ENABLED=true: run `npx frontline keygen` and set the key it prints',
      ['SESSION_STORE_TYPE', 'USE_SHARED_CONTEXT', 'SESSION_ENCRYPTION_ENABLED'],
    );
  }

  if (!raw.API_PREFIX!.startsWith('/') || raw.API_PREFIX!.endsWith('/')) {
    problem('API_PREFIX', `expected a path starting with "/" and not ending with one, got "${raw.API_PREFIX}"`);
  }
  if (raw.RAG_CHUNK_OVERLAP >= raw.RAG_CHUNK_SIZE) {
    problem('RAG_CHUNK_OVERLAP', `expected less than RAG_CHUNK_SIZE (${raw.RAG_CHUNK_SIZE}), got ${raw.RAG_CHUNK_OVERLAP}`, [
      'RAG_CHUNK_SIZE',
    ]);
  }
  const badTypes = raw.ALLOWED_FILE_TYPES.filter((ext) => !/^\.[a-z0-9]+$/i.test(ext));
  if (badTypes.length > 0) problem('ALLOWED_FILE_TYPES', `expected extensions like ".pdf", got ${badTypes.join(', ')}`);
  if (raw.AI_PROVIDER === 'azure' && (!raw.AZURE_OPENAI_ENDPOINT || !raw.AZURE_OPENAI_API_KEY)) {
    problem('AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY are required with AI_PROVIDER=azure', [
      'AI_PROVIDER',
    ]);
  }
  for (const devSwitch of ['DEV_SLOW_MODE', 'DEV_MOCK_AI'] as const) {
    if (raw[devSwitch] && (production || raw.ENVIRONMENT === 'staging')) {
      problem(devSwitch, 'development switches are refused in staging and production', ['ENVIRONMENT']);
    }
  }
  if (raw.ENABLE_TELEMETRY && !raw.OTLP_ENDPOINT) {
    problem('OTLP_ENDPOINT', 'required when ENABLE_TELEMETRY=true (e.g. http://127.0.0.1:4318)', ['ENABLE_TELEMETRY']);
  }

  if (raw.ESCALATION_WEBHOOK_URL && !raw.ESCALATION_WEBHOOK_SECRET) {
    problem(
      'ESCALATION_WEBHOOK_SECRET',
      'required when ESCALATION_WEBHOOK_URL is set: each delivery is signed with it so the receiver can check it came from here; generate one with `openssl rand -hex 32`',
      ['ESCALATION_WEBHOOK_URL'],
    );
  }
  const recipients = (raw.ESCALATION_NOTIFICATION_EMAIL ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  // "ops@example.com" or "Ops <ops@example.com>"
  const badRecipients = recipients.filter((a) => !/^(?:[^\s@<>]+@[^\s@<>]+|[^<>]*<[^\s@<>]+@[^\s@<>]+>)$/.test(a));
  if (badRecipients.length > 0) {
    problem('ESCALATION_NOTIFICATION_EMAIL', `expected e-mail addresses separated by commas, got ${badRecipients.map((a) => `"${a}"`).join(', ')}`);
  }
  if (recipients.length > 0 && !raw.SMTP_HOST) {
    problem('SMTP_HOST', 'required when ESCALATION_NOTIFICATION_EMAIL is set: the SMTP server that sends escalation e-mail (e.g. smtp.example.com)', [
      'ESCALATION_NOTIFICATION_EMAIL',
    ]);
  }
  const businessHours = parseBusinessHours(raw.ESCALATION_BUSINESS_HOURS ?? '');
  if (typeof businessHours === 'string') problem('ESCALATION_BUSINESS_HOURS', businessHours);
  const timezone = canonicalTimeZone(raw.ESCALATION_TIMEZONE!);
  if (!timezone) {
    problem('ESCALATION_TIMEZONE', `expected an IANA time zone such as Europe/London or America/New_York, got "${raw.ESCALATION_TIMEZONE}"`);
  }

  return {
    app: {
      name: raw.APP_NAME!,
      version: raw.APP_VERSION,
      environment: raw.ENVIRONMENT,
      debug,
      logLevel: raw.LOG_LEVEL,
      logFormat: raw.LOG_FORMAT,
    },
    api: {
      host: raw.API_HOST!,
      port: raw.API_PORT,
      prefix: raw.API_PREFIX!,
      workers: raw.API_WORKERS,
      docsEnabled: raw.API_DOCS_ENABLED ?? debug,
      bodyLimit: raw.API_BODY_LIMIT,
      corsOrigins: raw.CORS_ORIGINS,
      trustProxy: raw.TRUST_PROXY,
      shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    },
    security: {
      secretKey,
      secretKeyGenerated,
      jwtAlgorithm: raw.JWT_ALGORITHM.toUpperCase() as 'HS256' | 'HS384' | 'HS512',
      jwtExpirationHours: raw.JWT_EXPIRATION_HOURS,
      adminApiKey: raw.ADMIN_API_KEY,
      customerIdentitySecret: raw.CUSTOMER_IDENTITY_SECRET,
    },
    database: {
      target: (typeof database === 'string' ? { dialect: 'sqlite', filename: ':memory:', url: '' } : database) as DatabaseTarget,
      echo: raw.DATABASE_ECHO,
      poolSize: raw.DATABASE_POOL_SIZE,
      poolTimeoutMs: raw.DATABASE_POOL_TIMEOUT * 1000,
    },
    redis: {
      url: raw.REDIS_URL,
      password: raw.REDIS_PASSWORD,
      required: redisNeeded,
      maxConnections: raw.REDIS_MAX_CONNECTIONS,
      socketTimeoutMs: Math.round(raw.REDIS_SOCKET_TIMEOUT * 1000),
      connectTimeoutMs: Math.round(raw.REDIS_SOCKET_CONNECT_TIMEOUT * 1000),
      retryOnTimeout: raw.REDIS_RETRY_ON_TIMEOUT,
      healthCheckIntervalMs: raw.REDIS_HEALTH_CHECK_INTERVAL * 1000,
      cacheEnabled: raw.CACHE_ENABLED,
      cacheTtlSeconds: raw.REDIS_TTL,
    },
    sessions: {
      store: sessionStore,
      timeoutMinutes: raw.SESSION_TIMEOUT_MINUTES,
      cleanupIntervalMs: raw.SESSION_CLEANUP_INTERVAL_SECONDS * 1000,
      maxSessions: raw.SESSION_MAX_SESSIONS,
      redisKeyPrefix: raw.REDIS_SESSION_KEY_PREFIX!,
      redisTtlSeconds: raw.REDIS_SESSION_TTL_SECONDS,
      encryptionEnabled,
      encryptionKeys: (raw.SESSION_ENCRYPTION_KEY ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
      fingerprintingEnabled: raw.SESSION_FINGERPRINTING_ENABLED,
      fingerprintStrict: raw.SESSION_FINGERPRINT_STRICT,
      lockingEnabled: raw.SESSION_LOCKING_ENABLED,
      lockTimeoutMs: Math.round(raw.SESSION_LOCK_TIMEOUT_SECONDS * 1000),
      lockRetryAttempts: raw.SESSION_LOCK_RETRY_ATTEMPTS,
      l1CacheEnabled: raw.SESSION_L1_CACHE_ENABLED,
      l1CacheSize: raw.SESSION_L1_CACHE_SIZE,
      l1CacheTtlMs: raw.SESSION_L1_CACHE_TTL_SECONDS * 1000,
      analyticsEnabled: raw.SESSION_ANALYTICS_ENABLED,
      maxMessages: raw.SESSION_MAX_MESSAGES,
    },
    ai: {
      provider: raw.AI_PROVIDER,
      openai: { apiKey: raw.OPENAI_API_KEY, organization: raw.OPENAI_ORGANIZATION, baseUrl: raw.OPENAI_API_BASE },
      azure: {
        endpoint: raw.AZURE_OPENAI_ENDPOINT,
        apiKey: raw.AZURE_OPENAI_API_KEY,
        deployment: raw.AZURE_OPENAI_DEPLOYMENT,
        apiVersion: raw.AZURE_OPENAI_API_VERSION!,
      },
      localModelPath: raw.LOCAL_MODEL_PATH,
      model: raw.AGENT_MODEL!,
      temperature: raw.AGENT_TEMPERATURE,
      maxTokens: raw.AGENT_MAX_TOKENS,
      timeoutMs: raw.AGENT_TIMEOUT * 1000,
      maxRetries: raw.AGENT_MAX_RETRIES,
      toolRegistryMode: raw.AGENT_TOOL_REGISTRY_MODE,
      mock: raw.DEV_MOCK_AI,
    },
    embeddings: {
      model: raw.EMBEDDING_MODEL!,
      alternativeModel: raw.EMBEDDING_GEMMA_MODEL!,
      dimension: raw.EMBEDDING_DIMENSION,
      batchSize: raw.EMBEDDING_BATCH_SIZE,
      useGpu: raw.USE_GPU_EMBEDDINGS,
      cacheDir: raw.MODEL_CACHE_DIR,
    },
    knowledge: {
      persistDirectory: raw.CHROMA_PERSIST_DIRECTORY!,
      collection: raw.CHROMA_COLLECTION_NAME!,
      distance: raw.CHROMA_DISTANCE_FUNCTION,
      ragEnabled: raw.RAG_ENABLED,
      chunkSize: raw.RAG_CHUNK_SIZE,
      chunkOverlap: raw.RAG_CHUNK_OVERLAP,
      searchK: raw.RAG_SEARCH_K,
      similarityThreshold: raw.RAG_SIMILARITY_THRESHOLD,
      rerankEnabled: raw.RAG_RERANK_ENABLED,
      sampleData: raw.DEV_SAMPLE_DATA ?? raw.ENVIRONMENT === 'development',
    },
    memory: {
      enabled: raw.MEMORY_ENABLED,
      maxEntries: raw.MEMORY_MAX_ENTRIES,
      ttlHours: raw.MEMORY_TTL_HOURS,
      cleanupDays: raw.MEMORY_CLEANUP_DAYS,
    },
    files: {
      maxFileSize: raw.MAX_FILE_SIZE,
      allowedTypes: raw.ALLOWED_FILE_TYPES.map((ext) => ext.toLowerCase()),
      uploadDirectory: raw.UPLOAD_DIRECTORY!,
      processAsync: raw.PROCESS_UPLOADS_ASYNC,
    },
    rateLimit: {
      enabled: raw.RATE_LIMIT_ENABLED,
      max: raw.RATE_LIMIT_REQUESTS,
      windowMs: raw.RATE_LIMIT_PERIOD * 1000,
      burst: raw.RATE_LIMIT_BURST,
      storage: rateLimitStorage,
    },
    telemetry: {
      tracingEnabled: raw.ENABLE_TELEMETRY,
      metricsEnabled: raw.METRICS_ENABLED,
      metricsPort: raw.METRICS_PORT,
      otlpEndpoint: raw.OTLP_ENDPOINT,
      serviceName: raw.OTLP_SERVICE_NAME!,
      sentryDsn: raw.SENTRY_DSN,
    },
    websocket: {
      enabled: raw.WEBSOCKET_ENABLED,
      pingIntervalMs: raw.WEBSOCKET_PING_INTERVAL * 1000,
      pingTimeoutMs: raw.WEBSOCKET_PING_TIMEOUT * 1000,
      maxConnections: raw.WEBSOCKET_MAX_CONNECTIONS,
    },
    escalation: {
      enabled: raw.ESCALATION_ENABLED,
      confidenceThreshold: raw.ESCALATION_CONFIDENCE_THRESHOLD,
      keywords: raw.ESCALATION_KEYWORDS,
      notificationEmail: raw.ESCALATION_NOTIFICATION_EMAIL,
      /** ESCALATION_NOTIFICATION_EMAIL split at commas; empty when unset. */
      notificationRecipients: recipients,
      webhookUrl: raw.ESCALATION_WEBHOOK_URL,
      webhookSecret: raw.ESCALATION_WEBHOOK_SECRET,
      webhookMaxAttempts: raw.ESCALATION_WEBHOOK_MAX_ATTEMPTS,
      /** When humans answer, the spec as written (checked above; parseBusinessHours reads it); unset = always staffed. */
      businessHours: raw.ESCALATION_BUSINESS_HOURS,
      timezone: timezone ?? 'UTC',
      smtp: {
        host: raw.SMTP_HOST,
        port: raw.SMTP_PORT,
        user: raw.SMTP_USER,
        password: raw.SMTP_PASSWORD,
        from: raw.SMTP_FROM!,
        secure: raw.SMTP_SECURE,
      },
    },
    features: {
      voiceInput: raw.FEATURE_VOICE_INPUT,
      multilingual: raw.FEATURE_MULTILINGUAL,
      analytics: raw.FEATURE_ANALYTICS,
      exportChat: raw.FEATURE_EXPORT_CHAT,
      filePreview: raw.FEATURE_FILE_PREVIEW,
    },
    dev: {
      autoReload: raw.DEV_AUTO_RELOAD,
      mockAi: raw.DEV_MOCK_AI,
      slowMode: raw.DEV_SLOW_MODE,
    },
    /** Every secret value present, so log redaction can also catch secrets echoed inside free text. */
    secretValues: [
      ...SECRET_ENV_NAMES.map((name) => raw[name]),
      ...urlPasswords(raw.DATABASE_URL),
      ...urlPasswords(raw.REDIS_URL),
    ].filter((v): v is string => typeof v === 'string' && v.length >= 6),
  };
}

export type Settings = DeepReadonly<ReturnType<typeof buildSettings>>;

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Reads settings from an environment map (process.env by default). Throws ConfigError listing every problem. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.message,
    }));
    // One message must name every bad variable, so the checks across variables run too: on the environment with
    // the malformed values left out (their defaults stand in), keeping only the findings no malformed value fed.
    const malformed = new Set(problems.map((p) => p.variable));
    const rest = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([name]) => !malformed.has(name))));
    if (rest.success) {
      const crossProblems: Problem[] = [];
      buildSettings(rest.data, crossProblems);
      problems.push(
        ...crossProblems.filter((p) => !malformed.has(p.variable) && !(p.dependsOn ?? []).some((name) => malformed.has(name))),
      );
    }
    throw new ConfigError(problems.map(({ variable, message }) => ({ variable, message })));
  }
  const problems: Problem[] = [];
  const settings = buildSettings(parsed.data, problems);
  if (problems.length > 0) throw new ConfigError(problems.map(({ variable, message }) => ({ variable, message })));
  return deepFreeze(settings) as Settings;
}
