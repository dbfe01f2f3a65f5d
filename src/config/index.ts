/**
 * Configuration entry point. `readEnvironment()` merges an optional `.env` file under the real environment
 * (the environment wins), and `loadSettings()` validates it into frozen Settings.
 */
import fs from 'node:fs';
import { parse as parseDotenv } from 'dotenv';

export { ConfigError, loadSettings, parseDatabaseUrl, type DatabaseTarget, type Settings } from './settings.js';
export { ENV_NAMES, SECRET_ENV_NAMES } from './schema.js';

/** The process environment with `.env` values (if the file exists) filled in beneath it. */
export function readEnvironment(envFile = '.env', env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  if (!fs.existsSync(envFile)) return { ...env };
  const fromFile = parseDotenv(fs.readFileSync(envFile));
  return { ...fromFile, ...env };
}
