import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionStoreUnavailableError } from '../../errors.js';
import { CommandChannel } from './commands.js';

/** A client that is connected and records whether its socket was dropped. */
function fakeClient() {
  const stream = Object.assign(new EventEmitter(), { destroy: vi.fn() });
  return { client: { status: 'ready', stream } as unknown as Redis, stream };
}

describe('CommandChannel', () => {
  afterEach(() => vi.useRealTimers());

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
