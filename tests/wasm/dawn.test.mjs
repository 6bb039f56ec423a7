// The built module on its 'webgpu' device in Node: Dawn (npm `webgpu`) on
// Chromium's SwiftShader Vulkan driver. f32 checkpoints score as onnxruntime
// does (the fixtures' expected logits); q8 bundles as the native CPU
// backend scores the same bundle, with their weights on the device as the
// bundle stores them (q8: Q8_0 blocks unpacked in the WGSL GEMM).
//
// Dawn needs the Vulkan driver named before the process starts
// (VK_ICD_FILENAMES, and LD_LIBRARY_PATH for Chromium's Vulkan loader), so
// without them this file runs itself again with them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distUrl, root, fixtureDir, fixtureFiles, expectedCases, byInstruction, assertClose } from './helpers.mjs';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

if (!process.env.VK_ICD_FILENAMES) {
  test('Dawn on SwiftShader (in a child process with the Vulkan driver named)', () => {
    assert.ok(existsSync(ICD), `${ICD} is missing (Debian package chromium)`);
    const r = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], {
      env: { ...process.env, VK_ICD_FILENAMES: ICD, LD_LIBRARY_PATH: '/usr/lib/chromium' },
      encoding: 'utf8', timeout: 600_000,
    });
    process.stdout.write(r.stdout);
    assert.equal(r.status, 0, `the Dawn tests failed:\n${r.stdout}\n${r.stderr}`);
  });
} else {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  // Kept for the whole process: Dawn crashes if its instance is collected
  // before its devices.
  const gpu = create([]);
  const { load } = await import(distUrl + 'cappy.mjs');
  const bin = process.env.CAPPY_BIN ?? join(root, 'build', 'bin', 'cappy');
  let dir;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'cappy-dawn-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function convert(model, dtype) {
    const out = join(dir, `${model.replaceAll('/', '-')}-${dtype}.cappy`);
    const r = spawnSync(bin, ['convert', fixtureDir(model), '-o', out, '--dtype', dtype], { timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr?.toString());
    return out;
  }

  function nativeLogits(model, instruction, responses) {
    // f32 activations on the native side too, as on the GPU (its default q8 kernel rounds them to int8).
    const r = spawnSync(bin, ['score', '--model', model], {
      input: JSON.stringify({ instruction, responses }) + '\n', timeout: 60_000, env: { ...process.env, CAPPY_Q8_KERNEL: 'portable' },
    });
    assert.equal(r.status, 0, r.stderr?.toString());
    const out = JSON.parse(r.stdout.toString());
    return out.logits ? out.logits.flat() : out.scores;
  }

  for (const name of ['tiny-roberta', 'tiny-bert']) {
    test(`${name}: f32 checkpoint on WebGPU scores as onnxruntime does`, async () => {
      const scorer = await load(fixtureFiles(name), { device: 'webgpu', gpu });
      assert.equal(scorer.info.device, 'webgpu', scorer.info.fallbackReason);
      assert.equal(scorer.info.weights, 'f32');
      for (const [instruction, group] of byInstruction(expectedCases(name))) {
        assertClose(await scorer.logits(instruction, group.map((c) => c.response)), group.flatMap((c) => c.logits), 1e-3, `${name} webgpu`);
      }
      scorer.dispose();
    });
  }

  // A real WebGPU engine whose device is lost after load (Dawn's device
  // behind an adapter that reports a loss when told): the next call runs on
  // wasm, scores stay right, and info says why.
  test('a lost device: the scorer moves to wasm and says why in info', async () => {
    let loseDevice;
    const lost = new Promise((resolve) => { loseDevice = () => resolve({ reason: 'unknown', message: 'test: the GPU went away' }); });
    const real = await gpu.requestAdapter();
    const adapter = new Proxy(real, {
      get(target, key) {
        if (key === 'requestDevice') {
          return async (descriptor) => {
            const device = await target.requestDevice(descriptor);
            return new Proxy(device, {
              get(d, k) {
                if (k === 'lost') return lost;
                const v = Reflect.get(d, k, d);
                return typeof v === 'function' ? v.bind(d) : v;
              },
            });
          };
        }
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const scorer = await load(fixtureFiles('tiny-bert'), { device: 'webgpu', gpu: { requestAdapter: async () => adapter } });
    assert.equal(scorer.info.device, 'webgpu', scorer.info.fallbackReason);
    const [[instruction, group]] = byInstruction(expectedCases('tiny-bert'));
    const want = group.flatMap((c) => c.logits);
    assertClose(await scorer.logits(instruction, group.map((c) => c.response)), want, 1e-3, 'before the loss');
    loseDevice();
    await new Promise((r) => setTimeout(r, 0));
    assertClose(await scorer.logits(instruction, group.map((c) => c.response)), want, 1e-4, 'after the loss, on wasm');
    assert.equal(scorer.info.device, 'wasm');
    assert.match(scorer.info.fallbackReason, /the webgpu device was lost: test: the GPU went away/);
    scorer.dispose();
  });

  // small-roberta's rows are whole Q8_0 blocks (hidden 64, FFN 128), so its
  // q8 bundle keeps every matrix in Q8_0 and runs a q8 plan; the tiny
  // fixtures' rows are not (36, 40, 72, 80), so the converter stores theirs
  // as halves and they run an f16 plan, checked too. (f16 bundles on the
  // executor alone: tests/webgpu/bundle.test.mjs.)
  const planned = { 'converter/small-roberta': { q8: 'q8' }, 'tiny-roberta': { q8: 'f16' }, 'tiny-bert': { q8: 'f16' } };
  for (const [model, cases] of [['converter/small-roberta', 'tiny-roberta'], ['tiny-roberta', 'tiny-roberta'], ['tiny-bert', 'tiny-bert']]) {
    for (const dtype of ['q8']) {
      test(`${model}: a ${dtype} bundle on WebGPU scores as the native CPU backend scores it`, async (t) => {
        const path = convert(model, dtype);
        const scorer = await load(new Uint8Array(readFileSync(path)), { device: 'webgpu', gpu });
        assert.equal(scorer.info.device, 'webgpu', scorer.info.fallbackReason);
        assert.equal(scorer.info.weights, planned[model][dtype]);
        let worst = 0;
        for (const [instruction, group] of byInstruction(expectedCases(cases))) {
          const responses = group.map((c) => c.response);
          const got = await scorer.logits(instruction, responses);
          const want = nativeLogits(path, instruction, responses);
          assertClose(got, want, 1e-3, `${model} ${dtype} webgpu vs native cpu`);
          worst = Math.max(worst, ...want.map((w, i) => Math.abs(w - got[i])));
        }
        t.diagnostic(`max |webgpu - native cpu| ${worst}`);
        scorer.dispose();
      });
    }
  }
}
