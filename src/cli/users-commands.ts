/**
 * `frontline users …`: the team's accounts from the command line, for the first admin before anyone can log in
 * and for scripts. Passwords come from standard input when it is piped (never from an argument, which would
 * land in the shell's history and the process list); otherwise one is generated and printed once.
 */
import type { Command } from 'commander';
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

/** The piped password (first line), or undefined when standard input is a terminal. */
async function pipedPassword(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] || undefined;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

export function addUserCommands(program: Command, loadSettings: () => Settings): void {
  const users = program.command('users').description('manage the accounts of agents and admins (console and tickets API)');

  users
    .command('add <email>')
    .description('add an account; the password is read from standard input when piped, else generated and printed once')
    .requiredOption('--name <name>', 'the name customers see on the messages of this person')
    .option('--role <role>', 'agent or admin', 'agent')
    .action(async (email: string, options: { name: string; role: string }) => {
      if (options.role !== 'agent' && options.role !== 'admin') fail('--role must be agent or admin');
      const { createAccount } = await import('../server/auth/accounts.js');
      const password = await pipedPassword();
      const created = await withUsers(loadSettings(), (repository) =>
        createAccount(repository, { email, displayName: options.name, role: options.role as UserRole, ...(password ? { password } : {}) }),
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
    .description('set a new password: read from standard input when piped, else generated and printed once')
    .action(async (email: string) => {
      const { updateAccount } = await import('../server/auth/accounts.js');
      const { generatePassword } = await import('../server/auth/passwords.js');
      const piped = await pipedPassword();
      const password = piped ?? generatePassword();
      const user = await withUsers(loadSettings(), async (repository) => {
        const found = await repository.findByEmail(email);
        return found && updateAccount(repository, found.id, { password });
      }).catch((error: Error) => fail(error.message));
      if (!user) fail(`no account with e-mail ${email}`);
      process.stdout.write(piped ? `password of ${user.email} changed\n` : `password of ${user.email}: ${password}\n(shown this once)\n`);
    });
}
