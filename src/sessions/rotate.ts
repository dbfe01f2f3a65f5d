/**
 * `rotateKeys(store)`: re-encrypts every session under the primary key of SESSION_ENCRYPTION_KEY (used by
 * `frontline keys rotate`). Rotation without downtime: put the new key first and keep the old one after it on
 * every instance (all keys decrypt, the first encrypts), run this, then drop the old key.
 * Each session is rewritten by compare-and-set, so sessions in use keep working while it runs.
 */
import { SessionStoreUnavailableError } from '../errors.js';
import { RedisSessionStore } from './redis/store.js';
import type { SessionStore } from './types.js';

export interface RotationReport {
  /** Sessions looked at. */
  sessions: number;
  /** Sessions rewritten under the primary key. */
  reencrypted: number;
  /** Sessions that could not be read (e.g. encrypted with a key no longer in the ring); left as they were. */
  failed: string[];
}

export async function rotateKeys(
  store: SessionStore,
  options: { onProgress?: (report: RotationReport) => void } = {},
): Promise<RotationReport> {
  const report: RotationReport = { sessions: 0, reencrypted: 0, failed: [] };
  // The memory store keeps nothing at rest: there is nothing to re-encrypt.
  if (!(store instanceof RedisSessionStore)) return report;
  for await (const id of store.ids()) {
    report.sessions += 1;
    try {
      if (await store.reencrypt(id)) report.reencrypted += 1;
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError) throw error;
      report.failed.push(id);
    }
    if (report.sessions % 100 === 0) options.onProgress?.(report);
  }
  options.onProgress?.(report);
  return report;
}
