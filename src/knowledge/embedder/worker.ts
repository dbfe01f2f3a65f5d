/**
 * The inference worker: owns the transformers.js tokenizer + ONNX model so tokenising and running the model
 * never block the server's event loop. Requests are handled one at a time (onnxruntime already uses every
 * core for one batch; two concurrent runs would only fight over them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { AutoModel, AutoTokenizer, env, LogLevel, type ProgressInfo, type Tensor } from '@huggingface/transformers';
import { poolAndNormalize } from './pooling.js';
import type { EmbedRequest, WorkerInit, WorkerMessage } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

env.localModelPath = init.cacheDir;
env.cacheDir = init.cacheDir;
env.allowLocalModels = true;
env.allowRemoteModels = init.allowRemoteModels;
env.logLevel = LogLevel.ERROR;

const modelDir = path.join(init.cacheDir, ...init.modelId.split('/'));

function onProgress(info: ProgressInfo): void {
  // transformers.js reports files read from disk as 'download' too; only files not on disk yet are downloads
  // (a download is written under a temporary name and renamed when complete).
  if ((info.status === 'progress' || info.status === 'download') && !fs.existsSync(path.join(modelDir, info.file))) {
    send({
      type: 'progress',
      status: info.status,
      file: info.file,
      ...(info.status === 'progress' ? { loaded: info.loaded, total: info.total, progress: info.progress } : {}),
    });
  }
}

async function load() {
  const options = { progress_callback: onProgress };
  const tokenizer = await AutoTokenizer.from_pretrained(init.modelId, options);
  const model = await AutoModel.from_pretrained(init.modelId, {
    ...options,
    dtype: init.dtype,
    device: 'cpu',
    session_options: {
      ...(init.threads ? { intraOpNumThreads: init.threads } : {}),
      // onnxruntime's threads spin for a while after each run by default, waiting for more work. Here they would
      // burn the cores the local chat model needs right after a query is embedded (its prompt evaluation took
      // ~20% longer right after an embedding than 100 ms later), for a gain only between back-to-back runs.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    },
  });
  return { tokenizer, model };
}

async function embed(loaded: Awaited<ReturnType<typeof load>>, texts: string[]): Promise<Float32Array> {
  const inputs = loaded.tokenizer(texts, { padding: true, truncation: true, max_length: init.maxLength });
  const output = (await loaded.model(inputs)) as { last_hidden_state: Tensor };
  const hidden = output.last_hidden_state;
  const [batch, seq, dim] = hidden.dims as [number, number, number];
  const mask = (inputs.attention_mask as Tensor).data as BigInt64Array;
  const vectors = poolAndNormalize(hidden.data as Float32Array, mask, batch, seq, dim, init.pooling);
  hidden.dispose();
  return vectors;
}

try {
  const loaded = await load();
  // One probe tells the dimension without reading the config (some models have no hidden_size).
  const probe = await embed(loaded, ['probe']);
  send({ type: 'ready', dimension: probe.length, dtype: init.dtype });

  let queue = Promise.resolve();
  port.on('message', (request: EmbedRequest) => {
    queue = queue.then(async () => {
      try {
        const vectors = await embed(loaded, request.texts);
        send({ type: 'result', id: request.id, vectors, count: request.texts.length }, [vectors.buffer as ArrayBuffer]);
      } catch (error) {
        send({ type: 'error', id: request.id, error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
} catch (error) {
  send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}
