/**
 * Token vectors -> one unit-length sentence vector per text, the way sentence-transformers does it: mean over
 * the tokens the attention mask keeps (MiniLM, e5) or the first token (bge's CLS), then L2 normalisation.
 * Plain loops over the flat ONNX output: cheap next to the model, and shared with the raw-onnxruntime bench.
 */
import type { Pooling } from './models.js';

/**
 * @param hidden last_hidden_state, flat [batch, seq, dim]
 * @param mask attention_mask, flat [batch, seq] (int64 from the tokenizer, or numbers)
 * @returns flat [batch, dim], each row normalised
 */
export function poolAndNormalize(
  hidden: Float32Array,
  mask: ArrayLike<bigint | number>,
  batch: number,
  seq: number,
  dim: number,
  pooling: Pooling,
): Float32Array {
  const out = new Float32Array(batch * dim);
  for (let b = 0; b < batch; b++) {
    const row = out.subarray(b * dim, (b + 1) * dim);
    if (pooling === 'cls') {
      row.set(hidden.subarray(b * seq * dim, b * seq * dim + dim));
    } else {
      let kept = 0;
      for (let t = 0; t < seq; t++) {
        if (Number(mask[b * seq + t]) === 0) continue;
        kept++;
        const base = (b * seq + t) * dim;
        for (let d = 0; d < dim; d++) row[d]! += hidden[base + d]!;
      }
      // sentence-transformers clamps the divisor at 1e-9; an all-masked row stays zero either way.
      const divisor = Math.max(kept, 1e-9);
      for (let d = 0; d < dim; d++) row[d]! /= divisor;
    }
    normalizeInPlace(row);
  }
  return out;
}

export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

/** Dot product; the cosine similarity of two normalised vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
