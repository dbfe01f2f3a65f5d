/**
 * Building a real app for tests: real SQLite file in a temp folder (or a given DATABASE_URL), logs captured in
 * memory so tests can read them, and the same createApp() the server uses.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadSettings, type Settings } from '../../src/config/index.js';
import type { LanguageModel } from '../../src/llm/index.js';
import { createApp } from '../../src/server/app.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface TestApp {
  app: FastifyInstance;
  settings: Settings;
  /** Every log line written so far, as raw JSON text. */
  logs(): string;
  close(): Promise<void>;
}

export function tempDir(label = 'frontline'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
}

export function testSettings(env: Record<string, string> = {}): Settings {
  const dir = tempDir();
  return loadSettings({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: `sqlite:///${path.join(dir, 'test.db')}`, // an absolute path: sqlite:////tmp/...
    SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
    RATE_LIMIT_ENABLED: 'false',
    // Most tests need no model; the ones that do set AI_PROVIDER=local or pass a scripted model.
    AI_PROVIDER: 'extractive',
    ...env,
  });
}

/**
 * `extraRoutes` lets a test add a route of its own (e.g. one with a schema) before the app is ready; `model`
 * replaces the model AI_PROVIDER names (a scripted one, for the agent's tests).
 */
export async function buildTestApp(
  env: Record<string, string> = {},
  extraRoutes?: (app: FastifyInstance) => void | Promise<void>,
  options: { model?: LanguageModel } = {},
): Promise<TestApp> {
  const settings = testSettings(env);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  const app = await createApp(settings, { logger: createLogger(settings, sink), model: options.model });
  await extraRoutes?.(app);
  await app.ready();
  return { app, settings, logs: () => lines.join(''), close: () => app.close() };
}
