import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionStoreUnavailableError } from '../../errors.js';
import { CommandChannel } from './commands.js';

/** A client that is connected and records what is done to its socket. */
function fakeClient() {
  const stream = Object.assign(new EventEmitter(), { cork: vi.fn(), uncork: vi.fn(), destroy: vi.fn() });
  return { client: { status: 'ready', stream } as unknown as Redis, stream };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('CommandChannel', () => {
  afterEach(() => vi.useRealTimers());

  it('sends a lone command at once and corks the socket for the rest of the tick when more follow', async () => {
    const { client, stream } = fakeClient();
    const channel = new CommandChannel(client, { replyTimeoutMs: 1000, connectTimeoutMs: 1000 });
    await channel.call(async () => 'one');
    await nextTick();
    expect(stream.cork).not.toHaveBeenCalled();

    const corkedWhenSent: number[] = [];
    const send = () => channel.call(async () => corkedWhenSent.push(stream.cork.mock.calls.length - stream.uncork.mock.calls.length));
    const replies = Promise.all([send(), send(), send()]);
    expect(corkedWhenSent).toEqual([0, 1, 1]); // the first went out directly, the others wait for the tick to end
    await nextTick();
    expect(stream.uncork).toHaveBeenCalledTimes(1);
    await replies;
    channel.close();
  });

  it('drops the connection when the oldest command has waited longer than the reply timeout', async () => {
    vi.useFakeTimers();
    const { client, stream } = fakeClient();
    const channel = new CommandChannel(client, { replyTimeoutMs: 400, connectTimeoutMs: 1000 });
    let fail!: (error: Error) => void;
    const hanging = channel.call(() => new Promise((_, reject) => (fail = reject)));
    await channel.call(async () => 'answered at once');
    vi.advanceTimersByTime(400);
    expect(stream.destroy).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(stream.destroy).toHaveBeenCalledTimes(1);
    fail(new Error('Connection is closed.')); // what ioredis does to the commands of a destroyed connection
    await expect(hanging).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    vi.advanceTimersByTime(2000);
    expect(stream.destroy).toHaveBeenCalledTimes(1); // nothing left waiting
    channel.close();
  });
});
