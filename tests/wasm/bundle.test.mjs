// One-file Cappy bundles (made here by the native `cappy convert`) loaded from
// bytes and from a URL: f32 scores as the reference does; f16, q8 and bf16
// score as the native CLI scores the same bundle (bf16: on its f32-widening
// kernel, the one the wasm build has); corrupt bundles reject naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distUrl, root, fixtureDir, fixtureFiles, expectedCases, byInstruction, assertClose, serve, sendBytes } from './helpers.mjs';

const { load } = await import(distUrl + 'cappy.mjs');
const bin = process.env.CAPPY_BIN ?? join(root, 'build', 'bin', 'cappy');
let dir;
const bundles = {};

before(() => {
  assert.ok(existsSync(bin), `bundles are made with the native CLI: build it (scripts/build) or set CAPPY_BIN (${bin})`);
  dir = mkdtempSync(join(tmpdir(), 'cappy-wasm-bundle-'));
  for (const fixture of ['tiny-roberta', 'tiny-bert'])
    for (const dtype of ['f32', 'f16', 'q8', 'bf16']) {
      const out = join(dir, `${fixture}-${dtype}.cappy`);
      const r = spawnSync(bin, ['convert', fixtureDir(fixture), '-o', out, '--dtype', dtype], { timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr?.toString());
      bundles[`${fixture}-${dtype}`] = { path: out, bytes: new Uint8Array(readFileSync(out)) };
    }
});
after(() => rmSync(dir, { recursive: true, force: true }));

// What the native CLI scores for these pairs with this model (a bundle path).
function nativeLogits(model, instruction, responses) {
  const r = spawnSync(bin, ['score', '--model', model], {
    input: JSON.stringify({ instruction, responses }) + '\n', timeout: 60_000, env: { ...process.env, CAPPY_BF16_KERNEL: 'widen', CAPPY_Q8_KERNEL: 'portable' },
  });
  assert.equal(r.status, 0, r.stderr?.toString());
  const out = JSON.parse(r.stdout.toString());
  return out.logits ? out.logits.flat() : out.scores;
}

for (const fixture of ['tiny-roberta', 'tiny-bert']) {
  test(`${fixture}: an f32 bundle from bytes scores as onnxruntime does`, async () => {
    const scorer = await load(bundles[`${fixture}-f32`].bytes.buffer);
    assert.equal(scorer.info.model.architecture, JSON.parse(new TextDecoder().decode(fixtureFiles(fixture)['config.json'])).architectures[0]);
    for (const [instruction, group] of byInstruction(expectedCases(fixture))) {
      assertClose(await scorer.logits(instruction, group.map((c) => c.response)), group.flatMap((c) => c.logits), 1e-4, `${fixture} f32 bundle`);
    }
    scorer.dispose();
  });

  for (const dtype of ['f16', 'q8', 'bf16']) {
    test(`${fixture}: a ${dtype} bundle scores as the native CLI scores it`, async () => {
      const { path, bytes } = bundles[`${fixture}-${dtype}`];
      const scorer = await load(bytes);
      for (const [instruction, group] of byInstruction(expectedCases(fixture))) {
        const responses = group.map((c) => c.response);
        assertClose(await scorer.logits(instruction, responses), nativeLogits(path, instruction, responses), 1e-4, `${fixture} ${dtype} vs native`);
      }
      scorer.dispose();
    });
  }
}

test('a bundle URL downloads with progress; corrupt bundles reject naming the bundle', async () => {
  const { bytes } = bundles['tiny-roberta-q8'];
  const server = await serve({
    '/m/tiny.cappy': sendBytes(bytes),
    '/m/cut.cappy': sendBytes(bytes.slice(0, bytes.length - 64)),
  });
  try {
    const events = [];
    const scorer = await load(`${server.url}/m/tiny.cappy`, { onProgress: (p) => events.push(p) });
    assert.deepEqual(events.at(-1), { loaded: bytes.byteLength, total: bytes.byteLength, file: null });
    assert.equal((await scorer.score('q', ['a', 'b'])).length, 2);
    scorer.dispose();
    await assert.rejects(load(`${server.url}/m/cut.cappy`), /cut\.cappy/);
  } finally {
    await server.close();
  }
  const flipped = bundles['tiny-roberta-f32'].bytes.slice();
  flipped.set([0x46, 0x55, 0x47, 0x47], 0);  // "FUGG": the magic, reversed
  await assert.rejects(load(flipped), /bundle: not a GGUF file/);
  await assert.rejects(load(fixtureFiles('tiny-roberta')['config.json']), /bundle: not a GGUF file/);
});
