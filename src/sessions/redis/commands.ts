/**
 * The store's channel to Redis: every command goes through `call` (or `run` for a Lua script), which waits for
 * the first connection, bounds how long a reply may take, and maps failures onto the error catalogue
 * (SESSION_STORE_UNAVAILABLE when Redis is unreachable or silent).
 *
 * Each command is written to the socket as it is issued. Corking the socket for a tick (one writev for all the
 * commands of the tick, as ioredis's autopipelining does) saves system calls, but it made the store's callers
 * move in lock step: at 8 concurrent callers node and Redis took turns instead of working side by side, and
 * throughput was a median 39% of raw ioredis over seven runs, against 50% over 13 runs without it
 * (bench/sessions/store.bench.ts; at 32 callers 58% with it, 52% without).
 */
import type { Redis } from 'ioredis';
import { toStoreError, waitUntilReady } from './connection.js';
import { runScript, type ScriptArg, type ScriptName } from './scripts.js';

export interface CommandChannelOptions {
  /** How long a command may wait for its reply before the connection is dropped (REDIS_SOCKET_TIMEOUT). */
  replyTimeoutMs: number;
  /** How long the first commands wait for the very first connection (later, commands fail fast). */
  connectTimeoutMs: number;
}

export class CommandChannel {
  /** Settles once the first connection is up (or its wait has run out); until then commands wait for it. */
  private firstConnection: Promise<unknown> | undefined;
  private readonly watchdog: ReplyWatchdog;

  constructor(
    readonly client: Redis,
    options: CommandChannelOptions,
  ) {
    if (!(options.replyTimeoutMs > 0)) throw new RangeError('the reply timeout must be a positive number of ms');
    this.watchdog = new ReplyWatchdog(client, options.replyTimeoutMs);
    if (client.status !== 'ready') {
      this.firstConnection = waitUntilReady(client, options.connectTimeoutMs).finally(() => {
        this.firstConnection = undefined;
      });
    }
  }

  /** Sends the one command `fn` issues on the client (one: the watchdog counts replies). */
  call<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    if (this.firstConnection) return this.firstConnection.then(() => this.send(fn));
    return this.send(fn);
  }

  /** Runs a script; `buffers` for replies that carry stored values (see state.ts). */
  run<T>(name: ScriptName, keys: readonly string[], args: readonly ScriptArg[], buffers = false): Promise<T> {
    return this.call((client) => runScript(client, name, keys, args, buffers) as Promise<T>);
  }

  close(): void {
    this.watchdog.close();
  }

  private send<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
    let reply: Promise<T>;
    try {
      reply = fn(this.client);
    } catch (error) {
      return Promise.reject(toStoreError(error));
    }
    this.watchdog.sent();
    return reply.then(
      (value) => {
        this.watchdog.answered();
        return value;
      },
      (error: unknown) => {
        this.watchdog.answered();
        throw toStoreError(error);
      },
    );
  }
}

/**
 * Fails the store's commands when Redis stops answering: once the oldest command awaiting a reply is older than
 * the timeout (REDIS_SOCKET_TIMEOUT), the connection is dropped, as ioredis's socketTimeout does, so every command
 * on it fails (SESSION_STORE_UNAVAILABLE) and ioredis reconnects. The same bound as a commandTimeout, with one
 * interval per connection instead of a timer set and cleared per command (a measurable share of a command's cost
 * at low concurrency). A command fails between 1 and 1.25 timeouts after it was sent.
 */
class ReplyWatchdog {
  /** Send times of the commands awaiting a reply, oldest first (Redis answers in order). */
  private readonly pending: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly client: Redis,
    private readonly timeoutMs: number,
  ) {
    this.timer = setInterval(() => this.check(), Math.max(10, Math.floor(timeoutMs / 4)));
    this.timer.unref();
  }

  sent(): void {
    this.pending.push(Date.now());
  }

  answered(): void {
    this.pending.shift();
  }

  private check(): void {
    const oldest = this.pending[0];
    if (oldest === undefined || Date.now() - oldest <= this.timeoutMs || this.client.status !== 'ready') return;
    this.client.stream.destroy(new Error(`redis did not answer within ${this.timeoutMs} ms`));
  }

  close(): void {
    clearInterval(this.timer);
  }
}
