/**
 * `frontline users …`: the team's accounts from the command line, for the first admin before anyone can log in
 * and for scripts. A password comes from standard input with --password-stdin (never from an argument, which
 * would land in the shell's history and the process list); otherwise one is generated and printed once.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { Settings } from '../config/index.js';
import type { UserRole } from '../storage/index.js';

async function withUsers<T>(settings: Settings, work: (users: import('../storage/index.js').UserRepository) => Promise<T>): Promise<T> {
  const { openDatabase, migrateToLatest, createRepositories } = await import('../storage/index.js');
  const database = await openDatabase(settings.database.target);
  try {
    await migrateToLatest(database);
    return await work(createRepositories(database).users);
  } finally {
    await database.close();
  }
}

/** The first line of standard input, when --password-stdin asks for it. */
async function passwordFromStdin(wanted: boolean | undefined): Promise<string | undefined> {
  if (!wanted) return undefined;
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const password = text.split(/\r?\n/)[0];
  if (!password) fail('--password-stdin: standard input had no password on its first line');
  return password;
}

const emailSchema = z.string().trim().toLowerCase().email();

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

export function addUserCommands(program: Command, loadSettings: () => Settings): void {
  const users = program.command('users').description('manage the accounts of agents and admins (console and tickets API)');

  users
    .command('add <email>')
    .description('add an account; without --password-stdin a password is generated and printed once')
    .requiredOption('--name <name>', 'the name customers see on the messages of this person')
    .option('--role <role>', 'agent or admin', 'agent')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (rawEmail: string, options: { name: string; role: string; passwordStdin?: boolean }) => {
      if (options.role !== 'agent' && options.role !== 'admin') fail('--role must be agent or admin');
      const email = emailSchema.safeParse(rawEmail);
      if (!email.success) fail(`not an e-mail address: ${rawEmail}`);
      if (!options.name.trim() || options.name.length > 100) fail('--name must be 1 to 100 characters');
      const { createAccount } = await import('../server/auth/accounts.js');
      const password = await passwordFromStdin(options.passwordStdin);
      const created = await withUsers(loadSettings(), (repository) =>
        createAccount(repository, { email: email.data, displayName: options.name.trim(), role: options.role as UserRole, ...(password ? { password } : {}) }),
      ).catch((error: Error) => fail(error.message));
      process.stdout.write(`added ${created.user.email} (${created.user.role}) with id ${created.user.id}\n`);
      if (created.generatedPassword) process.stdout.write(`password: ${created.generatedPassword}\n(shown this once; pass it on safely)\n`);
    });

  users
    .command('list')
    .description('list the accounts')
    .action(async () => {
      const { formatTable } = await import('./knowledge-commands.js');
      const page = await withUsers(loadSettings(), (repository) => repository.list({ limit: 200 }));
      const rows = page.items.map((u) => [u.email, u.displayName, u.role, u.disabled ? 'disabled' : 'active', u.lastLoginAt?.toISOString() ?? 'never']);
      process.stdout.write(`${formatTable(['email', 'name', 'role', 'status', 'last login'], rows)}\n`);
    });

  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    users
      .command(`${name} <email>`)
      .description(disabled ? 'shut an account out at once (its tokens stop working)' : 'let a disabled account log in again')
      .action(async (email: string) => {
        const { updateAccount } = await import('../server/auth/accounts.js');
        const user = await withUsers(loadSettings(), async (repository) => {
          const found = await repository.findByEmail(email);
          return found && updateAccount(repository, found.id, { disabled });
        });
        if (!user) fail(`no account with e-mail ${email}`);
        process.stdout.write(`${user.email} is ${disabled ? 'disabled' : 'enabled'}\n`);
      });
  }

  users
    .command('password <email>')
    .description('set a new password (its earlier login tokens stop working): with --password-stdin, else generated and printed once')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (email: string, options: { passwordStdin?: boolean }) => {
      const { updateAccount } = await import('../server/auth/accounts.js');
      const { generatePassword } = await import('../server/auth/passwords.js');
      const piped = await passwordFromStdin(options.passwordStdin);
      const password = piped ?? generatePassword();
      const user = await withUsers(loadSettings(), async (repository) => {
        const found = await repository.findByEmail(email);
        return found && updateAccount(repository, found.id, { password });
      }).catch((error: Error) => fail(error.message));
      if (!user) fail(`no account with e-mail ${email}`);
      process.stdout.write(piped ? `password of ${user.email} changed\n` : `password of ${user.email}: ${password}\n(shown this once)\n`);
    });
}
