/**
 * The pure rules both stores share: validating input, applying a patch, building the frozen Session snapshot.
 * The stores differ only in where the state lives and how they make each change atomic.
 */
import { ValidationError } from '../errors.js';
import {
  COUNTER_NAMES,
  MESSAGE_ROLES,
  SESSION_STATUSES,
  type CounterName,
  type CreateSessionInput,
  type NewSessionMessage,
  type PatchInput,
  type Session,
  type SessionChanges,
  type SessionCounters,
  type SessionMessage,
  type SessionPatch,
  type SessionStatus,
} from './types.js';

/** The fields of a session that are sensitive or free-form: stored encrypted by the Redis store. */
export interface SessionData {
  tokenHash: string;
  customerId?: string;
  conversationId?: string;
  fingerprint?: string;
  status: SessionStatus;
  metadata: Record<string, unknown>;
}

export interface NormalizedChanges {
  patch?: PatchInput;
  /** Counter deltas, messageCount already including the appended messages. */
  increments: [CounterName, number][];
  messages: SessionMessage[];
  touch: boolean;
}

const OPTIONAL_TEXT = ['customerId', 'conversationId', 'fingerprint'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

function checkStatus(status: unknown): SessionStatus {
  if (!(SESSION_STATUSES as readonly unknown[]).includes(status)) {
    throw new ValidationError(`session status must be one of ${SESSION_STATUSES.join(', ')}`);
  }
  return status as SessionStatus;
}

/** Values that JSON keeps exactly as they are (-0 becomes 0, NaN and the infinities null). */
function isJsonScalar(value: unknown): boolean {
  const type = typeof value;
  return type === 'string' || type === 'boolean' || value === null || (type === 'number' && Number.isFinite(value) && !Object.is(value, -0));
}

/**
 * A copy of `metadata` as JSON would store it. A flat object of scalars (the usual patch, on every write) is
 * copied as it is, which is the same result without the round trip through JSON text.
 */
function checkMetadata(metadata: unknown): Record<string, unknown> {
  if (!isPlainObject(metadata)) throw new ValidationError('session metadata must be a plain JSON object');
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (key === '__proto__' || !isJsonScalar(value)) return jsonCopy(metadata);
    copy[key] = value;
  }
  return copy;
}

function jsonCopy(metadata: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError('session metadata must be JSON-serialisable', { cause: error });
  }
}

const ZERO_COUNTERS: SessionCounters = Object.freeze(
  Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as Record<CounterName, number>,
);

export function zeroCounters(): Record<CounterName, number> {
  return { ...ZERO_COUNTERS };
}

export function isCounterName(name: unknown): name is CounterName {
  return (COUNTER_NAMES as readonly unknown[]).includes(name);
}

export function newSessionData(input: CreateSessionInput): SessionData {
  if (typeof input.tokenHash !== 'string' || input.tokenHash.length === 0) {
    throw new ValidationError('a session needs the hash of its token');
  }
  const data: SessionData = {
    tokenHash: input.tokenHash,
    status: checkStatus(input.status ?? 'active'),
    metadata: checkMetadata(input.metadata ?? {}),
  };
  return applyPatch(data, { customerId: input.customerId, conversationId: input.conversationId, fingerprint: input.fingerprint });
}

/** `data` with `patch` applied (a new object; `data` is not changed). */
export function applyPatch(data: SessionData, patch: SessionPatch): SessionData {
  if (!isPlainObject(patch)) throw new ValidationError('a session patch must be an object');
  const next: SessionData = { ...data, metadata: { ...data.metadata } };
  for (const field of OPTIONAL_TEXT) {
    const value = patch[field];
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else if (typeof value === 'string') next[field] = value;
    else throw new ValidationError(`session ${field} must be a string or null`);
  }
  if (patch.status !== undefined) next.status = checkStatus(patch.status);
  if (patch.metadata !== undefined) {
    const changes = checkMetadata(patch.metadata);
    for (const key of Object.keys(changes)) {
      const value = changes[key];
      if (value === null) delete next.metadata[key];
      else next.metadata[key] = value;
    }
  }
  return next;
}

export function resolvePatch(patch: PatchInput | undefined, current: Session): SessionPatch | undefined {
  return typeof patch === 'function' ? patch(current) : patch;
}

export function normalizeChanges(changes: SessionChanges, now: number): NormalizedChanges {
  // Plain loops, no closures: this runs on every write.
  const totals = new Map<CounterName, number>();
  for (const [name, by] of Object.entries(changes.increments ?? {})) {
    if (!isCounterName(name)) throw new ValidationError(`unknown session counter "${name}"`);
    if (!Number.isSafeInteger(by)) throw new ValidationError(`counter ${name} must change by an integer`);
    if (by !== 0) totals.set(name, (totals.get(name) ?? 0) + by);
  }
  const messages: SessionMessage[] = [];
  for (const message of changes.messages ?? []) messages.push(normalizeMessage(message, now));
  if (messages.length > 0) totals.set('messageCount', (totals.get('messageCount') ?? 0) + messages.length);
  return { patch: changes.patch, increments: [...totals], messages, touch: changes.touch === true };
}

function normalizeMessage(message: NewSessionMessage, now: number): SessionMessage {
  if (!(MESSAGE_ROLES as readonly unknown[]).includes(message?.role)) {
    throw new ValidationError(`message role must be one of ${MESSAGE_ROLES.join(', ')}`);
  }
  if (typeof message.content !== 'string') throw new ValidationError('message content must be a string');
  const at = message.at === undefined ? now : new Date(message.at).getTime();
  if (Number.isNaN(at)) throw new ValidationError('message time must be a valid date');
  return { role: message.role, content: message.content, at: iso(at) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export interface SessionParts {
  id: string;
  data: SessionData;
  counters: SessionCounters;
  messages: readonly SessionMessage[];
  /** Times as ms since the epoch or as ISO strings. */
  createdMs: number | string;
  activeMs: number | string;
  expiresMs: number | string;
  revision: number;
}

let lastIsoMs = NaN;
let lastIso = '';

/** ISO text of a time. The last one is kept: writes in the same millisecond share it (toISOString is not cheap). */
function iso(time: number | string): string {
  if (typeof time === 'string') return time;
  if (time !== lastIsoMs) {
    lastIso = new Date(time).toISOString();
    lastIsoMs = time;
  }
  return lastIso;
}

/** Builds the frozen snapshot handed to callers (on every read and write: kept cheap). */
export function assembleSession(parts: SessionParts): Session {
  const { data } = parts;
  const session: { -readonly [K in keyof Session]: Session[K] } = {
    id: parts.id,
    tokenHash: data.tokenHash,
    status: data.status,
    // A frozen counters object comes from an earlier snapshot, complete: shared rather than copied.
    counters: Object.isFrozen(parts.counters) ? parts.counters : Object.freeze({ ...ZERO_COUNTERS, ...parts.counters }),
    messages: parts.messages,
    metadata: data.metadata,
    createdAt: iso(parts.createdMs),
    lastActivityAt: iso(parts.activeMs),
    expiresAt: iso(parts.expiresMs),
    revision: parts.revision,
  };
  if (data.customerId !== undefined) session.customerId = data.customerId;
  if (data.conversationId !== undefined) session.conversationId = data.conversationId;
  if (data.fingerprint !== undefined) session.fingerprint = data.fingerprint;
  // The other fields are text, numbers or the counters frozen above: only these two can hold objects.
  deepFreeze(session.messages);
  deepFreeze(session.metadata);
  return Object.freeze(session);
}

/** The sensitive part of a session (copied, so it can be patched). */
export function dataOf(session: Session): SessionData {
  const { tokenHash, customerId, conversationId, fingerprint, status, metadata } = session;
  const data: SessionData = { tokenHash, status, metadata: { ...metadata } };
  return applyPatch(data, { customerId, conversationId, fingerprint });
}

/** The last `max` messages of `current` followed by `added`. */
export function messageWindow(current: readonly SessionMessage[], added: readonly SessionMessage[], max: number): SessionMessage[] {
  return [...current, ...added].slice(-max);
}

/** `session` with `changes` applied in process (the memory store's write; the Redis store does it in Lua). */
export function applyChanges(
  session: Session,
  changes: NormalizedChanges,
  options: { now: number; ttlMs: number; maxMessages: number },
): Session {
  const patch = resolvePatch(changes.patch, session);
  const counters: Record<CounterName, number> = { ...session.counters };
  for (const [name, by] of changes.increments) counters[name] += by;
  return assembleSession({
    id: session.id,
    data: patch ? applyPatch(dataOf(session), patch) : dataOf(session),
    counters,
    messages: changes.messages.length > 0 ? messageWindow(session.messages, changes.messages, options.maxMessages) : session.messages,
    createdMs: session.createdAt,
    activeMs: options.now,
    expiresMs: changes.touch ? options.now + options.ttlMs : session.expiresAt,
    revision: session.revision + 1,
  });
}
