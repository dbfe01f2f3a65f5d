/**
 * `withSessionLock(store, id, fn)`: run `fn` holding the session's lock. Every write made through the handle
 * carries the lock's fencing token, so if this holder stalls past its lease and another takes the lock, the
 * stalled holder's writes are refused (StaleLockError) instead of overwriting newer data.
 *
 * Changes passed to `stage()` are written together with the release in one atomic step (one Redis round trip)
 * when `fn` resolves, and discarded when it throws: a chat turn is lock+load, then save+unlock.
 */
import type {
  CounterName,
  LockOptions,
  NewSessionMessage,
  PatchInput,
  Session,
  SessionChanges,
  SessionLock,
  SessionPatch,
  SessionStore,
  WriteOptions,
} from './types.js';

/** Changes that can be staged: like SessionChanges, with a plain patch (staged patches merge in order). */
export interface StagedChanges {
  patch?: SessionPatch;
  increments?: Partial<Record<CounterName, number>>;
  messages?: NewSessionMessage[];
  touch?: boolean;
}

export interface LockedSession {
  readonly id: string;
  readonly fence: number;
  /** The session as of acquisition, updated by every write made through this handle. */
  readonly session: Session;
  /** Whether the lease is known to have been lost (an extension found another holder). */
  readonly lost: boolean;
  update(patch: PatchInput): Promise<Session>;
  increment(counter: CounterName, by?: number): Promise<number>;
  appendMessage(message: NewSessionMessage | NewSessionMessage[]): Promise<Session>;
  commit(changes: SessionChanges): Promise<Session>;
  /** Queues changes for the release write. */
  stage(changes: StagedChanges): void;
  /** What is queued for the release write so far (undefined when nothing is). */
  readonly staged: StagedChanges | undefined;
  extend(leaseMs?: number): Promise<boolean>;
}

export interface WithLockOptions extends LockOptions {
  /** Extend the lease every third of it while `fn` runs (default true). */
  autoExtend?: boolean;
}

/** Combines two staged change sets: later fields win, metadata and increments add up, messages concatenate. */
export function mergeStaged(a: StagedChanges, b: StagedChanges): StagedChanges {
  const increments: Partial<Record<CounterName, number>> = { ...a.increments };
  for (const [name, by] of Object.entries(b.increments ?? {}) as [CounterName, number][]) {
    increments[name] = (increments[name] ?? 0) + by;
  }
  const patch: SessionPatch | undefined =
    a.patch || b.patch
      ? { ...a.patch, ...b.patch, ...(a.patch?.metadata || b.patch?.metadata ? { metadata: { ...a.patch?.metadata, ...b.patch?.metadata } } : {}) }
      : undefined;
  return {
    ...(patch ? { patch } : {}),
    increments,
    messages: [...(a.messages ?? []), ...(b.messages ?? [])],
    touch: a.touch === true || b.touch === true,
  };
}

class Handle implements LockedSession {
  staged: StagedChanges | undefined;
  lost = false;
  session: Session;

  constructor(
    private readonly store: SessionStore,
    private readonly lock: SessionLock,
  ) {
    this.session = lock.session;
  }

  get id(): string {
    return this.lock.sessionId;
  }

  get fence(): number {
    return this.lock.fence;
  }

  private get options(): WriteOptions {
    return this.lock.fence > 0 ? { fence: this.lock.fence } : {};
  }

  private async track(write: Promise<Session>): Promise<Session> {
    this.session = await write;
    return this.session;
  }

  update(patch: PatchInput): Promise<Session> {
    return this.track(this.store.update(this.id, patch, this.options));
  }

  async increment(counter: CounterName, by = 1): Promise<number> {
    const session = await this.track(this.store.commit(this.id, { increments: { [counter]: by } }, this.options));
    return session.counters[counter];
  }

  appendMessage(message: NewSessionMessage | NewSessionMessage[]): Promise<Session> {
    return this.track(this.store.appendMessage(this.id, message, this.options));
  }

  commit(changes: SessionChanges): Promise<Session> {
    return this.track(this.store.commit(this.id, changes, this.options));
  }

  stage(changes: StagedChanges): void {
    this.staged = this.staged ? mergeStaged(this.staged, changes) : changes;
  }

  async extend(leaseMs?: number): Promise<boolean> {
    const ok = await this.lock.extend(leaseMs);
    if (!ok) this.lost = true;
    return ok;
  }

  /** Writes the staged changes (if any) and releases. */
  async finish(): Promise<void> {
    const staged = this.staged;
    this.staged = undefined;
    const written = await this.lock.release(staged);
    if (written) this.session = written;
  }
}

export async function withSessionLock<T>(
  store: SessionStore,
  sessionId: string,
  fn: (locked: LockedSession) => Promise<T>,
  options: WithLockOptions = {},
): Promise<T> {
  const lock = await store.acquireLock(sessionId, options);
  const handle = new Handle(store, lock);
  let timer: NodeJS.Timeout | undefined;
  if (options.autoExtend !== false && lock.fence > 0) {
    const every = Math.max(10, Math.floor(lock.leaseMs / 3));
    timer = setInterval(() => {
      handle.extend(lock.leaseMs).then(
        (ok) => ok || clearInterval(timer),
        () => undefined,
      );
    }, every);
    timer.unref();
  }
  let result: T;
  try {
    result = await fn(handle);
  } catch (error) {
    clearInterval(timer);
    await lock.release().catch(() => undefined);
    throw error;
  }
  clearInterval(timer);
  await handle.finish();
  return result;
}

