// The WebGPU executor runs the core's plan and matches the fixtures'
// onnxruntime logits (f32 within 1e-3), for the whole case list in one packed
// batch, for each mixed-length group, and for single pairs; f16 weights match
// f32 weights rounded to half exactly as far as f32 arithmetic allows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createExecutor } from '../../wasm/webgpu/executor.mjs';
import { floatToHalf, halfToFloat } from '../../wasm/webgpu/dtypes.mjs';
import { kernelsModule, loadFixture, packCases, planFor } from './fixtures.mjs';
import { nodeDevice } from './gpu.mjs';

const { wgslKernels } = await import(kernelsModule);
let gpu;
before(async () => { gpu = await nodeDevice(); });
after(() => gpu?.device.destroy());

function maxDiff(got, want) {
  assert.equal(got.length, want.length);
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return m;
}

function groupsOf(cases) {
  const groups = new Map();
  for (const c of cases) if (c.group) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  return [...groups.values()];
}

// Weights rounded to half precision and back, as f32 tensors.
function roundedToHalf(t) {
  const src = new Float32Array(t.data.slice().buffer);
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = halfToFloat(floatToHalf(src[i]));
  return { dtype: 'F32', shape: t.shape, data: new Uint8Array(out.buffer) };
}

for (const name of ['tiny-roberta', 'tiny-bert']) {
  describe(name, () => {
    const fixture = loadFixture(name);
    const cases = fixture.expected.cases;
    const labels = fixture.config.id2label ? Object.keys(fixture.config.id2label).length : 1;
    let executor;
    before(() => { executor = createExecutor(gpu.device, { kernels: wgslKernels, weights: (n) => fixture.tensors.get(n) }); });
    after(() => executor.dispose());

    async function score(subset, options) {
      const { batch, shape } = packCases(subset, fixture.config);
      return executor.run(planFor(fixture, shape, options), batch);
    }

    test('all cases in one packed batch match onnxruntime within 1e-3', async (t) => {
      const got = await score(cases);
      const diff = maxDiff(got, cases.flatMap((c) => c.logits));
      t.diagnostic(`max |gpu - onnxruntime| ${diff}`);
      assert.ok(diff < 1e-3, `max |diff| ${diff}`);
      assert.equal(got.length, cases.length * labels);
    });

    test('each mixed-length group and single pairs match, reusing buffers and pipelines', async () => {
      const batches = [...groupsOf(cases), [cases[2]], [cases[cases.length - 1]], cases.slice(3, 9)];
      assert.ok(batches.length >= 4);
      for (const subset of batches) {
        const got = await score(subset);
        const diff = maxDiff(got, subset.flatMap((c) => c.logits));
        assert.ok(diff < 1e-3, `${subset.map((c) => c.id)}: max |diff| ${diff}`);
      }
    });

    test('prepare() uploads every weight once; runs then never ask for one', async () => {
      const calls = new Map();
      let released = false;
      const ex = createExecutor(gpu.device, {
        kernels: wgslKernels,
        weights: (n) => {
          assert.ok(!released, `weight ${n} asked for after prepare()`);
          calls.set(n, (calls.get(n) ?? 0) + 1);
          return fixture.tensors.get(n);
        },
      });
      const { batch, shape } = packCases(cases.slice(0, 5), fixture.config);
      const plan = planFor(fixture, shape);
      await ex.prepare(JSON.stringify(plan));
      released = true;
      assert.equal(calls.size, fixture.tensors.size, 'every checkpoint tensor');
      assert.ok([...calls.values()].every((c) => c === 1));
      const got = await ex.run(plan, batch);
      assert.ok(maxDiff(got, cases.slice(0, 5).flatMap((c) => c.logits)) < 1e-3);
      ex.dispose();
    });

    test('a plan that carries its own WGSL needs no kernel table', async () => {
      const bare = createExecutor(gpu.device, { weights: (n) => fixture.tensors.get(n) });
      const { batch, shape } = packCases(cases.slice(0, 4), fixture.config);
      const got = await bare.run(JSON.stringify(planFor(fixture, shape, { withWgsl: true })), batch);
      assert.ok(maxDiff(got, cases.slice(0, 4).flatMap((c) => c.logits)) < 1e-3);
      bare.dispose();
    });

    test('f16 weights unpacked in the shader equal f32 weights rounded to half', async () => {
      const plan16 = planFor(fixture, packCases(cases, fixture.config).shape, { weights: 'f16' });
      const halves = plan16.buffers.filter((b) => b.dtype === 'f16');
      assert.ok(halves.length >= 4 * fixture.config.num_hidden_layers, 'the linear matrices are f16');
      const halfParts = new Set(halves.flatMap((b) => b.parts));
      const rounded = createExecutor(gpu.device, {
        kernels: wgslKernels,
        weights: (n) => (halfParts.has(n) ? roundedToHalf(fixture.tensors.get(n)) : fixture.tensors.get(n)),
      });
      const { batch, shape } = packCases(cases, fixture.config);
      const want = await rounded.run(planFor(fixture, shape), batch);
      const got = await executor.run(plan16, batch);
      rounded.dispose();
      assert.ok(maxDiff(got, want) < 1e-5, `f16 vs rounded f32: ${maxDiff(got, want)}`);
      // And half precision stays close to the reference.
      assert.ok(maxDiff(got, cases.flatMap((c) => c.logits)) < 2e-2);
    });
  });
}

describe('bad input is a clear error', () => {
  const fixture = loadFixture('tiny-bert');
  const cases = fixture.expected.cases.slice(0, 3);
  const { batch, shape } = packCases(cases, fixture.config);
  const plan = planFor(fixture, shape);

  test('batch arrays that do not fit the plan', async () => {
    const ex = createExecutor(gpu.device, { kernels: wgslKernels, weights: (n) => fixture.tensors.get(n) });
    await assert.rejects(ex.run(plan, { ...batch, ids: batch.ids.slice(1) }), /batch\.ids must have/);
    await assert.rejects(ex.run(plan, { ...batch, offsets: Int32Array.from([0, 5, 4, shape.tokens]) }), /pair 1 has -1 tokens/);
    const ids = batch.ids.slice();
    ids[3] = 99999;
    await assert.rejects(ex.run(plan, { ...batch, ids }), /token 3: id 99999 outside the vocabulary \(3002\)/);
    await assert.rejects(ex.run({ format: 'other' }, batch), /not a cappy-plan/);
    const huge = { ...plan, limits: { ...plan.limits, max_buffer_bytes: 2 ** 52 } };
    await assert.rejects(ex.run(huge, batch), /needs a 4503599627370496-byte buffer; this device binds at most \d+/);
    // The executor still works after rejected runs.
    assert.ok(maxDiff(await ex.run(plan, batch), cases.flatMap((c) => c.logits)) < 1e-3);
    ex.dispose();
    await assert.rejects(ex.run(plan, batch), /after dispose/);
  });

  test('a missing or misshapen weight names the tensor', async () => {
    const missing = createExecutor(gpu.device, { kernels: wgslKernels, weights: (n) => (n.endsWith('key.weight') ? undefined : fixture.tensors.get(n)) });
    await assert.rejects(missing.run(plan, batch), /bert\.encoder\.layer\.0\.attention\.self\.key\.weight: missing/);
    const wrong = createExecutor(gpu.device, {
      kernels: wgslKernels,
      weights: (n) => (n === 'classifier.weight' ? { ...fixture.tensors.get(n), shape: [3, 40] } : fixture.tensors.get(n)),
    });
    await assert.rejects(wrong.run(plan, batch), /classifier\.weight: shape \[3,40\] where the model needs \[2,40\]/);
  });

  test('an unknown kernel or broken WGSL is reported, not hung on', async () => {
    const noKernel = createExecutor(gpu.device, { kernels: {}, weights: (n) => fixture.tensors.get(n) });
    await assert.rejects(noKernel.run(plan, batch), /no WGSL source for kernel 'embed_layernorm'/);
    const broken = createExecutor(gpu.device, { kernels: { ...wgslKernels, gather_first: 'fn main( {' }, weights: (n) => fixture.tensors.get(n) });
    await assert.rejects(broken.run(plan, batch), /WebGPU|gather_first/);
  });
});
