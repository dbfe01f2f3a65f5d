/**
 * Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure-compatible proxies, Ollama,
 * vLLM, LM Studio, text-embeddings-inference). Batches inputs, times out each attempt, retries 429 and 5xx with
 * exponential backoff (honouring Retry-After), and reports failures as UpstreamError / UpstreamTimeoutError.
 * The API key goes in the Authorization header only and is scrubbed from every message this module produces.
 *
 * countTokens: the remote model's tokenizer is not available here, so by default it is estimated as
 * ceil(characters / 4) (OpenAI's rule of thumb for English); pass `countTokens` to use a real tokenizer.
 */
import { UpstreamError, UpstreamTimeoutError, ValidationError } from '../../errors.js';
import type { Embedder } from '../types.js';
import { normalizeInPlace } from './pooling.js';
import type { EmbedderLogger } from './progress.js';

export interface OpenAIEmbedderOptions {
  /** API root including the version, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1. */
  baseUrl?: string;
  apiKey?: string;
  organization?: string;
  model: string;
  /** Vector size; when omitted, create() asks the endpoint once. */
  dimension?: number;
  /** Inputs per request. Default 64. */
  batchSize?: number;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and network errors. Default 3. */
  maxRetries?: number;
  /** First backoff delay; doubles each retry, with jitter. Default 500 ms. */
  retryBaseMs?: number;
  /** Longest wait honoured from a Retry-After header. Default 20 s. */
  maxRetryDelayMs?: number;
  countTokens?: (text: string) => number;
  logger?: EmbedderLogger;
  fetch?: typeof fetch;
}

interface EmbeddingsResponse {
  data?: { index?: number; embedding?: number[] }[];
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export class OpenAIEmbedder implements Embedder {
  readonly modelId: string;
  dimension: number;
  private readonly url: string;
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly tokenCounter: (text: string) => number;
  private readonly controllers = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: OpenAIEmbedderOptions) {
    if (!options.model) throw new ValidationError('the embeddings model name is required');
    const base = (options.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
    try {
      new URL(base);
    } catch {
      throw new ValidationError(`invalid embeddings base URL: ${base}`);
    }
    this.url = `${base}/embeddings`;
    this.modelId = options.model;
    this.dimension = options.dimension ?? 0;
    this.batchSize = positive('batchSize', options.batchSize ?? 64);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? 30_000);
    this.maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 3));
    this.retryBaseMs = Math.max(0, options.retryBaseMs ?? 500);
    this.maxRetryDelayMs = Math.max(0, options.maxRetryDelayMs ?? 20_000);
    this.fetchImpl = options.fetch ?? fetch;
    this.tokenCounter = options.countTokens ?? ((text) => Math.ceil(text.length / 4));
  }

  /** Builds the client and, when the dimension is not given, learns it from one request. */
  static async create(options: OpenAIEmbedderOptions): Promise<OpenAIEmbedder> {
    const embedder = new OpenAIEmbedder(options);
    if (!embedder.dimension) {
      const [probe] = await embedder.request(['dimension probe']);
      embedder.dimension = probe!.length;
    }
    return embedder;
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    // Sequential batches: a rate-limited endpoint is better served by one request at a time.
    for (let i = 0; i < texts.length; i += this.batchSize) {
      out.push(...(await this.request(texts.slice(i, i + this.batchSize))));
    }
    return out;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [vector] = await this.request([text]);
    return vector!;
  }

  /** Queries and passages embed the same way on these endpoints. */
  embedQueries(texts: string[]): Promise<Float32Array[]> {
    return this.embedDocuments(texts);
  }

  countTokens(text: string): number {
    return this.tokenCounter(text);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.controllers) controller.abort(new Error('embedder closed'));
  }

  private async request(input: string[]): Promise<Float32Array[]> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new UpstreamError('embeddings client closed');
      let retryAfterMs: number | undefined;
      let failure: UpstreamError | UpstreamTimeoutError;
      try {
        const response = await this.post(input);
        if (response.ok) return this.parse(await response.json(), input.length);
        const body = this.scrub((await response.text().catch(() => '')).slice(0, 300));
        const retryable = response.status === 429 || response.status >= 500;
        failure = new UpstreamError(`embeddings endpoint answered ${response.status}${body ? `: ${body}` : ''}`, {
          details: { status: response.status, retryable, attempts: attempt + 1 },
        });
        if (!retryable) throw failure;
        retryAfterMs = parseRetryAfter(response.headers);
      } catch (error) {
        if (error instanceof UpstreamError) throw error;
        if (this.closed) throw new UpstreamError('embeddings client closed');
        failure =
          error instanceof Error && error.name === 'TimeoutError'
            ? new UpstreamTimeoutError(`embeddings endpoint did not answer within ${this.timeoutMs} ms`, {
                details: { attempts: attempt + 1 },
              })
            : new UpstreamError(`embeddings endpoint unreachable: ${this.scrub(String((error as Error).message))}`, {
                details: { attempts: attempt + 1 },
              });
      }
      if (attempt >= this.maxRetries) throw failure;
      const backoff = this.retryBaseMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
      const delay = Math.min(retryAfterMs ?? backoff, this.maxRetryDelayMs);
      this.options.logger?.warn(
        { url: this.url, attempt: attempt + 1, delayMs: Math.round(delay), reason: failure.message },
        'embeddings request failed; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async post(input: string[]): Promise<Response> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(new DOMException('timed out', 'TimeoutError')), this.timeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (this.options.organization) headers['openai-organization'] = this.options.organization;
    try {
      const response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.modelId, input, encoding_format: 'float' }),
        signal: controller.signal,
      });
      // Read the body under the same timeout: a server may send headers and then stall.
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, headers: response.headers });
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason instanceof Error) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  private parse(json: unknown, expected: number): Float32Array[] {
    const data = (json as EmbeddingsResponse)?.data;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new UpstreamError(`embeddings endpoint returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${expected} inputs`);
    }
    const vectors: Float32Array[] = new Array(expected);
    data.forEach((item, position) => {
      const index = typeof item.index === 'number' ? item.index : position;
      if (!Array.isArray(item.embedding) || index < 0 || index >= expected) {
        throw new UpstreamError('embeddings endpoint returned a malformed vector');
      }
      // Ollama and some proxies return unnormalised vectors; the index expects unit length.
      vectors[index] = normalizeInPlace(Float32Array.from(item.embedding));
    });
    const dimension = vectors[0]!.length;
    if (vectors.some((v) => !v || v.length !== dimension) || (this.dimension && dimension !== this.dimension)) {
      throw new UpstreamError(`embeddings endpoint returned vectors of unexpected size (expected ${this.dimension || dimension})`);
    }
    return vectors;
  }

  /** Removes the API key wherever an upstream echoes it (some proxies repeat the request in errors). */
  private scrub(text: string): string {
    const key = this.options.apiKey;
    return key ? text.split(key).join('[REDACTED]') : text;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new ValidationError(`${name} must be a positive number`);
  return value;
}

/** Retry-After in seconds or an HTTP date; OpenAI also sends retry-after-ms. */
function parseRetryAfter(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
