// The WebAssembly module in Node on the fixtures: scores against the
// onnxruntime reference (expected.json) and the native CLI, rerank order,
// a clear Error for every bad input, dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { distUrl, root, fixtureDir, fixtureFiles, expectedCases, byInstruction, assertClose } from './helpers.mjs';

const { load } = await import(distUrl + 'cappy.mjs');
const TOL = 1e-4;  // f32 against the f32 reference; the bar is 1e-3

for (const name of ['tiny-roberta', 'tiny-bert']) {
  test(`${name}: every case scores as onnxruntime does, one pair at a time and per instruction`, async () => {
    const scorer = await load(fixtureFiles(name), { device: 'wasm' });
    const cases = expectedCases(name);
    const labels = cases[0].logits.length;
    assert.equal(scorer.info.model.numLabels, labels);
    for (const c of cases) {
      const logits = await scorer.logits(c.instruction, [c.response]);
      assertClose(logits, c.logits, TOL, `${name} ${c.id}`);
      const [score] = await scorer.score(c.instruction, [c.response]);
      assert.equal(score, logits[0]);
    }
    for (const [instruction, group] of byInstruction(cases)) {
      const logits = await scorer.logits(instruction, group.map((c) => c.response));
      assertClose(logits, group.flatMap((c) => c.logits), TOL, `${name} batch "${instruction.slice(0, 20)}"`);
    }
    scorer.dispose();
  });
}

test('scores equal the native CLI on one instruction with many responses, in small and large batches', async () => {
  const bin = process.env.CAPPY_BIN ?? join(root, 'build', 'bin', 'cappy');
  assert.ok(existsSync(bin), `the native CLI is needed for this comparison: build it (scripts/build) or set CAPPY_BIN (${bin})`);
  const cases = expectedCases('tiny-roberta');
  const instruction = 'Which answer is the most helpful?';
  const responses = cases.map((c) => c.response);
  const cli = spawnSync(bin, ['score', '--model', fixtureDir('tiny-roberta')], {
    input: JSON.stringify({ instruction, responses }) + '\n', timeout: 60_000,
  });
  assert.equal(cli.status, 0, cli.stderr?.toString());
  const native = JSON.parse(cli.stdout.toString()).scores;
  const scorer = await load(fixtureFiles('tiny-roberta'), { device: 'wasm' });
  assertClose(await scorer.score(instruction, responses), native, TOL, 'wasm vs native');
  assertClose(await scorer.score(instruction, responses, { batchSize: 3, maxBatchTokens: 40 }), native, TOL, 'small batches');
  scorer.dispose();
});

test('rerank: best first, ties in the caller\'s order, topN', async () => {
  const scorer = await load(fixtureFiles('tiny-roberta'), { device: 'wasm' });
  const responses = ['Paris.', 'Lyon', 'Paris.', 'It is Paris, the capital.', '', 'Marseille'];
  const scores = await scorer.score('What is the capital of France?', responses);
  const ranked = await scorer.rerank('What is the capital of France?', responses);
  assert.equal(ranked.length, responses.length);
  assert.deepEqual(ranked.map((r) => r.index).sort(), [0, 1, 2, 3, 4, 5]);
  for (let i = 0; i < ranked.length; ++i) {
    assert.equal(ranked[i].score, scores[ranked[i].index]);
    if (i > 0) assert.ok(ranked[i - 1].score >= ranked[i].score);
  }
  // Responses 0 and 2 are the same text: equal scores, caller's order kept.
  const at = (index) => ranked.findIndex((r) => r.index === index);
  assert.equal(scores[0], scores[2]);
  assert.ok(at(0) < at(2));
  assert.deepEqual(await scorer.rerank('What is the capital of France?', responses, { topN: 2 }), ranked.slice(0, 2));
  assert.deepEqual(await scorer.rerank('What is the capital of France?', responses, { topN: 0 }), ranked);
  assert.deepEqual(await scorer.rerank('q', []), []);
  assert.deepEqual(await scorer.score('q', []), new Float32Array(0));
  scorer.dispose();
});

test('text as UTF-8 bytes scores like the string; invalid UTF-8 and lone surrogates are errors naming the response', async () => {
  const scorer = await load(fixtureFiles('tiny-roberta'), { device: 'wasm' });
  const text = 'Café — naïve ✓ 🎉';
  const [fromString] = await scorer.score('q', [text]);
  const [fromBytes] = await scorer.score(new TextEncoder().encode('q'), [new TextEncoder().encode(text)]);
  assert.equal(fromBytes, fromString);
  await assert.rejects(scorer.score('q', ['fine', new Uint8Array([0x61, 0xff, 0x62])]), /response 1: invalid UTF-8/);
  await assert.rejects(scorer.score(new Uint8Array([0xc3]), ['a']), /instruction .*invalid UTF-8/);
  await assert.rejects(scorer.score('q', ['ok', 'bad \ud800 surrogate']), /response 1: invalid UTF-16 \(a lone surrogate at index 4\)/);
  await assert.rejects(scorer.score('q\udc00', ['ok']), /instruction: invalid UTF-16/);
  assert.equal((await scorer.score('q', ['a pair \ud83c\udf89 is fine'])).length, 1);
  assert.ok((await scorer.score('q', ['still works'])).length === 1);
  scorer.dispose();
});

test('bad arguments reject with a TypeError that names the argument', async () => {
  const scorer = await load(fixtureFiles('tiny-roberta'), { device: 'wasm' });
  await assert.rejects(async () => scorer.score(42, ['a']), { name: 'TypeError', message: /instruction must be/ });
  await assert.rejects(async () => scorer.score('q', 'a'), { name: 'TypeError', message: /responses must be an array/ });
  await assert.rejects(async () => scorer.score('q', ['a', null]), { name: 'TypeError', message: /responses\[1\]/ });
  await assert.rejects(async () => scorer.score('q', ['a'], { batchSize: 0 }), { name: 'TypeError', message: /batchSize/ });
  await assert.rejects(async () => scorer.rerank('q', ['a'], { topN: -1 }), { name: 'TypeError', message: /topN/ });
  await assert.rejects(async () => scorer.rerank('q', ['a'], { topN: 1.5 }), { name: 'TypeError', message: /topN/ });
  await assert.rejects(load(fixtureFiles('tiny-roberta'), { device: 'cuda' }), { name: 'TypeError', message: /device must be one of/ });
  await assert.rejects(load(fixtureFiles('tiny-roberta'), { onProgress: 'yes' }), { name: 'TypeError', message: /onProgress/ });
  await assert.rejects(load(42), { name: 'TypeError', message: /source must be/ });
  await assert.rejects(load({}), { name: 'TypeError', message: /empty/ });
  await assert.rejects(load({ '../config.json': new Uint8Array(1) }), { name: 'TypeError', message: /plain file name/ });
  await assert.rejects(load({ 'config.json': 12 }), { name: 'TypeError', message: /source\["config.json"\] must be/ });
  scorer.dispose();
});

test('corrupt or missing files reject with an Error naming the file', async () => {
  const good = fixtureFiles('tiny-roberta');
  const broken = (changes) => ({ ...good, ...changes });
  const weights = good['model.safetensors'];
  await assert.rejects(load(broken({ 'model.safetensors': weights.slice(0, weights.length - 100) })), /model\.safetensors/);
  await assert.rejects(load(broken({ 'model.safetensors': new Uint8Array(4) })), /model\.safetensors/);
  await assert.rejects(load(broken({ 'config.json': new TextEncoder().encode('{"model_type": ') })), /config\.json.*malformed JSON/);
  await assert.rejects(load(broken({ 'tokenizer.json': new TextEncoder().encode('[1, 2') })), /tokenizer\.json/);
  const { 'config.json': _, ...noConfig } = good;
  await assert.rejects(load(noConfig), /no config\.json/);
  await assert.rejects(load(new Uint8Array(16)), /bundle: not a GGUF file/);
  // The module still loads good models after failures.
  const scorer = await load(good);
  assert.equal((await scorer.score('q', ['a'])).length, 1);
  scorer.dispose();
});

test('dispose: pending calls finish, later calls reject, twice is harmless', async () => {
  const scorer = await load(fixtureFiles('tiny-bert'), { device: 'wasm' });
  const pending = scorer.score('q', ['a', 'b']);
  scorer.dispose();
  assert.equal((await pending).length, 2);
  await assert.rejects(scorer.score('q', ['a']), /disposed/);
  await assert.rejects(scorer.rerank('q', ['a']), /disposed/);
  scorer.dispose();
});

test('info names the model, the device and why it is not the GPU', async () => {
  const scorer = await load(fixtureFiles('tiny-bert'));  // device 'auto'; Node has no navigator.gpu
  assert.equal(scorer.info.device, 'wasm');
  assert.match(scorer.info.adapter, /WebAssembly SIMD128/);
  assert.match(scorer.info.fallbackReason, /WebGPU is not available/);
  assert.equal(scorer.info.model.architecture, 'BertForSequenceClassification');
  assert.equal(scorer.info.model.numLayers, 2);
  assert.equal(scorer.info.model.numLabels, 2);
  const wasm = await load(fixtureFiles('tiny-bert'), { device: 'wasm' });
  assert.equal(wasm.info.fallbackReason, undefined);
  scorer.dispose();
  wasm.dispose();
});
