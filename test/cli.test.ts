/** The `frontline` command, run as a real process from the build. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/app.js';

const CLI = path.resolve('dist/cli/main.js');

function frontline(args: string[], env: Record<string, string> = {}, cwd = tempDir('frontline-cli')) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
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

  it('refuses an unknown command with a hint', () => {
    const { code, stderr } = frontline(['servee']);
    expect(code).not.toBe(0);
    expect(stderr).toContain('serve');
  });
});
