/**
 * Azure OpenAI: the OpenAI chat completions wire format at Azure's URL shape
 * (`{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`), authenticated with an
 * `api-key` header. Everything else is the shared chat completions model.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { createChatCompletionsModel, httpModelOptionsSchema } from './openai-compatible.js';
import { parseOptions } from './support.js';
import type { LanguageModel } from './types.js';

const azureOptionsSchema = httpModelOptionsSchema.extend({
  endpoint: z.url({ protocol: /^https?$/ }),
  apiKey: z.string().min(1),
  /** The deployment's name; `model` (AGENT_MODEL) is only its label in logs. */
  deployment: z.string().min(1),
  apiVersion: z.string().min(1).default('2024-10-01-preview'),
});
export type AzureModelOptions = z.input<typeof azureOptionsSchema>;

export function azureChatCompletionsUrl(endpoint: string, deployment: string, apiVersion: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return `${base}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${encodeURIComponent(apiVersion)}`;
}

export function createAzureModel(options: AzureModelOptions, logger?: Logger): LanguageModel {
  const o = parseOptions(azureOptionsSchema, options, 'Azure OpenAI model');
  const endpoint = {
    provider: 'azure',
    url: azureChatCompletionsUrl(o.endpoint, o.deployment, o.apiVersion),
    headers: { 'api-key': o.apiKey },
    secrets: [o.apiKey],
  };
  return createChatCompletionsModel(endpoint, { ...o, model: o.deployment }, logger);
}
