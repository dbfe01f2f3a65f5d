/**
 * createEmbedder(settings, logger): the embedder the settings ask for, or null for lexical-only mode.
 *
 * - EMBEDDING_MODEL "openai:<name>" or "text-embedding-*" -> the OpenAI-compatible endpoint
 *   (OPENAI_API_BASE, OPENAI_API_KEY, OPENAI_ORGANIZATION).
 * - anything else is a local ONNX model id, loaded from MODEL_CACHE_DIR (default ~/.cache/frontline/models,
 *   filled by scripts/fetch-models.sh) or, when hub downloads are allowed, fetched there on first use.
 *
 * No model files and no downloads allowed, or a model that fails to load: a warning says so and null comes
 * back; the service keeps running on lexical search (the caller reports it in /health).
 */
import type { Settings } from '../../config/index.js';
import type { Embedder } from '../types.js';
import { LocalEmbedder } from './local.js';
import { defaultModelCacheDir, findLocalModel } from './models.js';
import { OpenAIEmbedder } from './openai.js';
import type { EmbedderLogger } from './progress.js';

export { LocalEmbedder, type LocalEmbedderOptions } from './local.js';
export { OpenAIEmbedder, type OpenAIEmbedderOptions } from './openai.js';
export { defaultModelCacheDir, findLocalModel, profileFor, type ModelDtype, type ModelProfile } from './models.js';
export type { EmbedderLogger } from './progress.js';

export interface CreateEmbedderOptions {
  /**
   * Let transformers.js download a missing local model from the hub. Default: true except when
   * ENVIRONMENT=test or HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE is set (tests and CI must use the cache).
   */
  allowRemoteModels?: boolean;
}

type EmbedderSettings = Pick<Settings, 'embeddings' | 'ai' | 'app'>;

export function isRemoteEmbeddingModel(model: string): boolean {
  return model.startsWith('openai:') || /^text-embedding-/i.test(model);
}

export function defaultAllowRemoteModels(settings: EmbedderSettings, env: NodeJS.ProcessEnv = process.env): boolean {
  const offline = ['HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE'].some((name) => /^(1|true|yes)$/i.test(env[name] ?? ''));
  return settings.app.environment !== 'test' && !offline;
}

export async function createEmbedder(
  settings: EmbedderSettings,
  logger: EmbedderLogger,
  options: CreateEmbedderOptions = {},
): Promise<Embedder | null> {
  const { model, batchSize } = settings.embeddings;

  if (isRemoteEmbeddingModel(model)) {
    const name = model.replace(/^openai:/, '');
    try {
      return await OpenAIEmbedder.create({
        model: name,
        baseUrl: settings.ai.openai.baseUrl,
        apiKey: settings.ai.openai.apiKey,
        organization: settings.ai.openai.organization,
        batchSize,
        logger,
      });
    } catch (error) {
      logger.warn(
        { model: name, err: (error as Error).message },
        'embeddings endpoint unavailable: running in lexical-only mode (keyword search, no semantic search)',
      );
      return null;
    }
  }

  const cacheDir = settings.embeddings.cacheDir || defaultModelCacheDir();
  const allowRemoteModels = options.allowRemoteModels ?? defaultAllowRemoteModels(settings);
  const local = findLocalModel(cacheDir, model);
  if (!allowRemoteModels && !(local.dtype && local.hasTokenizer)) {
    logger.warn(
      { model, dir: local.dir },
      'no embedding model files and model downloads are off: running in lexical-only mode (keyword search, ' +
        'no semantic search). Run scripts/fetch-models.sh or set MODEL_CACHE_DIR to a folder that has them.',
    );
    return null;
  }
  try {
    return await LocalEmbedder.create({ model, cacheDir, allowRemoteModels, batchSize, logger });
  } catch (error) {
    logger.warn(
      { model, dir: local.dir, err: (error as Error).message },
      'embedding model could not be loaded: running in lexical-only mode (keyword search, no semantic search)',
    );
    return null;
  }
}
