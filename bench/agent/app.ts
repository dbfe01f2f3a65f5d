/** What the agent benchmarks share: settings for a throwaway app on a SQLite file, and adding an article to it. */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadSettings, type Settings } from '../../src/config/index.js';
import { tempDir } from '../../test/helpers/app.js';

export { REFUND_ARTICLE } from '../../test/agent/fixtures.js';

const ADMIN_KEY = 'fl_admin_bench';

export function benchSettings(label: string, env: Record<string, string>): Settings {
  const dir = tempDir(label);
  return loadSettings({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `sqlite:///${path.join(dir, 'bench.db')}`,
    SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
    RATE_LIMIT_ENABLED: 'false',
    ADMIN_API_KEY: ADMIN_KEY,
    RAG_SIMILARITY_THRESHOLD: '0',
    PROCESS_UPLOADS_ASYNC: 'false',
    ...env,
  });
}

/** Indexes an article (synchronously: PROCESS_UPLOADS_ASYNC=false) or throws with the answer. */
export async function addArticle(app: FastifyInstance, title: string, content: string): Promise<void> {
  const response = await app.inject({ method: 'POST', url: '/api/knowledge/documents', headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: { title, content } });
  if (response.statusCode !== 201) throw new Error(`ingest failed: ${response.body}`);
}
