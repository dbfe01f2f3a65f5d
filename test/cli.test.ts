/** The `frontline` command, run as a real process from the build. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/server/auth/passwords.js';
import { createRepositories, openDatabase } from '../src/storage/index.js';
import { tempDir } from './helpers/app.js';

const CLI = path.resolve('dist/cli/main.js');

function frontline(args: string[], env: Record<string, string> = {}, cwd = tempDir('frontline-cli'), input?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', input });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, cwd };
}

describe('frontline CLI', () => {
  it('lists its commands in --help', () => {
    const { code, stdout } = frontline(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'migrate', 'keygen']) expect(stdout).toContain(command);
  });

  it('keygen prints a fresh base64 key of 32 bytes', () => {
    const first = frontline(['keygen']).stdout.trim();
    const second = frontline(['keygen']).stdout.trim();
    expect(Buffer.from(first, 'base64')).toHaveLength(32);
    expect(first).not.toBe(second);
  });

  it('migrate creates the SQLite database from DATABASE_URL, and a second run has nothing to do', () => {
    const cwd = tempDir('frontline-migrate');
    const env = { DATABASE_URL: 'sqlite:///./var/app.db' };
    const first = frontline(['migrate'], env, cwd);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^applied: /);
    expect(fs.existsSync(path.join(cwd, 'var', 'app.db'))).toBe(true);
    const second = frontline(['migrate'], env, cwd);
    expect(second.stdout.trim()).toBe('database is up to date');
  });

  it('reads a .env file, and the environment wins over it', () => {
    const cwd = tempDir('frontline-envfile');
    fs.writeFileSync(path.join(cwd, '.env'), 'DATABASE_URL=sqlite:///./from-file.db\nAPI_PORT=not-a-port\n');
    const bad = frontline(['migrate'], {}, cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('API_PORT');
    const good = frontline(['migrate'], { API_PORT: '8123' }, cwd);
    expect(good.code).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'from-file.db'))).toBe(true);
  });

  it('users: adds accounts with a piped or a generated password (hashed), lists, disables and resets them', async () => {
    const cwd = tempDir('frontline-users');
    const env = { DATABASE_URL: 'sqlite:///./team.db' };
    const added = frontline(['users', 'add', 'Ana@Example.com', '--name', 'Ana', '--role', 'admin', '--password-stdin'], env, cwd, 'a long enough password\n');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^added ana@example.com \(admin\)/);
    expect(added.stdout).not.toContain('password');
    const generated = frontline(['users', 'add', 'bo@example.com', '--name', 'Bo'], env, cwd, '');
    const password = /password: (\S+)/.exec(generated.stdout)?.[1];
    expect(password).toMatch(/^[\w-]{24}$/);
    expect(frontline(['users', 'add', 'bo@example.com', '--name', 'Bo again'], env, cwd, '').code).toBe(1); // taken
    expect(frontline(['users', 'add', 'cy@example.com', '--name', 'Cy', '--password-stdin'], env, cwd, 'short\n').stderr).toContain('12 to 256 characters');
    expect(frontline(['users', 'add', 'not-an-email', '--name', 'Cy'], env, cwd).stderr).toContain('not an e-mail address');
    expect(frontline(['users', 'disable', 'bo@example.com'], env, cwd).stdout).toBe('bo@example.com is disabled\n');
    const listed = frontline(['users', 'list'], env, cwd).stdout;
    expect(listed).toMatch(/ana@example.com\s+Ana\s+admin\s+active/);
    expect(listed).toMatch(/bo@example.com\s+Bo\s+agent\s+disabled/);
    expect(frontline(['users', 'password', 'ana@example.com', '--password-stdin'], env, cwd, 'another long password\n').stdout).toBe('password of ana@example.com changed\n');
    expect(frontline(['users', 'disable', 'nobody@example.com'], env, cwd).code).toBe(1);

    const database = await openDatabase({ dialect: 'sqlite', filename: path.join(cwd, 'team.db'), url: '' });
    try {
      const users = createRepositories(database).users;
      const ana = await users.findCredentials('ana@example.com');
      expect(ana!.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(ana!.passwordHash, 'another long password')).toBe(true);
      expect(await verifyPassword(ana!.passwordHash, 'a long enough password')).toBe(false);
      expect(await verifyPassword((await users.findCredentials('bo@example.com'))!.passwordHash, password!)).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('refuses an unknown command with a hint', () => {
    const { code, stderr } = frontline(['servee']);
    expect(code).not.toBe(0);
    expect(stderr).toContain('serve');
  });
});
