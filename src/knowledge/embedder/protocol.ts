/** Messages between LocalEmbedder (main thread) and its inference worker (worker.ts). */
import type { ModelDtype, Pooling } from './models.js';

export interface WorkerInit {
  modelId: string;
  /** transformers.js env.localModelPath and env.cacheDir: hub downloads land where local loads look. */
  cacheDir: string;
  allowRemoteModels: boolean;
  dtype: ModelDtype;
  pooling: Pooling;
  maxLength: number;
  /** onnxruntime intra-op threads; undefined lets onnxruntime choose (one per core). */
  threads?: number;
}

export interface EmbedRequest {
  id: number;
  /** Texts with any model prefix already applied. */
  texts: string[];
}

/** Download/load progress as transformers.js reports it, forwarded for the progress bar. */
export interface ProgressMessage {
  type: 'progress';
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
  progress?: number;
}

export type WorkerMessage =
  | { type: 'ready'; dimension: number; dtype: ModelDtype }
  | { type: 'failed'; error: string }
  | ProgressMessage
  /** Flat [n, dimension] vectors; the buffer is transferred, not copied. */
  | { type: 'result'; id: number; vectors: Float32Array; count: number }
  | { type: 'error'; id: number; error: string };
