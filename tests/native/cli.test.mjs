// Tests of the `cappy` CLI as a user runs it: outputs, exit statuses and the
// message for every bad input. Run by ctest with CAPPY_BIN set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures');
const roberta = join(fixtures, 'tiny-roberta');
const bert = join(fixtures, 'tiny-bert');
const bin = process.env.CAPPY_BIN;
assert.ok(bin, 'set CAPPY_BIN to the cappy executable');

const expected = (dir) => JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')).cases;

function cappy(args, input) {
  const r = spawnSync(bin, args, { input, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

const lines = (s) => s.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));

function brokenCopy(src) {
  const dir = mkdtempSync(join(tmpdir(), 'cappy-cli-'));
  cpSync(src, dir, { recursive: true });
  return dir;
}

test('score prints raw logits equal to the onnxruntime reference', () => {
  const cases = expected(roberta).slice(0, 6);
  const input = cases.map((c) => JSON.stringify({ instruction: c.instruction, responses: [c.response], extra: 1 })).join('\n') + '\n';
  const r = cappy(['score', '--model', roberta], input);
  assert.equal(r.status, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, cases.length);
  out.forEach((o, i) => assert.ok(Math.abs(o.scores[0] - cases[i].logits[0]) <= 1e-4, `${o.scores[0]} vs ${cases[i].logits[0]}`));
});

test('score with a multi-label model prints every logit', () => {
  const c = expected(bert)[0];
  const r = cappy(['score', '--model', bert], JSON.stringify({ instruction: c.instruction, responses: [c.response, c.response] }));
  assert.equal(r.status, 0, r.stderr);
  const [o] = lines(r.stdout);
  assert.equal(o.logits.length, 2);
  assert.equal(o.logits[0].length, c.logits.length);
  c.logits.forEach((v, l) => assert.ok(Math.abs(o.logits[1][l] - v) <= 1e-4));
  assert.equal(o.scores[0], o.logits[0][0]);
});

test('score reports bad lines, keeps lines aligned, scores the rest, exits 1', () => {
  const good = JSON.stringify({ instruction: 'q', responses: ['a', 'b'] });
  const input = Buffer.concat([
    Buffer.from(good + '\n'),
    Buffer.from('{"instruction": "q", "responses": \n'),         // malformed JSON (line 2)
    Buffer.from('{"instruction": "q", "responses": "a"}\n'),     // wrong type (line 3)
    Buffer.from('{"instruction": "bad '), Buffer.from([0xff, 0xfe]), Buffer.from('", "responses": ["a"]}\n'), // invalid UTF-8 (line 4)
    Buffer.from('\n'),                                            // blank: skipped
    Buffer.from('[1, 2]\n'),                                      // not an object (line 6)
    Buffer.from('{"instruction": "q", "responses": ["a"], "n": 1e999}\n'), // a number beyond double (line 7)
    Buffer.from(good + '\n'),
  ]);
  const r = cappy(['score', '--model', roberta], input);
  assert.equal(r.status, 1);
  const out = lines(r.stdout);
  assert.equal(out.length, 7);
  assert.equal(out[0].scores.length, 2);
  assert.deepEqual(out.slice(1, 5).map((o) => o.line), [2, 3, 4, 6]);
  assert.match(out[1].error, /malformed JSON/);
  assert.match(out[2].error, /"responses" must be an array of strings/);
  assert.match(out[3].error, /UTF-8/);
  assert.match(out[4].error, /expected a JSON object/);
  assert.equal(out[5].line, 7);
  assert.match(out[5].error, /malformed JSON.*number overflow/);
  assert.deepEqual(out[6].scores, out[0].scores);
  assert.match(r.stderr, /<stdin>:2: malformed JSON/);
  assert.match(r.stderr, /<stdin>:4: .*UTF-8/);
});

test('score answers each line before the next arrives (interactive producers)', async () => {
  const child = spawn(bin, ['score', '--model', roberta]);
  const first = new Promise((resolve) => child.stdout.once('data', (d) => resolve(d.toString())));
  child.stdin.write(JSON.stringify({ instruction: 'q', responses: ['a'] }) + '\n');
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no answer while stdin stays open')), 20_000));
  const answer = await Promise.race([first, timeout]);
  assert.equal(JSON.parse(answer).scores.length, 1);
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
});

test('rerank prints candidates best first, honours --top-n, accepts JSON Lines', () => {
  const cands = ['first answer', 'second one', 'a third, longer candidate answer', 'fourth'];
  const plain = cappy(['rerank', '--model', roberta, '--instruction', 'Which is best?'], cands.join('\n') + '\n');
  assert.equal(plain.status, 0, plain.stderr);
  const out = lines(plain.stdout);
  assert.equal(out.length, 4);
  assert.deepEqual(out.map((o) => o.rank), [1, 2, 3, 4]);
  for (let i = 1; i < out.length; i++) assert.ok(out[i - 1].score >= out[i].score);
  out.forEach((o) => assert.equal(o.text, cands[o.index]));

  const scored = lines(cappy(['score', '--model', roberta], JSON.stringify({ instruction: 'Which is best?', responses: cands })).stdout)[0].scores;
  out.forEach((o) => assert.equal(o.score, scored[o.index]));

  const jsonl = cappy(['rerank', '--model', roberta, '--instruction', 'Which is best?', '--top-n', '2'],
    cands.map((text) => JSON.stringify({ text })).join('\n'));
  assert.equal(jsonl.status, 0, jsonl.stderr);
  assert.deepEqual(lines(jsonl.stdout), out.slice(0, 2));
});

test('rerank rejects invalid UTF-8 naming the line, and empty input', () => {
  const input = Buffer.concat([Buffer.from('fine\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
  const r = cappy(['rerank', '--model', roberta, '--instruction', 'q'], input);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /<stdin>:2: .*UTF-8/);
  const empty = cappy(['rerank', '--model', roberta, '--instruction', 'q'], '\n\n');
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /no candidates/);
  const badJson = cappy(['rerank', '--model', roberta, '--instruction', 'q'], '{"text": "a"}\n{"text": 3}\n');
  assert.equal(badJson.status, 2);
  assert.match(badJson.stderr, /<stdin>:2: expected \{"text": string\}/);
});

test('model errors name the file and exit 2', () => {
  const missing = cappy(['score', '--model', '/nonexistent/dir'], '');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /\/nonexistent\/dir: not a model directory/);

  const truncated = brokenCopy(roberta);
  const w = readFileSync(join(truncated, 'model.safetensors'));
  writeFileSync(join(truncated, 'model.safetensors'), w.subarray(0, 1000));
  const t = cappy(['score', '--model', truncated], '');
  assert.equal(t.status, 2);
  assert.match(t.stderr, /model\.safetensors/);

  const arch = brokenCopy(roberta);
  const cfg = JSON.parse(readFileSync(join(arch, 'config.json'), 'utf8'));
  cfg.architectures = ['T5ForConditionalGeneration'];
  cfg.model_type = 't5';
  writeFileSync(join(arch, 'config.json'), JSON.stringify(cfg));
  const a = cappy(['rerank', '--model', arch, '--instruction', 'q'], 'x\n');
  assert.equal(a.status, 2);
  assert.match(a.stderr, /config\.json: unsupported architecture "T5ForConditionalGeneration"/);
  for (const d of [truncated, arch]) rmSync(d, { recursive: true });
});

test('every subcommand has --help, and bad arguments exit 2', () => {
  for (const sub of ['score', 'rerank', 'bench']) {
    const r = cappy([sub, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--model/);
  }
  assert.equal(cappy([]).status, 2);
  assert.equal(cappy(['score', '--model', roberta, '--batch-size', '0']).status, 2);
  assert.equal(cappy(['frobnicate']).status, 2);
});

// cappy bench alternates its engines with onnxruntime-node round by round
// (tools/bench/ort_bench.mjs --interleave) and reports per-round ratios.
test('bench: cappy and onnxruntime in alternating rounds, one ratio per engine; a missing node is a clear error', () => {
  const r = cappy(['bench', '--model', roberta, '--seq', '20', '--batch', '3', '--iters', '2', '--lengths', '5,20']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^2 rounds \(each engine once per round/m);
  assert.match(r.stdout, /^onnxruntime-node \S+ f32 \(padded to 20\)\s+[\d.]+\s+[\d.]+/m);
  assert.match(r.stdout, /^cappy cpu f32 \((onednn|xnnpack)\): .*tiny-roberta\s+[\d.]+\s+[\d.]+/m);
  assert.match(r.stdout, /^ratio cappy cpu f32 \((onednn|xnnpack)\): .* \/ onnxruntime: [\d.]+x \(median of 2 rounds; range [\d.]+-[\d.]+\)$/m);
  const bad = cappy(['bench', '--model', roberta, '--seq', '20', '--iters', '1', '--node', '/nonexistent/node']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /cannot start \/nonexistent\/node/);
  assert.match(bad.stderr, /exited before answering/);
});
