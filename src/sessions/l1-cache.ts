/**
 * The Redis store's in-process L1 cache: a bounded LRU with TTL (SESSION_L1_CACHE_SIZE / _TTL_SECONDS) of
 * decoded session states, keyed by session id and tagged with the revision they were read at.
 *
 * Consistency: an entry is never served on trust. Every read asks Redis, in the same single round trip a read
 * needs anyway, whether the session's revision is still the cached one; only then is the cached state used and
 * the payload neither transferred nor decrypted (a hit). Since every write of every instance increases the
 * revision inside its Lua script, an instance never serves a state older than another instance's acknowledged
 * write. Writes by this instance replace the entry with the state they produced.
 */
import { LRUCache } from 'lru-cache';
import type { L1Stats } from './types.js';

export interface Revisioned {
  revision: number;
}

export class L1Cache<V extends Revisioned> {
  private readonly cache: LRUCache<string, V> | undefined;
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly options: { enabled: boolean; maxSize: number; ttlMs: number }) {
    // ttlResolution 0: read the clock on each lookup; the default caches it behind a 1 ms timer, one timer per
    // lookup when lookups are more than 1 ms apart.
    const { enabled, maxSize: max, ttlMs: ttl } = options;
    this.cache = enabled ? new LRUCache<string, V>({ max, ttl, ttlResolution: 0 }) : undefined;
  }

  /** The cached state (possibly stale: confirm its revision with Redis before serving it). */
  peek(id: string): V | undefined {
    return this.cache?.get(id);
  }

  /**
   * Stores the state just read or written. (A late reply may put back an older revision: harmless, since no
   * entry is served before Redis confirms its revision.)
   */
  set(id: string, value: V): void {
    this.cache?.set(id, value);
  }

  delete(id: string): void {
    this.cache?.delete(id);
  }

  clear(): void {
    this.cache?.clear();
  }

  recordHit(): void {
    this.hitCount += 1;
  }

  recordMiss(): void {
    this.missCount += 1;
  }

  stats(): L1Stats {
    const lookups = this.hitCount + this.missCount;
    return {
      enabled: this.options.enabled,
      size: this.cache?.size ?? 0,
      maxSize: this.options.enabled ? this.options.maxSize : 0,
      hits: this.hitCount,
      misses: this.missCount,
      hitRate: lookups === 0 ? 0 : this.hitCount / lookups,
    };
  }
}
