/**
 * Local embeddings with transformers.js (ONNX on CPU). The model runs in a worker thread (worker.ts) so a big
 * ingestion never stalls HTTP traffic; the main thread keeps only the tokenizer, which is small and lets
 * countTokens() stay synchronous for the chunker.
 *
 * Model files come from `<cacheDir>/<org>/<model>/` (what scripts/fetch-models.sh lays out). When hub downloads
 * are allowed, transformers.js fetches missing files into the same directory on first use, with progress
 * reported through `onProgress` (the default draws a bar on stderr).
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AutoTokenizer, env, LogLevel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { ServiceUnavailableError, ValidationError } from '../../errors.js';
import type { Embedder } from '../types.js';
import { findLocalModel, profileFor, type ModelDtype, type ModelProfile } from './models.js';
import type { ProgressMessage, WorkerInit, WorkerMessage } from './protocol.js';
import { progressBar, type EmbedderLogger } from './progress.js';

export interface LocalEmbedderOptions {
  /** Hub-style model id, e.g. "sentence-transformers/all-MiniLM-L6-v2". */
  model: string;
  /** Where model files are looked up and downloads are stored. */
  cacheDir: string;
  /** Download missing files from the model hub (real installs); false in tests and CI. Default false. */
  allowRemoteModels?: boolean;
  /** Texts per model call (EMBEDDING_BATCH_SIZE). Default 32. */
  batchSize?: number;
  /** ONNX variant; default: what is on disk (see models.ts), else fp32 when downloading. */
  dtype?: ModelDtype;
  /** onnxruntime threads in the worker; default one per core. */
  threads?: number;
  logger?: EmbedderLogger;
  /** Download progress; default: a progress bar on stderr. */
  onProgress?: (progress: ProgressMessage) => void;
}

/** Batches in flight to the worker at once: keeps it busy without queueing a whole corpus in messages. */
const MAX_IN_FLIGHT = 2;

interface Pending {
  resolve: (vectors: Float32Array) => void;
  reject: (error: Error) => void;
}

/** Starts the worker: compiled .js next to this file, or the .ts source through tsx when run from source. */
function startWorker(init: WorkerInit): Worker {
  const self = import.meta.url;
  if (self.endsWith('.js')) return new Worker(new URL('./worker.js', self), { workerData: init });
  // Node 20 does not pass --import loaders to worker entries: register tsx inside the worker, then import.
  const require = createRequire(self);
  const tsxApi = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs'));
  const target = new URL('./worker.ts', self).href;
  const code = `import(${JSON.stringify(tsxApi.href)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return new Worker(code, { eval: true, workerData: init });
}

export class LocalEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  readonly dtype: ModelDtype;
  private readonly profile: ModelProfile;
  private readonly batchSize: number;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private failure?: Error;

  private constructor(
    private readonly worker: Worker,
    private readonly tokenizer: PreTrainedTokenizer,
    options: { modelId: string; dimension: number; dtype: ModelDtype; profile: ModelProfile; batchSize: number },
  ) {
    this.modelId = options.modelId;
    this.dimension = options.dimension;
    this.dtype = options.dtype;
    this.profile = options.profile;
    this.batchSize = options.batchSize;
    worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`embedding worker exited with code ${code}`)));
    worker.unref();
  }

  /** Loads the model in a worker and the tokenizer here; rejects when the files cannot be had. */
  static async create(options: LocalEmbedderOptions): Promise<LocalEmbedder> {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError('batchSize must be a positive integer');
    const allowRemoteModels = options.allowRemoteModels ?? false;
    const local = findLocalModel(options.cacheDir, options.model, options.dtype);
    // Nothing on disk: download fp32 (onnx/model.onnx), the one file every transformers.js-ready repository has
    // (sentence-transformers/* ship no model_quantized.onnx).
    const dtype = options.dtype ?? local.dtype ?? 'fp32';
    const profile = profileFor(options.model);
    const onProgress = options.onProgress ?? progressBar(options.model, options.logger);

    const worker = startWorker({
      modelId: options.model,
      cacheDir: options.cacheDir,
      allowRemoteModels,
      dtype,
      pooling: profile.pooling,
      maxLength: profile.maxLength,
      threads: options.threads,
    });
    let dimension: number;
    // Named listeners, removed one by one: removeAllListeners() would also strip Worker's own internal ones.
    let onMessage: (message: WorkerMessage) => void = () => {};
    let onError: (error: Error) => void = () => {};
    let onExit: (code: number) => void = () => {};
    try {
      dimension = await new Promise<number>((resolve, reject) => {
        onMessage = (message) => {
          if (message.type === 'progress') onProgress(message);
          else if (message.type === 'ready') resolve(message.dimension);
          else if (message.type === 'failed') reject(new Error(message.error));
        };
        onError = reject;
        onExit = (code) => reject(new Error(`embedding worker exited with code ${code} while loading`));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
    } catch (error) {
      await worker.terminate();
      throw new ServiceUnavailableError(
        `could not load embedding model ${options.model} from ${local.dir}: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    }

    // The worker has the files now (downloaded if need be): the tokenizer loads from the same directory.
    env.localModelPath = options.cacheDir;
    env.cacheDir = options.cacheDir;
    env.allowRemoteModels = allowRemoteModels;
    env.logLevel = LogLevel.ERROR;
    const tokenizer = await AutoTokenizer.from_pretrained(options.model);
    options.logger?.info(
      { model: options.model, dtype, dimension, dir: local.dir, pooling: profile.pooling },
      'local embedding model loaded',
    );
    return new LocalEmbedder(worker, tokenizer, { modelId: options.model, dimension, dtype, profile, batchSize });
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    const prefixed = this.profile.documentPrefix ? texts.map((t) => this.profile.documentPrefix + t) : texts;
    return this.embedMany(prefixed);
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [vector] = await this.embedQueries([text]);
    return vector!;
  }

  async embedQueries(texts: string[]): Promise<Float32Array[]> {
    return this.embedMany(texts.map((text) => this.profile.queryPrefix + text));
  }

  /** Tokens without [CLS]/[SEP], so chunk sizes add up; the model reads at most `maxTokens`. */
  countTokens(text: string): number {
    return this.tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  /** Tokens the model reads per text; longer texts are truncated. */
  get maxTokens(): number {
    return this.profile.maxLength;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectAll(new ServiceUnavailableError('embedder closed'));
    await this.worker.terminate();
  }

  /**
   * Sorts texts by length so each batch pads to similar lengths (padding is wasted compute), sends batches
   * with a bounded number in flight, and puts the vectors back in input order.
   */
  private async embedMany(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
    const result: Float32Array[] = new Array(texts.length);
    const batches: number[][] = [];
    for (let i = 0; i < order.length; i += this.batchSize) batches.push(order.slice(i, i + this.batchSize));

    let next = 0;
    const runLane = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const flat = await this.request(batch.map((i) => texts[i]!));
        batch.forEach((inputIndex, row) => {
          result[inputIndex] = flat.slice(row * this.dimension, (row + 1) * this.dimension);
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_IN_FLIGHT, batches.length) }, runLane));
    return result;
  }

  private request(texts: string[]): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new ServiceUnavailableError('embedder closed'));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // An idle worker must not keep the process alive (a script that forgets close() still exits).
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, texts });
    });
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type !== 'result' && message.type !== 'error') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    if (message.type === 'result') pending.resolve(message.vectors);
    else pending.reject(new ServiceUnavailableError(`embedding failed: ${message.error}`));
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.failure = new ServiceUnavailableError(`embedding worker stopped: ${error.message}`, { cause: error });
    this.rejectAll(this.failure);
  }

  private rejectAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.worker.unref();
  }
}
