// Bundles (GGUF, docs/bundle-format.md) on the WebGPU executor: f32, f16 and
// q8 bundles of a model whose rows are whole Q8_0 blocks (hidden 64, FFN 128)
// score what the native CPU backend scores for the same bundle — the same
// dequantized weights, so the tolerance is f32 summation order, far below the
// 1e-3 bar. Weights are uploaded as the bundle stores them (Q8_0 blocks and
// halves unpacked in the shader). A bf16 bundle runs an f16 plan: its values
// are exact in f16 (8 of f16's 11 significant bits, |w| well inside f16's
// range), so it scores what the native CPU's f32-widening bf16 kernel scores.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createExecutor } from '../../wasm/webgpu/executor.mjs';
import { cappyBin, kernelsModule, loadFixture, packCases, planFor, root } from './fixtures.mjs';
import { convertElements, halfToFloat, storageBytes } from '../../wasm/webgpu/dtypes.mjs';
import { readGguf } from './gguf.mjs';
import { readSafetensors } from './safetensors.mjs';
import { nodeDevice } from './gpu.mjs';

const { wgslKernels } = await import(kernelsModule);
const modelDir = join(root, 'tests', 'fixtures', 'converter', 'small-roberta');
const work = mkdtempSync(join(tmpdir(), 'cappy-webgpu-'));
let gpu;
before(async () => { gpu = await nodeDevice(); });
after(() => { gpu?.device.destroy(); rmSync(work, { recursive: true, force: true }); });

// `cappy convert` of the model to a bundle of this dtype, once.
const bundles = new Map();
function makeBundle(dtype) {
  if (!bundles.has(dtype)) {
    const path = join(work, `small-roberta-${dtype}.cappy`);
    cappy(['convert', modelDir, '-o', path, '--dtype', dtype]);
    bundles.set(dtype, path);
  }
  return bundles.get(dtype);
}

function cappy(args, input, env = {}) {
  return execFileSync(cappyBin, args, { input, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
}

// The pairs of the tiny-roberta cases (same tokenizer), encoded by the core.
const pairs = loadFixture('tiny-roberta').expected.cases.map((c) => ({ id: c.id, instruction: c.instruction, response: c.response }));
const encoded = cappy(['tokenize', '--model', modelDir],
  pairs.map((p) => JSON.stringify({ text: p.instruction, pair: p.response })).join('\n') + '\n')
  .trim().split('\n').map((l) => JSON.parse(l));
const cases = pairs.map((p, i) => ({ ...p, ids: encoded[i].ids, type_ids: encoded[i].type_ids }));
const config = { model_type: 'roberta', pad_token_id: 1 };

for (const [dtype, planWeights] of [['f32', 'f32'], ['f16', 'f16'], ['q8', 'q8'], ['bf16', 'f16']]) {
  describe(`${dtype} bundle`, () => {
    let cpu, tensors;
    before(() => {
      const bundle = makeBundle(dtype);
      tensors = readGguf(bundle);
      // bf16 and q8: the CPU kernels that keep f32 activations, as the GPU does.
      const lines = cappy(['score', '--model', bundle, '--threads', '1'],
        pairs.map((p) => JSON.stringify({ instruction: p.instruction, responses: [p.response] })).join('\n') + '\n',
        { CAPPY_BF16_KERNEL: 'widen', CAPPY_Q8_KERNEL: 'portable' });
      cpu = lines.trim().split('\n').map((l) => JSON.parse(l).scores[0]);
    });

    test('matches the native CPU backend on the same bundle', async (t) => {
      const kinds = new Set([...tensors.values()].map((t) => t.dtype));
      if (dtype === 'q8') assert.ok(kinds.has('Q8_0'), 'the bundle has Q8_0 tensors');
      if (dtype === 'bf16') assert.ok(kinds.has('BF16'), 'the bundle has BF16 tensors');
      const fixture = { dir: modelDir };
      const { batch, shape } = packCases(cases, config);
      const plan = planFor(fixture, shape, { weights: planWeights });
      const want = { f32: 'f32', f16: 'f16', q8: 'q8_0', bf16: 'f16' }[dtype];
      assert.ok(plan.buffers.some((b) => b.dtype === want), `the plan stores ${want} weights`);
      const ex = createExecutor(gpu.device, { kernels: wgslKernels, weights: (n) => tensors.get(n) });
      const got = await ex.run(plan, batch);
      ex.dispose();
      let diff = 0;
      for (let i = 0; i < cpu.length; i++) diff = Math.max(diff, Math.abs(got[i] - cpu[i]));
      t.diagnostic(`max |gpu - cpu| ${diff}`);
      assert.ok(diff < 1e-4, `max |gpu - cpu| ${diff}`);
    });
  });
}

test('q8 plans quantize f32 checkpoints on upload exactly as the converter does', async () => {
  const bundle = readGguf(makeBundle('q8'));
  const f32 = readSafetensors(join(modelDir, 'model.safetensors'));
  // Block for block, the executor's quantizer writes the converter's bytes.
  let blocks = 0;
  for (const [name, t] of bundle) {
    if (t.dtype !== 'Q8_0') continue;
    const src = f32.get(name);
    const count = t.shape.reduce((a, x) => a * x, 1);
    const out = new Uint8Array(storageBytes('q8_0', count));
    convertElements(src.data, 'F32', out, 'q8_0', count);
    assert.deepEqual(out, t.data, name);
    blocks += count / 32;
  }
  assert.ok(blocks > 100);
  // And so scores: linear weights quantized on upload, the rest as the bundle has them.
  const { batch, shape } = packCases(cases, config);
  const plan = planFor({ dir: modelDir }, shape, { weights: 'q8' });
  const quantized = new Set(plan.buffers.filter((b) => b.dtype === 'q8_0').flatMap((b) => b.parts));
  const a = createExecutor(gpu.device, { kernels: wgslKernels, weights: (n) => bundle.get(n) });
  const b = createExecutor(gpu.device, { kernels: wgslKernels, weights: (n) => (quantized.has(n) ? f32 : bundle).get(n) });
  assert.deepEqual(await b.run(plan, batch), await a.run(plan, batch));
  a.dispose();
  b.dispose();
});

test('bf16 -> f16 on upload is exact over f16\'s normal range, and refuses what f16 cannot hold', () => {
  // Every bf16 bit pattern: 8 significant bits fit in f16's 11 wherever f16 is normal.
  const src = new Uint8Array(2 * 65536);
  const sv = new DataView(src.buffer);
  for (let b = 0; b < 65536; b++) sv.setUint16(2 * b, b, true);
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  let exact = 0;
  for (let b = 0; b < 65536; b++) {
    u32[0] = b << 16;
    const v = f32[0];
    if (!Number.isFinite(v) || Math.abs(v) > 65504) continue;
    const out = new Uint8Array(2);
    convertElements(src.subarray(2 * b, 2 * b + 2), 'BF16', out, 'f16', 1);
    const back = halfToFloat(new DataView(out.buffer).getUint16(0, true));
    if (Math.abs(v) >= 2 ** -14) {
      assert.equal(back, v, `bf16 0x${b.toString(16)}`);
      exact++;
    } else {
      assert.ok(Math.abs(back - v) <= 2 ** -25, `bf16 0x${b.toString(16)}: ${v} -> ${back}`);
    }
  }
  assert.equal(exact, 2 * 30 * 128, 'both signs x exponents -14..15 x 128 mantissas');
  // 65536 (bf16 0x4780) is past f16's largest finite value: a clear error, not infinity.
  const big = new Uint8Array([0x80, 0x47]);
  assert.throws(() => convertElements(big, 'BF16', new Uint8Array(2), 'f16', 1), /BF16 weight 65536 .*outside f16's range.*--dtype f16 or f32/);
});
