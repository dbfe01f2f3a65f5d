/**
 * The environment schema: every variable Frontline reads, with its default. Names and meanings follow the seed's
 * `.env.example`; `.env.example` in the repository documents each one. Keep the two in step (a test checks it).
 */
import { z } from 'zod';
import { flag, num, oneOf, optionalFlag, stringList, text, url, weightMap } from './parsers.js';

const MB = 1024 * 1024;

export const envSchema = z.object({
  // Application
  APP_NAME: text('Frontline'),
  APP_VERSION: text(),
  ENVIRONMENT: oneOf(['development', 'staging', 'production', 'test'], 'development', {
    dev: 'development',
    prod: 'production',
  }),
  DEBUG: optionalFlag(),
  LOG_LEVEL: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info', {
    warning: 'warn',
    critical: 'fatal',
  }),
  LOG_FORMAT: oneOf(['json', 'pretty'], 'json'),

  // API
  API_HOST: text('0.0.0.0'),
  API_PORT: num(8000, { min: 0, max: 65535 }),
  API_PREFIX: text('/api'),
  API_WORKERS: num(1, { min: 1, max: 256 }),
  API_DOCS_ENABLED: optionalFlag(),
  API_BODY_LIMIT: num(1 * MB, { min: 1024 }),
  CORS_ORIGINS: stringList(['http://localhost:3000', 'http://localhost:8000']),
  TRUST_PROXY: flag(false),
  SHUTDOWN_TIMEOUT_SECONDS: num(25, { min: 1, max: 3600 }),

  // Security
  SECRET_KEY: text(),
  JWT_ALGORITHM: oneOf(['HS256', 'HS384', 'HS512'].map((a) => a.toLowerCase()) as ['hs256', 'hs384', 'hs512'], 'hs256'),
  JWT_EXPIRATION_HOURS: num(24, { min: 1, max: 24 * 365 }),
  ADMIN_API_KEY: text(),
  CUSTOMER_IDENTITY_SECRET: text(),

  // Database
  DATABASE_URL: text('sqlite:///./data/frontline.db'),
  DATABASE_ECHO: flag(false),
  DATABASE_POOL_SIZE: num(10, { min: 1, max: 1000 }),
  DATABASE_POOL_OVERFLOW: num(20, { min: 0, max: 1000 }),
  DATABASE_POOL_TIMEOUT: num(30, { min: 1, max: 3600 }),
  DATABASE_POOL_RECYCLE: num(3600, { min: 0 }),
  DATABASE_ASYNC_ENABLED: flag(true),

  // Redis
  REDIS_URL: text(),
  REDIS_PASSWORD: text(),
  REDIS_MAX_CONNECTIONS: num(50, { min: 1, max: 10_000 }),
  REDIS_SOCKET_TIMEOUT: num(5, { min: 0.1, max: 600, decimals: true }),
  REDIS_SOCKET_CONNECT_TIMEOUT: num(5, { min: 0.1, max: 600, decimals: true }),
  REDIS_RETRY_ON_TIMEOUT: flag(true),
  REDIS_HEALTH_CHECK_INTERVAL: num(30, { min: 1, max: 3600 }),
  CACHE_ENABLED: flag(true),
  REDIS_TTL: num(3600, { min: 1 }),

  // Sessions
  SESSION_STORE_TYPE: oneOf(['memory', 'redis'], 'memory', { in_memory: 'memory', inmemory: 'memory' }),
  USE_SHARED_CONTEXT: flag(false),
  SESSION_TIMEOUT_MINUTES: num(30, { min: 1, max: 60 * 24 * 365 }),
  SESSION_CLEANUP_INTERVAL_SECONDS: num(300, { min: 1, max: 86_400 }),
  SESSION_MAX_SESSIONS: num(10_000, { min: 1, max: 10_000_000 }),
  REDIS_SESSION_KEY_PREFIX: text('agent:session:'),
  REDIS_SESSION_TTL_SECONDS: num(1800, { min: 1 }),
  SESSION_ENCRYPTION_ENABLED: optionalFlag(),
  SESSION_ENCRYPTION_KEY: text(),
  SESSION_FINGERPRINTING_ENABLED: flag(true),
  SESSION_FINGERPRINT_STRICT: flag(false),
  SESSION_LOCKING_ENABLED: flag(true),
  SESSION_LOCK_TIMEOUT_SECONDS: num(30, { min: 0.1, max: 3600, decimals: true }),
  SESSION_LOCK_RETRY_ATTEMPTS: num(3, { min: 0, max: 1000 }),
  SESSION_L1_CACHE_ENABLED: flag(true),
  SESSION_L1_CACHE_SIZE: num(1000, { min: 1, max: 1_000_000 }),
  SESSION_L1_CACHE_TTL_SECONDS: num(60, { min: 1, max: 86_400 }),
  SESSION_ANALYTICS_ENABLED: flag(false),
  SESSION_MAX_MESSAGES: num(1000, { min: 1, max: 100_000 }),

  // Models
  AI_PROVIDER: oneOf(['local', 'openai', 'azure', 'extractive'], 'local', { none: 'extractive', ollama: 'openai' }),
  OPENAI_API_KEY: text(),
  OPENAI_ORGANIZATION: text(),
  OPENAI_API_BASE: url(),
  AZURE_OPENAI_ENDPOINT: url(),
  AZURE_OPENAI_API_KEY: text(),
  AZURE_OPENAI_DEPLOYMENT: text(),
  AZURE_OPENAI_API_VERSION: text('2024-10-01-preview'),
  LOCAL_MODEL_PATH: text(),
  AGENT_MODEL: text('gpt-4o-mini'),
  AGENT_TEMPERATURE: num(0.7, { min: 0, max: 2, decimals: true }),
  AGENT_MAX_TOKENS: num(2000, { min: 1, max: 1_000_000 }),
  AGENT_TIMEOUT: num(30, { min: 1, max: 3600 }),
  AGENT_MAX_RETRIES: num(3, { min: 0, max: 20 }),
  AGENT_TOOL_REGISTRY_MODE: oneOf(['legacy', 'registry'], 'legacy'),

  // Embeddings
  EMBEDDING_MODEL: text('sentence-transformers/all-MiniLM-L6-v2'),
  EMBEDDING_GEMMA_MODEL: text('Qwen/Qwen3-Embedding-0.6B'),
  EMBEDDING_DIMENSION: num(384, { min: 1, max: 8192 }),
  EMBEDDING_BATCH_SIZE: num(32, { min: 1, max: 4096 }),
  USE_GPU_EMBEDDINGS: flag(false),
  MODEL_CACHE_DIR: text(),

  // Knowledge index (the seed's ChromaDB names are kept; the collection names the index table's namespace)
  CHROMA_PERSIST_DIRECTORY: text('./data/chroma_db'),
  CHROMA_COLLECTION_NAME: text('customer_support_docs'),
  CHROMA_DISTANCE_FUNCTION: oneOf(['ip', 'cosine', 'l2'], 'ip'),

  // Retrieval
  RAG_ENABLED: flag(true),
  RAG_CHUNK_SIZE: num(500, { min: 16, max: 100_000 }),
  RAG_CHUNK_OVERLAP: num(50, { min: 0, max: 100_000 }),
  RAG_SEARCH_K: num(5, { min: 1, max: 100 }),
  RAG_SIMILARITY_THRESHOLD: num(0.4, { min: 0, max: 1, decimals: true }),
  RAG_RERANK_ENABLED: flag(false),

  // Customer memory
  MEMORY_ENABLED: flag(true),
  MEMORY_MAX_ENTRIES: num(100, { min: 1, max: 100_000 }),
  MEMORY_TTL_HOURS: num(24, { min: 1, max: 24 * 365 * 10 }),
  MEMORY_CLEANUP_DAYS: num(30, { min: 1, max: 365 * 10 }),

  // Files
  MAX_FILE_SIZE: num(10 * MB, { min: 1, max: 1024 * MB }),
  ALLOWED_FILE_TYPES: stringList(['.pdf', '.doc', '.docx', '.txt', '.md', '.csv', '.xlsx', '.html']),
  UPLOAD_DIRECTORY: text('./data/uploads'),
  PROCESS_UPLOADS_ASYNC: flag(true),

  // Rate limiting
  RATE_LIMIT_ENABLED: flag(true),
  RATE_LIMIT_REQUESTS: num(100, { min: 1, max: 10_000_000 }),
  RATE_LIMIT_PERIOD: num(60, { min: 1, max: 86_400 }),
  RATE_LIMIT_BURST: num(10, { min: 0, max: 10_000_000 }),
  RATE_LIMIT_STORAGE: oneOf(['auto', 'memory', 'redis'], 'auto'),

  // Telemetry
  ENABLE_TELEMETRY: flag(false),
  METRICS_ENABLED: flag(true),
  METRICS_PORT: num(9090, { min: 0, max: 65535 }),
  OTLP_ENDPOINT: url(),
  OTLP_SERVICE_NAME: text('frontline'),
  SENTRY_DSN: text(),

  // WebSocket
  WEBSOCKET_ENABLED: flag(true),
  WEBSOCKET_PING_INTERVAL: num(30, { min: 1, max: 3600 }),
  WEBSOCKET_PING_TIMEOUT: num(10, { min: 1, max: 3600 }),
  WEBSOCKET_MAX_CONNECTIONS: num(1000, { min: 1, max: 1_000_000 }),

  // Escalation
  ESCALATION_ENABLED: flag(true),
  ESCALATION_CONFIDENCE_THRESHOLD: num(0.7, { min: 0, max: 1, decimals: true }),
  ESCALATION_KEYWORDS: weightMap({ urgent: 1.0, emergency: 1.0, legal: 0.9 }),
  ESCALATION_NOTIFICATION_EMAIL: text(),
  ESCALATION_WEBHOOK_URL: url(),
  ESCALATION_WEBHOOK_SECRET: text(),
  ESCALATION_WEBHOOK_MAX_ATTEMPTS: num(5, { min: 1, max: 20 }),
  // Read in settings.ts: the spec's grammar and the zone are checked there, beside the other checks.
  ESCALATION_BUSINESS_HOURS: text(),
  ESCALATION_TIMEZONE: text('UTC'),
  SMTP_HOST: text(),
  SMTP_PORT: num(587, { min: 1, max: 65535 }),
  SMTP_USER: text(),
  SMTP_PASSWORD: text(),
  SMTP_FROM: text('frontline@localhost'),
  SMTP_SECURE: flag(false),

  // Feature flags
  FEATURE_VOICE_INPUT: flag(false),
  FEATURE_MULTILINGUAL: flag(false),
  FEATURE_ANALYTICS: flag(false),
  FEATURE_EXPORT_CHAT: flag(true),
  FEATURE_FILE_PREVIEW: flag(true),

  // Development
  DEV_AUTO_RELOAD: flag(true),
  DEV_SAMPLE_DATA: optionalFlag(),
  DEV_MOCK_AI: flag(false),
  DEV_SLOW_MODE: flag(false),
});

export type RawEnv = z.infer<typeof envSchema>;

/** The names of every variable the schema reads, for `.env.example` checks and redaction. */
export const ENV_NAMES = Object.keys(envSchema.shape) as (keyof RawEnv)[];

/** Variables whose values are secrets: never logged, never shown in `GET /`. */
export const SECRET_ENV_NAMES = [
  'SECRET_KEY',
  'ADMIN_API_KEY',
  'CUSTOMER_IDENTITY_SECRET',
  'REDIS_PASSWORD',
  'SESSION_ENCRYPTION_KEY',
  'OPENAI_API_KEY',
  'AZURE_OPENAI_API_KEY',
  'SMTP_PASSWORD',
  'ESCALATION_WEBHOOK_SECRET',
  'SENTRY_DSN',
] as const satisfies readonly (keyof RawEnv)[];
