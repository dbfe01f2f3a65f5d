/**
 * Ingestion embedding throughput (npx tsx bench/knowledge/embedding.bench.ts): the local embedder (worker
 * thread, transformers.js tokenizer + model, batching) against raw onnxruntime-node on the same model file and
 * the same batches, tokenised once up front, mean-pooled in JS. Prints texts/s for both and the ratio
 * (goal >= 85%). Rounds alternate so both sides see the same machine load; the best round of each counts.
 *
 * BENCH_TEXTS (default 192), BENCH_BATCH (default 32, as EMBEDDING_BATCH_SIZE), BENCH_ROUNDS (default 5),
 * EMBEDDING_MODEL, MODEL_CACHE_DIR. Needs the model files: scripts/fetch-models.sh.
 */
import { AutoTokenizer, env, type Tensor } from '@huggingface/transformers';
import ort from 'onnxruntime-node';
import { LocalEmbedder } from '../../src/knowledge/embedder/local.js';
import { defaultModelCacheDir, findLocalModel, profileFor } from '../../src/knowledge/embedder/models.js';
import { dot, poolAndNormalize } from '../../src/knowledge/embedder/pooling.js';

const MODEL = process.env.EMBEDDING_MODEL ?? 'sentence-transformers/all-MiniLM-L6-v2';
const cacheDir = process.env.MODEL_CACHE_DIR || defaultModelCacheDir();
const COUNT = Number(process.env.BENCH_TEXTS ?? 192);
const BATCH = Number(process.env.BENCH_BATCH ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const files = findLocalModel(cacheDir, MODEL);
if (!files.onnxPath || !files.hasTokenizer) {
  console.error(`no model files under ${files.dir}: run scripts/fetch-models.sh`);
  process.exit(1);
}
const profile = profileFor(MODEL);

// Support-article-like passages of varied length (40..250 words), like chunks at ingestion.
const WORDS = ('refund card payment account fee transfer dispute branch statement overdraft limit balance interest ' +
  'verify identity deposit withdrawal replacement freeze fraud charge merchant credit debit savings checking loan ' +
  'the a to of and for your within days business policy customer request').split(' ');
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const texts = Array.from({ length: COUNT }, (_, i) => {
  const n = 40 + Math.floor(rand() * 210);
  return `Article ${i}. ` + Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ') + '.';
});

// Baseline: same batches as the embedder makes (sorted by length, BATCH per run), tokenised once, outside timing.
env.localModelPath = cacheDir;
env.allowRemoteModels = false;
const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
const batches: { feeds: Record<string, ort.Tensor>; mask: BigInt64Array; size: number; seq: number }[] = [];
for (let i = 0; i < order.length; i += BATCH) {
  const batch = order.slice(i, i + BATCH).map((j) => texts[j]!);
  const enc = tokenizer(batch, { padding: true, truncation: true, max_length: profile.maxLength }) as Record<string, Tensor>;
  const dims = enc.input_ids!.dims;
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of ['input_ids', 'attention_mask', 'token_type_ids']) {
    const t = enc[name] ?? { data: new BigInt64Array(dims[0]! * dims[1]!), dims };
    feeds[name] = new ort.Tensor('int64', t.data as BigInt64Array, t.dims as number[]);
  }
  batches.push({ feeds, mask: enc.attention_mask!.data as BigInt64Array, size: batch.length, seq: dims[1]! });
}
const session = await ort.InferenceSession.create(files.onnxPath);

async function runRaw(): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const b of batches) {
    const result = await session.run(b.feeds);
    const hidden = result[session.outputNames[0]!]!;
    const dim = hidden.dims[2]!;
    const pooled = poolAndNormalize(hidden.data as Float32Array, b.mask, b.size, b.seq, dim, profile.pooling);
    for (let r = 0; r < b.size; r++) out.push(pooled.subarray(r * dim, (r + 1) * dim));
  }
  return out;
}

const embedder = await LocalEmbedder.create({ model: MODEL, cacheDir, dtype: files.dtype, batchSize: BATCH });

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, (performance.now() - start) / 1000];
}

// Warm up both (first runs allocate arenas), and check they compute the same vectors.
const [rawVectors] = await timed(runRaw);
const [ours] = await timed(() => embedder.embedDocuments(texts));
const agreement = Math.min(...order.map((j, k) => dot(ours[j]!, rawVectors[k]!)));

let bestRaw = Infinity;
let bestOurs = Infinity;
const pairRatios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const raw = (await timed(runRaw))[1];
  const mine = (await timed(() => embedder.embedDocuments(texts)))[1];
  bestRaw = Math.min(bestRaw, raw);
  bestOurs = Math.min(bestOurs, mine);
  pairRatios.push(raw / mine);
}
pairRatios.sort((a, b) => a - b);
const medianPair = pairRatios[Math.floor(pairRatios.length / 2)]!;
await embedder.close();
await session.release();

const tokens = batches.reduce((s, b) => s + b.mask.reduce((n, x) => n + Number(x), 0), 0);
const rawRate = COUNT / bestRaw;
const ourRate = COUNT / bestOurs;
console.log(`embedding throughput: ${MODEL} (${files.dtype}), ${COUNT} texts, ${tokens} tokens, batch ${BATCH}, best of ${ROUNDS}`);
console.log(`  raw onnxruntime-node (pre-tokenised, main thread): ${rawRate.toFixed(1)} texts/s (${(tokens / bestRaw).toFixed(0)} tokens/s)`);
console.log(`  LocalEmbedder (tokenise + worker thread + batching): ${ourRate.toFixed(1)} texts/s (${(tokens / bestOurs).toFixed(0)} tokens/s)`);
console.log(
  `  ratio: ${((ourRate / rawRate) * 100).toFixed(1)}% of raw, best vs best (goal >= 85%); median of paired rounds ` +
    `${(medianPair * 100).toFixed(1)}%; min cosine between the two: ${agreement.toFixed(6)}`,
);
