// The WebGPU engine of the wasm module (wasm/api/engines.mjs's contract):
//
//   import { registerEngine } from './cappy.mjs';
//   import { createWebGpuEngine } from './webgpu/engine.mjs';
//   registerEngine('webgpu', createWebGpuEngine);
//
// The core tokenizes and packs each batch and plans its dispatches
// (context.model.plan); this engine reads the checkpoint's tensors where the
// loader holds them, uploads them once at start, and runs every batch's plan
// on the executor.
import { createExecutor, deviceLimits } from './executor.mjs';
import { checkpointTensors } from './weights.mjs';

// The plan's weight format ('f32' | 'f16' | 'q8', plan.h's WeightFormat) for
// what the checkpoint stores: Q8_0 linear matrices (a q8 bundle) stay Q8_0
// blocks on the device, unpacked in the shader; other 16-bit ones run as f16;
// f32 checkpoints stay f32.
export function weightFormat(tensors) {
  let format = 'f32';
  for (const [name, t] of tensors) {
    if (!name.endsWith('.weight') || t.shape.length !== 2) continue;
    if (t.dtype === 'Q8_0') return 'q8';
    if (t.dtype !== 'F32') format = 'f16';
  }
  return format;
}

function planOf(model, tokens, pairs, maxPairTokens, format) {
  const plan = model.plan(tokens, pairs, maxPairTokens, format);
  if (typeof plan !== 'string') throw new Error(`the core could not plan this batch: ${plan?.error ?? plan}`);
  return plan;
}

export async function createWebGpuEngine({ adapter, files, bundle, model, onLost }) {
  const device = await adapter.requestDevice({ requiredLimits: deviceLimits(adapter) });
  device.lost.then((info) => {
    if (info.reason !== 'destroyed') onLost?.(info.message || 'the WebGPU device was lost');
  });
  try {
    const tensors = checkpointTensors(files, bundle);
    const format = weightFormat(tensors);
    const executor = createExecutor(device, { weights: (name) => tensors.get(name) });
    // Upload every weight and compile the kernels now, not on the first call.
    await executor.prepare(planOf(model, 1, 1, 1, format));
    const i = adapter.info ?? {};
    const description = [...new Set([i.vendor, i.architecture, i.device, i.description].filter((s) => s))].join(' ');
    return {
      device: 'webgpu',
      adapter: description || 'WebGPU adapter',
      weights: format,
      async run(batch) {
        const pairs = batch.offsets.length - 1;
        let longest = 0;
        for (let p = 0; p < pairs; p++) longest = Math.max(longest, batch.offsets[p + 1] - batch.offsets[p]);
        return executor.run(planOf(model, batch.ids.length, pairs, longest, format), batch);
      },
      dispose() {
        executor.dispose();
        device.destroy();
      },
    };
  } catch (e) {
    device.destroy();
    throw e;
  }
}
