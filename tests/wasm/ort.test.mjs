// Device 'ort-wasm' in Node: the fixtures' ONNX exports run in onnxruntime-web
// (npm) while the core tokenizes and batches (a tokenizer-only load) and the
// scorer ranks. Scores equal the native CPU backend's on the same pairs, in
// padded batches of mixed lengths; bad sources reject clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { distUrl, root, fixtureDir, fixtureFiles, expectedCases, byInstruction, assertClose, serve, sendBytes } from './helpers.mjs';

const { load } = await import(distUrl + 'cappy.mjs');
const bin = process.env.CAPPY_BIN ?? join(root, 'build', 'bin', 'cappy');
ort.env.wasm.numThreads = 1;

const onnxFiles = (name) => ({ ...fixtureFiles(name), 'model.onnx': new Uint8Array(readFileSync(join(fixtureDir(name), 'model.onnx'))) });

function nativeLogits(name, instruction, responses) {
  assert.ok(existsSync(bin), `the native CLI is needed for reference scores: build it (scripts/build) or set CAPPY_BIN (${bin})`);
  const r = spawnSync(bin, ['score', '--model', fixtureDir(name)], { input: JSON.stringify({ instruction, responses }) + '\n', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr?.toString());
  const out = JSON.parse(r.stdout.toString());
  return out.logits ? out.logits.flat() : out.scores;
}

for (const name of ['tiny-roberta', 'tiny-bert']) {
  test(`${name}: ort-wasm scores as the native CPU backend, in padded batches`, async (t) => {
    const scorer = await load(onnxFiles(name), { device: 'ort-wasm', ort, batchSize: 3 });
    assert.equal(scorer.info.device, 'ort-wasm');
    assert.match(scorer.info.adapter, /onnxruntime-web wasm/);
    const config = JSON.parse(new TextDecoder().decode(fixtureFiles(name)['config.json']));
    assert.equal(scorer.info.model.architecture, config.architectures[0]);
    assert.equal(scorer.info.model.numLabels, expectedCases(name)[0].logits.length);
    let worst = 0;
    for (const [instruction, group] of byInstruction(expectedCases(name))) {
      const responses = group.map((c) => c.response);
      const got = await scorer.logits(instruction, responses);
      const want = nativeLogits(name, instruction, responses);
      assertClose(got, want, 1e-3, `${name} ort-wasm vs native cpu`);
      assertClose(got, group.flatMap((c) => c.logits), 1e-4, `${name} ort-wasm vs onnxruntime-node`);
      worst = Math.max(worst, ...want.map((w, i) => Math.abs(w - got[i])));
      // One pair per batch scores the same as three padded together.
      assertClose(await scorer.logits(instruction, responses, { batchSize: 1 }), got, 1e-5, `${name} batch 1 vs padded`);
    }
    t.diagnostic(`max |ort-wasm - native cpu| ${worst}`);
    const [instruction, group] = byInstruction(expectedCases(name))[0];
    const responses = group.map((c) => c.response);
    const scores = await scorer.score(instruction, responses);
    const ranked = await scorer.rerank(instruction, responses, { topN: 2 });
    assert.equal(ranked.length, Math.min(2, responses.length));
    assert.equal(ranked[0].score, Math.max(...scores));
    scorer.dispose();
    await assert.rejects(scorer.score('q', ['a']), /disposed/);
  });
}

test('ort-wasm from a checkpoint base URL downloads model.onnx, not the safetensors', async () => {
  const files = onnxFiles('tiny-bert');
  const routes = {};
  for (const [n, bytes] of Object.entries(files)) routes[`/m/${n}`] = sendBytes(bytes);
  const server = await serve(routes);
  try {
    const scorer = await load(`${server.url}/m/`, { device: 'ort-wasm', ort });
    const [instruction, group] = byInstruction(expectedCases('tiny-bert'))[0];
    assertClose(await scorer.logits(instruction, group.map((c) => c.response)), group.flatMap((c) => c.logits), 1e-4, 'from URL');
    scorer.dispose();
    assert.equal(server.hits.get('/m/model.onnx'), 1);
    assert.equal(server.hits.get('/m/model.safetensors'), undefined);
    await assert.rejects(load(`${server.url}/none/`, { device: 'ort-wasm', ort }), /config\.json: HTTP 404/);
  } finally {
    await server.close();
  }
});

test('ort devices: a missing or corrupt model.onnx, a bundle, a wrong ort module reject clearly', async () => {
  const files = onnxFiles('tiny-roberta');
  const { 'model.onnx': _, ...noOnnx } = files;
  await assert.rejects(load(noOnnx, { device: 'ort-wasm', ort }), /the source has no model\.onnx/);
  await assert.rejects(load({ ...files, 'model.onnx': files['model.onnx'].slice(0, 1000) }, { device: 'ort-wasm', ort }),
    /model\.onnx: onnxruntime-web \(wasm execution provider\) cannot load it/);
  await assert.rejects(load(files['model.onnx'], { device: 'ort-wasm', ort }), /runs an ONNX export: .*not a bundle/);
  await assert.rejects(load(files, { device: 'ort-wasm', ort: {} }), /options\.ort must be the onnxruntime-web module/);
  const { 'vocab.json': __, 'merges.txt': ___, 'tokenizer.json': ____, ...noTokenizer } = files;
  await assert.rejects(load(noTokenizer, { device: 'ort-wasm', ort }), /tokenizer|vocab/i);
});
