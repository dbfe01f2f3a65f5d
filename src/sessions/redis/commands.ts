/**
 * The store's channel to Redis: every command goes through `call` (or `run` for a Lua script), which waits for
 * the first connection, coalesces the writes of one tick, bounds how long a reply may take, and maps failures
 * onto the error catalogue (SESSION_STORE_UNAVAILABLE when Redis is unreachable or silent).
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
  private readonly writes: WriteCoalescer;
  private readonly watchdog: ReplyWatchdog;

  constructor(
    readonly client: Redis,
    options: CommandChannelOptions,
  ) {
    if (!(options.replyTimeoutMs > 0)) throw new RangeError('the reply timeout must be a positive number of ms');
    this.writes = new WriteCoalescer(client);
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
    this.writes.hold();
    let reply: Promise<T>;
    try {
      reply = fn(this.client);
    } catch (error) {
      return Promise.reject(toStoreError(error));
    }
    this.watchdog.sent();
    return reply.then(
      (value) => {
        this.answered();
        return value;
      },
      (error: unknown) => {
        this.answered();
        throw toStoreError(error);
      },
    );
  }

  private answered(): void {
    this.watchdog.answered();
    this.writes.replied();
  }
}

/**
 * Coalesces the commands issued within one tick into one socket write: the socket is corked until the tick ends,
 * so they leave with one writev and Redis reads them with one read. Under concurrency this saves a system call
 * and a wake-up per command on both sides, the larger part of what a small command costs. Same effect as
 * ioredis's enableAutoPipelining without its pipeline objects and its one batch in flight.
 *
 * A lone command (concurrency 1) goes out at once: the socket is corked from the first command of a tick only
 * when several replies just arrived (their callers will send more), otherwise from the second.
 */
class WriteCoalescer {
  /** Commands sent in the current tick. */
  private sent = 0;
  /** Replies received since the last tick in which commands were sent. */
  private received = 0;
  private corked: Redis['stream'] | undefined;
  private readonly endOfTick = () => {
    this.corked?.uncork();
    this.corked = undefined;
    this.sent = 0;
    this.received = 0;
  };

  constructor(private readonly client: Redis) {}

  replied(): void {
    this.received += 1;
  }

  /** Call before sending a command on the client. */
  hold(): void {
    if (this.client.status !== 'ready') return;
    this.sent += 1;
    if (this.sent === 1) process.nextTick(this.endOfTick);
    if (!this.corked && (this.sent > 1 || this.received > 1)) {
      this.corked = this.client.stream;
      this.corked.cork();
    }
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
