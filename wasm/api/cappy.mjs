// Cappy in JavaScript: load a cross-encoder scorer, score and rerank
// (instruction, response) pairs. Runs in browsers, workers, Node and Deno.
//
//   import { load } from './cappy.mjs';
//   const scorer = await load({ 'config.json': url1, 'model.safetensors': url2, 'tokenizer.json': url3 },
//                             { device: 'auto', onProgress: ({ loaded, total }) => ... });
//   const scores = await scorer.score('Name the capital of France.', ['Paris', 'Lyon']);
//   const best = await scorer.rerank('...', candidates, { topN: 3 });  // [{ index, score }]
//   scorer.dispose();
//
// The 'wasm' device runs the core's CPU path (SIMD128) on the calling thread:
// in a page, load and score in a worker to keep the page responsive.
import { loadCore, loadModel, loadTokenizer as loadTokenizerModel, unwrap } from './core.mjs';
import { resolveFiles } from './sources.mjs';
import { startDeviceEngine, runBatches, registerEngine } from './engines.mjs';
import { createOrtEngine, importOrt, onnxModelInfo } from './ort.mjs';
import { isText, checkWellFormed } from './text.mjs';
import { createWebGpuEngine } from './webgpu/engine.mjs';

export { registerEngine };
export { loadTokenizer, Tokenizer } from './tokenizer.mjs';

registerEngine('webgpu', createWebGpuEngine);

const DEVICES = ['auto', 'wasm', 'webgpu', 'ort-wasm', 'ort-webgpu'];
const wasmAdapter = (threads) => `WebAssembly SIMD128, ${threads} thread${threads === 1 ? '' : 's'}`;

export async function load(source, options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('load: options must be an object');
  const { device = 'auto', onProgress, threads: wantThreads, batchSize = 16, maxBatchTokens = 8192 } = options;
  if (!DEVICES.includes(device)) throw new TypeError(`load: device must be one of ${DEVICES.map((d) => `'${d}'`).join(', ')}, got ${JSON.stringify(device)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('load: onProgress must be a function');
  checkCount('batchSize', batchSize, 1);
  checkCount('maxBatchTokens', maxBatchTokens, 0);
  if (wantThreads !== undefined) checkCount('threads', wantThreads, 1);
  if (device.startsWith('ort-')) return loadOnnx(source, options, device, { batchSize, maxBatchTokens });

  const [core, checkpoint] = await Promise.all([loadCore(options), resolveFiles(source, options)]);
  // The threaded build's CPU path uses all its threads unless told fewer.
  const threads = Math.min(wantThreads ?? core.cappyThreads, core.cappyThreads);
  const handle = loadModel(core, checkpoint, threads);
  const model = handle.info();

  let engine = null;
  let fallbackReason;
  const lost = { reason: null };
  if (device !== 'wasm') {
    const started = await startDeviceEngine('webgpu', {
      gpu: options.gpu, files: checkpoint.files, bundle: checkpoint.bundle, info: model, model: handle, core, onLost: (reason) => { lost.reason ??= String(reason ?? 'device lost'); },
    });
    engine = started.engine ?? null;
    fallbackReason = started.reason;
  }
  const info = engine
    ? { model, device: engine.device, adapter: engine.adapter, ...(engine.weights ? { weights: engine.weights } : {}) }
    : { model, device: 'wasm', adapter: wasmAdapter(threads), threads, ...(fallbackReason ? { fallbackReason } : {}) };
  return new Scorer(handle, engine, info, lost, { batchSize, maxBatchTokens, threads });
}

// Devices 'ort-wasm' / 'ort-webgpu' (ort.mjs): the source's model.onnx runs
// in onnxruntime-web, the core only tokenizes and batches. 'ort-webgpu' falls
// back to 'ort-wasm' when the WebGPU execution provider cannot start, saying
// why in info.fallbackReason.
async function loadOnnx(source, options, device, defaults) {
  const [core, checkpoint, ort] = await Promise.all([loadCore(options), resolveFiles(source, options, { onnx: true }), importOrt(options.ort)]);
  if (checkpoint.bundle) {
    throw new Error(`device '${device}' runs an ONNX export: give a checkpoint base URL, or a map of file names holding model.onnx and the tokenizer files, not a bundle`);
  }
  const onnx = checkpoint.files.get('model.onnx');
  if (!onnx) throw new Error(`device '${device}': the source has no model.onnx (files: ${[...checkpoint.files.keys()].join(', ')})`);
  const handle = loadTokenizerModel(core, checkpoint.files);
  // The engine, and one pair through its graph: the number of labels, and a
  // graph that fails on real input fails here rather than on the first score.
  const start = async (dev) => {
    const engine = await createOrtEngine(ort, dev, onnx);
    try {
      const [probe] = unwrap(handle.prepare('a', ['b'], 1, 0));
      return { engine, numLabels: (await engine.run(probe)).length };
    } catch (e) {
      engine.dispose();
      throw new Error(`model.onnx: a first pair does not run on onnxruntime-web's ${dev.slice(4)} execution provider: ${e?.message ?? e}`);
    }
  };
  try {
    let started, fallbackReason;
    try {
      started = await start(device);
    } catch (e) {
      if (device !== 'ort-webgpu') throw e;
      fallbackReason = e?.message ?? String(e);
      started = await start('ort-wasm');
    }
    const { engine, numLabels } = started;
    const model = onnxModelInfo(checkpoint.files, handle.info(), numLabels);
    const info = { model, device: engine.device, adapter: engine.adapter, ...(fallbackReason ? { fallbackReason } : {}) };
    return new Scorer(handle, engine, info, { reason: null }, defaults);
  } catch (e) {
    handle.delete();
    throw e;
  }
}

export class Scorer {
  #handle;
  #engine;
  #lost;
  #defaults;
  #queue = Promise.resolve();
  #disposed = false;

  constructor(handle, engine, info, lost, defaults) {
    this.#handle = handle;
    this.#engine = engine;
    this.#lost = lost;
    this.#defaults = defaults;
    this.info = info;
  }

  // The raw logit of each response (the first label's; Cappy's score), in
  // response order.
  async score(instruction, responses, options) {
    const logits = await this.logits(instruction, responses, options);
    const labels = this.info.model.numLabels;
    if (labels === 1) return logits;
    return Float32Array.from({ length: responses.length }, (_, i) => logits[i * labels]);
  }

  // Every label's raw logit: [responses x numLabels] row-major.
  async logits(instruction, responses, options = {}) {
    checkTexts(instruction, responses);
    const { batchSize = this.#defaults.batchSize, maxBatchTokens = this.#defaults.maxBatchTokens } = options ?? {};
    checkCount('batchSize', batchSize, 1);
    checkCount('maxBatchTokens', maxBatchTokens, 0);
    return this.#serialize(() => this.#run(instruction, responses, batchSize, maxBatchTokens));
  }

  // Response indices best first by score; ties keep the caller's order.
  // topN (optional) keeps the best topN.
  async rerank(instruction, responses, { topN } = {}) {
    if (topN !== undefined) checkCount('topN', topN, 0);
    const scores = await this.score(instruction, responses);
    const ranked = Array.from(scores, (score, index) => ({ index, score }));
    ranked.sort((a, b) => b.score - a.score || a.index - b.index);
    return topN ? ranked.slice(0, topN) : ranked;
  }

  // Frees the model (wasm memory, GPU buffers) once pending calls finish;
  // later calls reject. Safe to call twice.
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#queue = this.#queue.then(() => {
      this.#engine?.dispose?.();
      this.#engine = null;
      this.#handle.delete();
      this.#handle = null;
    });
  }

  // Calls run one after another (the core is not reentrant, an engine's
  // batches must not interleave).
  #serialize(fn) {
    if (this.#disposed) return Promise.reject(new Error('this scorer was disposed'));
    const result = this.#queue.then(fn);
    this.#queue = result.catch(() => {});
    return result;
  }

  async #run(instruction, responses, batchSize, maxBatchTokens) {
    if (responses.length === 0) return new Float32Array(0);
    if (this.#engine && !this.#lost.reason) {
      try {
        const batches = unwrap(this.#handle.prepare(instruction, responses, batchSize, maxBatchTokens));
        return await runBatches(this.#engine, batches, responses.length, this.info.model.numLabels);
      } catch (e) {
        if (!this.#lost.reason) throw e;
      }
    }
    if (this.#engine && this.#lost.reason) this.#fallBack(`the ${this.#engine.device} device was lost: ${this.#lost.reason}`);
    return unwrap(this.#handle.score(instruction, responses, batchSize, maxBatchTokens));
  }

  #fallBack(reason) {
    try {
      this.#engine.dispose?.();
    } catch { /* the device is gone already */ }
    this.#engine = null;
    const threads = this.#defaults.threads;
    this.info = { model: this.info.model, device: 'wasm', adapter: wasmAdapter(threads), threads, fallbackReason: reason };
  }
}

function checkTexts(instruction, responses) {
  if (!isText(instruction)) throw new TypeError('instruction must be a string or a Uint8Array of UTF-8');
  if (!Array.isArray(responses)) throw new TypeError('responses must be an array of strings');
  responses.forEach((r, i) => {
    if (!isText(r)) throw new TypeError(`responses[${i}] must be a string or a Uint8Array of UTF-8, got ${r === null ? 'null' : typeof r}`);
  });
  checkWellFormed(instruction, 'instruction');
  responses.forEach((r, i) => checkWellFormed(r, `response ${i}`));
}

function checkCount(name, value, min) {
  if (!Number.isInteger(value) || value < min) throw new TypeError(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
}
