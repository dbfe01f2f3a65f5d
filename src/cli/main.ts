#!/usr/bin/env node
/**
 * The `frontline` command: serve, migrate, keygen, keys, ingest, search, eval, users.
 * Configuration comes from the environment and an optional .env file, exactly as for the server.
 */
import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadSettings, readEnvironment, type Settings } from '../config/index.js';
import { PACKAGE_VERSION } from '../server/version.js';
import { addKnowledgeCommands } from './knowledge-commands.js';
import { addUserCommands } from './users-commands.js';

function settingsOrExit(envFile: string): Settings {
  try {
    return loadSettings(readEnvironment(envFile));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return parsed;
}

const program = new Command()
  .name('frontline')
  .description('Frontline: a self-hostable AI customer-support agent server')
  .version(PACKAGE_VERSION)
  .option('--env-file <path>', 'read variables from this file (the environment wins)', '.env')
  .showHelpAfterError();

program
  .command('serve')
  .description('start the HTTP/WebSocket server')
  .option('-p, --port <port>', 'listen on this port (overrides API_PORT)', port)
  .option('-H, --host <host>', 'listen on this address (overrides API_HOST)')
  .action(async (options: { port?: number; host?: string }) => {
    const settings = settingsOrExit(program.opts<{ envFile: string }>().envFile);
    // Loaded on demand so that quick commands (keygen, --help) do not pay for the whole server.
    const [{ exitOnSignals, startServer }, { createLogger }] = await Promise.all([
      import('../server/lifecycle.js'),
      import('../telemetry/logger.js'),
    ]);
    const logger = createLogger(settings);
    try {
      const server = await startServer(settings, { logger, port: options.port, host: options.host });
      exitOnSignals(server, logger);
    } catch (error) {
      logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  });

program
  .command('migrate')
  .description('apply pending database migrations (also done at every start)')
  .action(async () => {
    const settings = settingsOrExit(program.opts<{ envFile: string }>().envFile);
    const { openDatabase, migrateToLatest } = await import('../storage/index.js');
    const database = await openDatabase(settings.database.target);
    try {
      const { applied } = await migrateToLatest(database);
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } finally {
      await database.close();
    }
  });

program
  .command('keygen')
  .description('print a new random key: base64 of 32 bytes (for SESSION_ENCRYPTION_KEY or SECRET_KEY)')
  .option('--admin', 'print a new ADMIN_API_KEY instead (for the knowledge and admin routes)')
  .action(async (options: { admin?: boolean }) => {
    if (!options.admin) return void process.stdout.write(`${randomBytes(32).toString('base64')}\n`);
    const { generateAdminKey } = await import('../server/auth/admin.js');
    process.stdout.write(`${generateAdminKey()}\n`);
    process.stderr.write('Set it as ADMIN_API_KEY (environment or .env) and send it as "Authorization: Bearer <key>". It is not stored anywhere else.\n');
  });

addKnowledgeCommands(program, () => settingsOrExit(program.opts<{ envFile: string }>().envFile));
addUserCommands(program, () => settingsOrExit(program.opts<{ envFile: string }>().envFile));
program.commands
  .find((command) => command.name() === 'eval')!
  .command('answers')
  .description('run the agent on each task of a documents.jsonl + tasks.jsonl set and on off-topic questions: grounded answers, citation precision, abstention')
  .requiredOption('--data <dir>', 'folder with documents.jsonl and tasks.jsonl (e.g. ../shared/eval/banking_knowledge)')
  .option('--limit <n>', 'only the first n tasks', (value) => Number.parseInt(value, 10))
  .option('--json', 'print only the JSON report')
  .action(async (options: { data: string; limit?: number; json?: boolean }) => {
    const { evaluateAnswers, formatAnswersReport } = await import('./eval-answers.js');
    const report = await evaluateAnswers(settingsOrExit(program.opts<{ envFile: string }>().envFile), options);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatAnswersReport(report)}\n`);
  });

const keys = program.command('keys').description('manage session encryption keys');
keys
  .command('rotate')
  .description('re-encrypt every session under the first key of SESSION_ENCRYPTION_KEY (keep the old keys after it until this is done)')
  .action(async () => {
    const settings = settingsOrExit(program.opts<{ envFile: string }>().envFile);
    const { createSessionStore, rotateKeys } = await import('../sessions/index.js');
    const store = await createSessionStore(settings);
    try {
      const report = await rotateKeys(store, {
        onProgress: (progress) => process.stderr.write(`\r${progress.reencrypted}/${progress.sessions} sessions re-encrypted`),
      });
      process.stderr.write('\n');
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.failed.length > 0) process.exitCode = 1;
    } finally {
      await store.close();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`frontline: ${(error as Error).message}\n`);
  process.exit(1);
});
