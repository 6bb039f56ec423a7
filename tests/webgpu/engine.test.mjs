// The WebGPU engine (wasm/webgpu/engine.mjs) under the wasm module's engine
// contract, with the core's Model stood in for by the native `cappy plan`
// (the same plan_to_json): checkpoint files as the loader holds them (a
// directory's files, or one bundle), weights uploaded at start, the packed
// batches run, and the device's loss reported through onLost.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createWebGpuEngine, weightFormat } from '../../wasm/webgpu/engine.mjs';
import { cappyBin, loadFixture, packCases, root } from './fixtures.mjs';
import { adapter } from './gpu.mjs';

const work = mkdtempSync(join(tmpdir(), 'cappy-engine-'));
after(() => rmSync(work, { recursive: true, force: true }));

// The core's Model.plan(tokens, pairs, maxPairTokens, weights), natively;
// `formats` records the weight formats asked for.
function modelOf(dir, formats = []) {
  return {
    plan(tokens, pairs, maxPairTokens, weights) {
      formats.push(weights);
      try {
        return execFileSync(cappyBin, ['plan', '--model', dir, '--tokens', String(tokens), '--pairs', String(pairs),
          '--max-pair-tokens', String(maxPairTokens), '--weights', weights, '--with-wgsl'], { encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        return { error: e.stderr.trim() };
      }
    },
  };
}

const filesOf = (dir) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));

for (const name of ['tiny-roberta', 'tiny-bert']) {
  test(`${name}: a directory's files, batches as the core packs them`, async () => {
    const fixture = loadFixture(name);
    const lost = [];
    const engine = await createWebGpuEngine({
      adapter: await adapter(), files: filesOf(fixture.dir), bundle: false, model: modelOf(fixture.dir), onLost: (r) => lost.push(r),
    });
    assert.equal(engine.device, 'webgpu');
    assert.match(engine.adapter, /./);
    const cases = fixture.expected.cases;
    for (const subset of [cases.slice(0, 7), cases.slice(7, 8), cases.slice(8)]) {
      const { batch } = packCases(subset, fixture.config);
      const got = await engine.run(batch);
      const want = subset.flatMap((c) => c.logits);
      assert.equal(got.length, want.length);
      assert.ok(Math.max(...want.map((x, i) => Math.abs(x - got[i]))) < 1e-3);
    }
    engine.dispose();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(lost, [], 'dispose() is not a device loss');
  });
}

test('a q8 bundle runs as Q8_0 blocks (a q8 plan), scoring what the CPU backend scores', async (t) => {
  const dir = join(root, 'tests', 'fixtures', 'converter', 'small-roberta');
  const bundle = join(work, 'q8.cappy');
  execFileSync(cappyBin, ['convert', dir, '-o', bundle, '--dtype', 'q8']);
  const cases = loadFixture('tiny-roberta').expected.cases.slice(0, 6);
  // The CPU kernel that keeps f32 activations, as the GPU does (the default rounds them to int8).
  const cpu = execFileSync(cappyBin, ['score', '--model', bundle], {
    env: { ...process.env, CAPPY_Q8_KERNEL: 'portable' },
    input: cases.map((c) => JSON.stringify({ instruction: c.instruction, responses: [c.response] })).join('\n') + '\n', encoding: 'utf8',
  }).trim().split('\n').map((l) => JSON.parse(l).scores[0]);
  const formats = [];
  const engine = await createWebGpuEngine({
    adapter: await adapter(), files: new Map([['q8.cappy', new Uint8Array(readFileSync(bundle))]]), bundle: true, model: modelOf(dir, formats), onLost() {},
  });
  assert.equal(engine.weights, 'q8');
  const got = await engine.run(packCases(cases, { model_type: 'roberta', pad_token_id: 1 }).batch);
  engine.dispose();
  assert.deepEqual([...new Set(formats)], ['q8']);
  const diff = Math.max(...cpu.map((x, i) => Math.abs(x - got[i])));
  t.diagnostic(`max |gpu - cpu| ${diff}`);
  assert.ok(diff < 1e-3, `${diff}`);
});

test('weight formats: Q8_0 matrices -> q8, 16-bit -> f16, f32 -> f32', () => {
  const m = (dtype) => ['l.weight', { dtype, shape: [64, 64] }];
  const bias = ['l.bias', { dtype: 'F16', shape: [64] }];
  assert.equal(weightFormat(new Map([m('F32'), bias])), 'f32');
  assert.equal(weightFormat(new Map([m('F16')])), 'f16');
  assert.equal(weightFormat(new Map([m('BF16')])), 'f16');
  assert.equal(weightFormat(new Map([m('F16'), ['q.weight', { dtype: 'Q8_0', shape: [64, 64] }]])), 'q8');
});

test('a batch the core cannot plan, a broken checkpoint: clear errors', async () => {
  const fixture = loadFixture('tiny-bert');
  const files = filesOf(fixture.dir);
  const engine = await createWebGpuEngine({ adapter: await adapter(), files, bundle: false, model: modelOf(fixture.dir), onLost() {} });
  const long = { ids: new Int32Array(40), typeIds: new Int32Array(40), positions: new Int32Array(40), offsets: Int32Array.from([0, 40]) };
  await assert.rejects(engine.run(long), /could not plan this batch: .*longer than the model's 32 positions/);
  engine.dispose();
  const broken = new Map(files);
  broken.set('model.safetensors', files.get('model.safetensors').subarray(0, 5000));
  await assert.rejects(createWebGpuEngine({ adapter: await adapter(), files: broken, bundle: false, model: modelOf(fixture.dir), onLost() {} }),
    /model\.safetensors: tensor .* do not fit/);
  await assert.rejects(createWebGpuEngine({ adapter: await adapter(), files: new Map([['x.cappy', new Uint8Array(64)]]), bundle: true, model: modelOf(fixture.dir), onLost() {} }),
    /x\.cappy: not a GGUF file/);
});
