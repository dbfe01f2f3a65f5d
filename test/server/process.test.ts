/**
 * The built server as a real process on the embedded defaults: it becomes ready, serves probes and metrics,
 * and on SIGTERM finishes the request in flight before exiting 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { freePort, waitFor } from '../helpers/processes.js';

const CLI = path.resolve('dist/cli/main.js');

function startServer(env: Record<string, string>, cwd: string): { child: ChildProcessWithoutNullStreams; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
  });
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  return { child, output: () => output };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('server process', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('starts on embedded defaults, serves probes, drains a slow request on SIGTERM and exits 0', async () => {
    expect(fs.existsSync(CLI), 'run `npm run build` first (npm test does)').toBe(true);
    const cwd = tempDir('frontline-process');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Nothing but the port and slow mode: the embedded defaults must be enough.
    const server = startServer({ API_PORT: String(port), DEV_SLOW_MODE: 'true' }, cwd);
    child = server.child;

    await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 20_000, `server ready on ${base}\n${server.output()}`);
    expect(fs.existsSync(path.join(cwd, 'data', 'frontline.db'))).toBe(true);

    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('frontline_http_request_duration_seconds');

    // GET / is held back by slow mode; SIGTERM arrives while it is in flight.
    const slow = fetch(`${base}/`).then(async (response) => ({ status: response.status, body: (await response.json()) as { name: string } }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');

    const answered = await slow;
    expect(answered.status).toBe(200);
    expect(answered.body.name).toBe('Frontline');
    expect(await exitOf(child)).toBe(0);
    expect(server.output()).toContain('shutdown complete');
    // New connections are refused once it has gone.
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });

  it('stops at once with a message naming every bad variable', async () => {
    const cwd = tempDir('frontline-badenv');
    const server = startServer({ API_PORT: 'eighty', SESSION_STORE_TYPE: 'mongo' }, cwd);
    child = server.child;
    expect(await exitOf(child)).toBe(2);
    expect(server.output()).toContain('API_PORT');
    expect(server.output()).toContain('SESSION_STORE_TYPE');
  });
});
