// The device-engine interface the WebGPU executor plugs into, exercised with
// an independent JavaScript forward pass in its place: the batches the core
// prepares, logits back in response order, and the fallbacks to 'wasm' (no
// adapter, an engine that fails to start, a device lost mid-call) with the
// reason in info.fallbackReason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distUrl, fixtureFiles, expectedCases, byInstruction, assertClose } from './helpers.mjs';
import { referenceEncoder } from './reference_encoder.mjs';

const { load, registerEngine } = await import(distUrl + 'cappy.mjs');

const fakeGpu = (adapter) => ({ requestAdapter: async () => adapter });
const testAdapter = { info: { vendor: 'test', description: 'reference forward pass' } };

async function expectScoresRight(scorer, name) {
  for (const [instruction, group] of byInstruction(expectedCases(name))) {
    const logits = await scorer.logits(instruction, group.map((c) => c.response));
    assertClose(logits, group.flatMap((c) => c.logits), 1e-4, `${name} "${instruction.slice(0, 20)}"`);
  }
}

test('no adapter, a failing adapter request, or an adapter without a device: wasm, saying why', async () => {
  const files = fixtureFiles('tiny-roberta');
  let scorer = await load(files, { device: 'webgpu', gpu: fakeGpu(null) });
  assert.equal(scorer.info.device, 'wasm');
  assert.match(scorer.info.fallbackReason, /no WebGPU adapter/);
  await expectScoresRight(scorer, 'tiny-roberta');
  scorer.dispose();
  scorer = await load(files, { device: 'auto', gpu: { requestAdapter: async () => { throw new Error('blocklisted'); } } });
  assert.match(scorer.info.fallbackReason, /adapter request failed: blocklisted/);
  scorer.dispose();
  // The built-in WebGPU engine, given an adapter that cannot make a device.
  const noDevice = { info: {}, limits: {}, requestDevice: async () => { throw new Error('device request refused'); } };
  scorer = await load(files, { device: 'webgpu', gpu: fakeGpu(noDevice) });
  assert.equal(scorer.info.device, 'wasm');
  assert.match(scorer.info.fallbackReason, /the WebGPU engine failed to start: .*device request refused/);
  scorer.dispose();
});

for (const name of ['tiny-roberta', 'tiny-bert']) {
  test(`${name}: an engine given the core's packed batches scores as onnxruntime does`, async () => {
    const seen = [];
    registerEngine('webgpu', async ({ adapter, files, bundle, info, model, onLost }) => {
      assert.equal(adapter, testAdapter);
      assert.ok(files.get('model.safetensors') instanceof Uint8Array);
      assert.equal(bundle, false);
      assert.equal(info.modelType, name.slice(5));
      assert.equal(typeof onLost, 'function');
      // The core's GPU plan for a batch shape, as the WebGPU engine asks for it.
      const plan = JSON.parse(model.plan(20, 2, 12, false));
      assert.equal(plan.format, 'cappy-plan');
      assert.deepEqual(plan.shape, { tokens: 20, pairs: 2, max_pair_tokens: 12 });
      assert.equal(typeof Object.values(plan.kernels)[0], 'string');  // WGSL sources included
      assert.match(model.plan(20, 2, 1000, false).error, /./);
      const forward = referenceEncoder(files);
      return {
        device: 'webgpu',
        adapter: 'test: reference forward pass',
        run: async (batch) => { seen.push(batch); return forward(batch); },
        dispose() {},
      };
    });
    const scorer = await load(fixtureFiles(name), { device: 'webgpu', gpu: fakeGpu(testAdapter), batchSize: 2, maxBatchTokens: 48 });
    assert.deepEqual(scorer.info, { model: scorer.info.model, device: 'webgpu', adapter: 'test: reference forward pass' });
    await expectScoresRight(scorer, name);
    // The batches: within the limits, members in order, ids as the reference tokenizer's.
    const cases = expectedCases(name);
    assert.ok(seen.length >= byInstruction(cases).length);
    for (const b of seen) {
      assert.ok(b.members.length <= 2);
      assert.ok(b.ids.length <= 48 || b.members.length === 1);
      assert.equal(b.offsets.length, b.members.length + 1);
      assert.equal(b.offsets.at(-1), b.ids.length);
      assert.equal(b.typeIds.length, b.ids.length);
      assert.equal(b.positions.length, b.ids.length);
    }
    const c = cases.find((x) => x.id === 'question-answer');
    seen.length = 0;
    await scorer.score(c.instruction, ['x', c.response]);
    const batch = seen.find((b) => b.members.includes(1));
    const p = batch.members.indexOf(1);
    assert.deepEqual([...batch.ids.subarray(batch.offsets[p], batch.offsets[p + 1])], c.ids);
    assert.deepEqual([...batch.typeIds.subarray(batch.offsets[p], batch.offsets[p + 1])], c.type_ids);
    scorer.dispose();
  });
}

test('an engine that fails to start, or loses its device mid-call, leaves the scorer on wasm with the reason', async () => {
  registerEngine('webgpu', async () => { throw new Error('shader compilation failed'); });
  let scorer = await load(fixtureFiles('tiny-roberta'), { device: 'auto', gpu: fakeGpu(testAdapter) });
  assert.equal(scorer.info.device, 'wasm');
  assert.match(scorer.info.fallbackReason, /the WebGPU engine failed to start: shader compilation failed/);
  scorer.dispose();

  let disposed = 0;
  registerEngine('webgpu', async ({ onLost }) => ({
    device: 'webgpu',
    adapter: 'test',
    run: async () => { onLost('the GPU process crashed'); throw new Error('device lost'); },
    dispose: () => { disposed += 1; },
  }));
  scorer = await load(fixtureFiles('tiny-roberta'), { device: 'webgpu', gpu: fakeGpu(testAdapter) });
  assert.equal(scorer.info.device, 'webgpu');
  await expectScoresRight(scorer, 'tiny-roberta');
  assert.equal(scorer.info.device, 'wasm');
  assert.match(scorer.info.fallbackReason, /the webgpu device was lost: the GPU process crashed/);
  assert.equal(disposed, 1);
  scorer.dispose();
});

test('an engine error that is not a lost device rejects the call, and so do wrong logits', async () => {
  let mode = 'throw';
  registerEngine('webgpu', async () => ({
    device: 'webgpu',
    adapter: 'test',
    run: async (batch) => {
      if (mode === 'throw') throw new Error('out of GPU memory');
      return new Float32Array(batch.members.length + 1);
    },
    dispose() {},
  }));
  const scorer = await load(fixtureFiles('tiny-roberta'), { device: 'webgpu', gpu: fakeGpu(testAdapter) });
  await assert.rejects(scorer.score('q', ['a']), /out of GPU memory/);
  mode = 'wrong';
  await assert.rejects(scorer.score('q', ['a', 'b']), /the webgpu engine returned 3 logits for 2 pairs x 1 labels/);
  assert.equal(scorer.info.device, 'webgpu');
  scorer.dispose();
});
