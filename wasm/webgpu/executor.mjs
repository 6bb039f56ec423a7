// The WebGPU executor: runs a dispatch plan of the core
// (core/src/backend/plan/, JSON "cappy-plan" v1) on a GPUDevice. It is thin on
// purpose: it allocates the buffers the plan names, compiles the kernels it
// names and dispatches them in order. Weights are uploaded once (by name)
// and pipelines compiled once per device (by source and constants); the
// batch's activation buffers grow as needed and are reused. A batch is one
// submission with one readback.
//
//   const { device } = await requestDevice(navigator.gpu);
//   const ex = createExecutor(device, { kernels: wgslKernels, weights: (name) => tensor });
//   const logits = await ex.run(planJson, { ids, typeIds, positions, offsets });

import { convertElements, storageBytes } from './dtypes.mjs';

const PARAM_SLOT = 256;  // minUniformBufferOffsetAlignment's largest allowed value

// An adapter and a device with the adapter's buffer and workgroup limits
// (large models need more than WebGPU's defaults: roberta-large's word
// embeddings alone are 206 MB). Throws when there is no adapter.
export async function requestDevice(gpu = globalThis.navigator?.gpu, { powerPreference = 'high-performance' } = {}) {
  if (!gpu) throw new Error('WebGPU is not available (no navigator.gpu)');
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) throw new Error('WebGPU: no adapter found');
  const device = await adapter.requestDevice({ requiredLimits: deviceLimits(adapter) });
  const i = adapter.info ?? {};
  // `gpu` is returned so callers keep it alive as long as the device (Dawn's
  // node binding crashes if its instance is collected first).
  return { gpu, adapter, device, info: { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '' } };
}

// The limits to request from an adapter: its largest buffers and workgroup
// memory.
export function deviceLimits(adapter) {
  const requiredLimits = {};
  for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize'])
    requiredLimits[k] = adapter.limits[k];
  return requiredLimits;
}

export function createExecutor(device, options) {
  return new WebGpuExecutor(device, options);
}

export class WebGpuExecutor {
  // kernels: {name: WGSL source} (wgsl_kernels.mjs's wgslKernels); a plan
  //   made with sources (plan_to_json(plan, true)) may carry its own instead.
  // weights(name): the checkpoint tensor {dtype: 'F32'|'F16'|'BF16'|'Q8_0', shape, data: Uint8Array}
  //   (shape as PyTorch/HF has it, [out, in] for linear weights);
  //   called once per tensor, on the first plan that uses it.
  constructor(device, { kernels = {}, weights } = {}) {
    if (!device) throw new Error('createExecutor: a GPUDevice is required');
    if (typeof weights !== 'function') throw new Error('createExecutor: options.weights must be a function (name) => tensor');
    this.device = device;
    this.kernels = kernels;
    this.getWeight = weights;
    this.weightBuffers = new Map();  // plan buffer name -> GPUBuffer
    this.batchBuffers = new Map();   // activation / input name -> GPUBuffer (grow-only)
    this.pipelines = pipelineCache(device);
    this.queue = Promise.resolve();  // runs are serialized: they share buffers
    this.disposed = false;
  }

  // Runs the plan on one packed batch; resolves to the logits (Float32Array,
  // rows*cols, pair-major). batch: {ids, typeIds, positions, offsets} as
  // integer arrays (offsets has pairs + 1 entries).
  run(plan, batch) {
    const result = this.queue.then(() => this.#run(typeof plan === 'string' ? JSON.parse(plan) : plan, batch));
    this.queue = result.catch(() => {});
    return result;
  }

  // Uploads the plan's weights and compiles its pipelines without running
  // anything: at load time, so that the first batch is not slower and the
  // caller may release its copy of the weights afterwards (weights(name) is
  // never called again for what was uploaded).
  prepare(plan) {
    const result = this.queue.then(() => this.#prepare(typeof plan === 'string' ? JSON.parse(plan) : plan));
    this.queue = result.catch(() => {});
    return result;
  }

  dispose() {
    this.disposed = true;
    for (const b of this.weightBuffers.values()) b.destroy();
    for (const b of this.batchBuffers.values()) b.destroy();
    this.weightBuffers.clear();
    this.batchBuffers.clear();
  }

  async #prepare(plan) {
    if (this.disposed) throw new Error('executor: used after dispose()');
    checkPlan(plan, this.device.limits);
    await this.#withErrorScopes(() => {
      for (const b of plan.buffers) if (b.role === 'weight') this.#weight(b);
      for (const d of plan.dispatches) this.#pipeline(plan, d);
    });
  }

  // Runs fn; a WebGPU validation or out-of-memory error it caused rejects.
  async #withErrorScopes(fn) {
    const device = this.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let result;
    try {
      result = await fn();
    } finally {
      const validation = await device.popErrorScope();
      const oom = await device.popErrorScope();
      const error = validation ?? oom;
      if (error) {
        // An invalid shader or pipeline stays invalid: compile afresh next time.
        this.pipelines.clear();
        throw new Error(`WebGPU: ${error.message}`);
      }
    }
    return result;
  }

  async #run(plan, batch) {
    if (this.disposed) throw new Error('executor: used after dispose()');
    checkPlan(plan, this.device.limits);
    const input = packInput(plan, batch);
    const device = this.device;
    return this.#withErrorScopes(async () => {
      const buffers = plan.buffers.map((b) => this.#buffer(b));
      device.queue.writeBuffer(buffers[plan.input.buffer], 0, input);
      const pipelines = plan.dispatches.map((d) => this.#pipeline(plan, d));

      const params = this.#batchBuffer('params', plan.dispatches.length * PARAM_SLOT, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      device.queue.writeBuffer(params, 0, packParams(plan.dispatches));
      const out = plan.output;
      const outBytes = out.rows * out.cols * 4;
      const readback = device.createBuffer({ size: Math.max(4, outBytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      plan.dispatches.forEach((d, i) => {
        const entries = d.bindings.map((b, k) => ({ binding: k, resource: { buffer: buffers[b] } }));
        entries.push({ binding: d.bindings.length, resource: { buffer: params, offset: i * PARAM_SLOT, size: 16 * Math.ceil(d.params.length / 4) } });
        pass.setPipeline(pipelines[i]);
        pass.setBindGroup(0, device.createBindGroup({ layout: pipelines[i].getBindGroupLayout(0), entries }));
        pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
      });
      pass.end();
      encoder.copyBufferToBuffer(buffers[out.buffer], 0, readback, 0, outBytes);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const logits = new Float32Array(readback.getMappedRange(0, outBytes).slice(0));
      readback.unmap();
      readback.destroy();
      return logits;
    });
  }

  #buffer(b) {
    if (b.role === 'weight') return this.#weight(b);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    return this.#batchBuffer(`${b.role}:${b.name}`, b.bytes, usage);
  }

  #batchBuffer(key, bytes, usage) {
    let buf = this.batchBuffers.get(key);
    if (!buf || buf.size < bytes) {
      buf?.destroy();
      buf = this.device.createBuffer({ label: key, size: bytes, usage });
      this.batchBuffers.set(key, buf);
    }
    return buf;
  }

  // Uploads a weight the first time a plan names it: its parts concatenated
  // along dim 0, converted to the plan's dtype.
  #weight(b) {
    const key = `${b.name}:${b.dtype}`;
    let buf = this.weightBuffers.get(key);
    if (buf) return buf;
    const partShape = [b.shape[0] / b.parts.length, ...b.shape.slice(1)];
    const partCount = partShape.reduce((a, x) => a * x, 1);
    const partBytes = storageBytes(b.dtype, partCount);
    buf = this.device.createBuffer({ label: b.name, size: b.bytes, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
    try {
      const dst = new Uint8Array(buf.getMappedRange());
      b.parts.forEach((name, k) => {
        const t = this.getWeight(name);
        if (!t) throw new Error(`weight ${name}: missing from the checkpoint`);
        if (t.shape.length !== partShape.length || t.shape.some((x, i) => x !== partShape[i]))
          throw new Error(`weight ${name}: shape [${t.shape}] where the model needs [${partShape}]`);
        convertElements(t.data, t.dtype, dst.subarray(k * partBytes, (k + 1) * partBytes), b.dtype, partCount);
      });
    } catch (e) {
      buf.unmap();
      buf.destroy();
      throw e;
    }
    buf.unmap();
    this.weightBuffers.set(key, buf);
    return buf;
  }

  #pipeline(plan, d) {
    const code = (plan.kernels && !Array.isArray(plan.kernels) && plan.kernels[d.kernel]) || this.kernels[d.kernel];
    if (!code) throw new Error(`executor: no WGSL source for kernel '${d.kernel}'`);
    const key = `${code}\n${JSON.stringify(d.constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      // Synchronous creation: errors surface through the run's error scope.
      const module = this.device.createShaderModule({ label: d.kernel, code });
      p = this.device.createComputePipeline({
        label: d.kernel, layout: 'auto', compute: { module, entryPoint: 'main', constants: d.constants },
      });
      this.pipelines.set(key, p);
    }
    return p;
  }
}

// Compiled pipelines per device, by WGSL source and constants, shared by the
// executors of one device (several models, or a model reloaded).
const pipelineCaches = new WeakMap();
function pipelineCache(device) {
  let cache = pipelineCaches.get(device);
  if (!cache) pipelineCaches.set(device, (cache = new Map()));
  return cache;
}

function checkPlan(plan, limits) {
  if (!plan || plan.format !== 'cappy-plan' || plan.version !== 1)
    throw new Error('executor: not a cappy-plan version 1 (format/version fields)');
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (plan.limits.max_buffer_bytes > binding)
    throw new Error(`executor: the plan needs a ${plan.limits.max_buffer_bytes}-byte buffer; this device binds at most ${binding} (use smaller batches)`);
  if (plan.limits.workgroup_storage_bytes > limits.maxComputeWorkgroupStorageSize)
    throw new Error(`executor: the plan's kernels need ${plan.limits.workgroup_storage_bytes} bytes of workgroup memory; this device has ${limits.maxComputeWorkgroupStorageSize}`);
}

// The batch as the plan's input buffer: ids | type ids | positions | offsets (i32).
function packInput(plan, batch) {
  const { tokens, pairs, max_pair_tokens: maxLen } = plan.shape;
  const { ids, typeIds, positions, offsets } = batch ?? {};
  for (const [name, a, n] of [['ids', ids, tokens], ['typeIds', typeIds, tokens], ['positions', positions, tokens], ['offsets', offsets, pairs + 1]]) {
    if (!a || a.length !== n) throw new Error(`executor: batch.${name} must have ${n} entries for this plan (has ${a?.length ?? 'none'})`);
  }
  if (offsets[0] !== 0 || offsets[pairs] !== tokens) throw new Error(`executor: batch.offsets must run from 0 to ${tokens}`);
  for (let p = 0; p < pairs; p++) {
    const n = offsets[p + 1] - offsets[p];
    if (!(n >= 1 && n <= maxLen)) throw new Error(`executor: pair ${p} has ${n} tokens; the plan allows 1..${maxLen}`);
  }
  // Rows of the embedding tables, so an id outside them is an error rather than a clamped read.
  const embed = plan.dispatches.find((d) => d.kernel === 'embed_layernorm');
  const limits = embed ? embed.bindings.slice(1, 4).map((b) => plan.buffers[b].shape[0]) : [Infinity, Infinity, Infinity];
  const data = new Int32Array(plan.buffers[plan.input.buffer].bytes / 4);
  const { ids_at, type_ids_at, positions_at, offsets_at } = plan.input;
  for (let t = 0; t < tokens; t++) {
    const id = ids[t], pos = positions[t], type = typeIds[t];
    if (!(id >= 0 && id < limits[0])) throw new Error(`executor: token ${t}: id ${id} outside the vocabulary (${limits[0]})`);
    if (!(pos >= 0 && pos < limits[1])) throw new Error(`executor: token ${t}: position ${pos} outside the position table (${limits[1]})`);
    if (!(type >= 0 && type < limits[2])) throw new Error(`executor: token ${t}: type id ${type} outside the ${limits[2]} token types`);
    data[ids_at + t] = id;
    data[type_ids_at + t] = type;
    data[positions_at + t] = pos;
  }
  for (let p = 0; p <= pairs; p++) data[offsets_at + p] = offsets[p];
  return data;
}

// Every dispatch's Params struct in its own 256-byte slot of one uniform buffer.
function packParams(dispatches) {
  const bytes = new ArrayBuffer(dispatches.length * PARAM_SLOT);
  const view = new DataView(bytes);
  dispatches.forEach((d, i) => {
    d.params.forEach((p, k) => {
      const at = i * PARAM_SLOT + 4 * k;
      if (p.type === 'f32') view.setFloat32(at, p.value, true);
      else if (p.type === 'u32') view.setUint32(at, p.value, true);
      else throw new Error(`executor: param ${p.name} has unknown type ${p.type}`);
    });
  });
  return bytes;
}
