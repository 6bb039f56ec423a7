// Engines: what runs the forward pass. The core's own CPU path ('wasm') is
// built in; an engine for another device (WebGPU) plugs in here.
//
// The contract a device engine implements (the WebGPU executor, wasm/webgpu/):
//
//   registerEngine('webgpu', async (context) => engine)
//
//   context = {
//     adapter,   // the GPUAdapter the loader obtained (WebGPU), never null
//     gpu,       // the GPU object it came from (navigator.gpu or options.gpu)
//     files,     // Map<HF file name, Uint8Array>: the checkpoint as loaded (weights to upload)
//     bundle,    // true: `files` holds one Cappy bundle (GGUF; docs/bundle-format.md) instead
//     info,      // the model's info: architecture, numLayers, hiddenSize, numLabels, ...
//     model,     // the core's Model (owned by the scorer: never delete it):
//                //   model.plan(tokens, pairs, maxPairTokens, weights) -> the GPU dispatch
//                //   plan (weights 'f32' | 'f16' | 'q8'; core/src/backend/plan/README.md): its
//                //   JSON (core/src/backend/plan/plan_json.h, WGSL included) or {error}
//     core,      // the instantiated WebAssembly core
//     onLost,    // call onLost(reason) when the device is lost: the scorer moves to 'wasm'
//   }
//   engine = {
//     device,    // 'webgpu'
//     adapter,   // a description for scorer.info.adapter, e.g. 'Google SwiftShader (vulkan)'
//     weights,   // optional: the device weight format, for scorer.info.weights
//     run(batch) -> Promise<Float32Array>,  // [batch.members.length x numLabels] logits
//     dispose(),
//   }
//   batch = {    // one packed batch, as the core's batcher makes it (no padding)
//     members,   // Int32Array: the response index of each pair
//     ids, typeIds, positions,  // Int32Array, one entry per token of all pairs
//     offsets,   // Int32Array, pairs + 1 entries: pair p is tokens [offsets[p], offsets[p+1])
//   }
//
// The core tokenizes and batches (Model.prepare), the engine runs each batch,
// the scorer puts the logits in response order and ranks. A factory that
// throws, a missing adapter and a lost device all fall back to 'wasm', with
// the reason in scorer.info.fallbackReason.

const factories = new Map();

export function registerEngine(device, factory) {
  if (typeof factory !== 'function') throw new TypeError('registerEngine: the factory must be a function');
  factories.set(device, factory);
}

// { engine } or { reason } (why the device cannot be used, for info.fallbackReason).
export async function startDeviceEngine(device, { gpu, files, bundle, info, model, core, onLost }) {
  if (device !== 'webgpu') return { reason: `unknown device '${device}'` };
  gpu ??= globalThis.navigator?.gpu;
  if (!gpu) return { reason: 'WebGPU is not available here (no navigator.gpu)' };
  let adapter;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { reason: `WebGPU adapter request failed: ${e?.message ?? e}` };
  }
  if (!adapter) return { reason: 'no WebGPU adapter (requestAdapter() returned null)' };
  const factory = factories.get(device);
  if (!factory) return { reason: `the WebGPU engine is not part of this build yet (adapter: ${describeAdapter(adapter)})` };
  try {
    const engine = await factory({ adapter, gpu, files, bundle, info, model, core, onLost });
    return { engine };
  } catch (e) {
    return { reason: `the WebGPU engine failed to start: ${e?.message ?? e}` };
  }
}

export function describeAdapter(adapter) {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s);
  return parts.length ? [...new Set(parts)].join(' ') : 'unknown adapter';
}

// Runs a device engine over the batches the core prepared; logits in response
// order, [responses x numLabels].
export async function runBatches(engine, batches, count, numLabels) {
  const logits = new Float32Array(count * numLabels);
  for (const batch of batches) {
    const pairs = batch.members.length;
    const out = await engine.run(batch);
    if (!(out instanceof Float32Array) || out.length !== pairs * numLabels) {
      throw new Error(`the ${engine.device} engine returned ${out?.length} logits for ${pairs} pairs x ${numLabels} labels`);
    }
    for (let p = 0; p < pairs; ++p) logits.set(out.subarray(p * numLabels, (p + 1) * numLabels), batch.members[p] * numLabels);
  }
  return logits;
}
