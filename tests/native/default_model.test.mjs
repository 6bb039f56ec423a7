// Tests of the model the CLI and the server use when --model is not given:
// $CAPPY_MODEL, else models/cappy-mini.cappy found from the executable's own
// directory up (native/cli/default_model.h). The executable is copied into
// scratch directory trees so that each place it looks can be set up or left
// empty; the real repository layout is checked too. Run by ctest with CAPPY_BIN set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const roberta = join(here, '..', 'fixtures', 'tiny-roberta');
const bin = process.env.CAPPY_BIN;
assert.ok(bin, 'set CAPPY_BIN to the cappy executable');

const cases = JSON.parse(readFileSync(join(roberta, 'expected.json'), 'utf8')).cases.slice(0, 4);
const scoreInput = cases.map((c) => JSON.stringify({ instruction: c.instruction, responses: [c.response] })).join('\n') + '\n';

// The environment without CAPPY_MODEL (the developer's shell may set it).
const { CAPPY_MODEL: _unused, ...cleanEnv } = process.env;

function run(exe, args, { input, env = cleanEnv } = {}) {
  const r = spawnSync(exe, args, { input, env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}
const lines = (s) => s.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));

let scratch;
// <scratch>/repo/build/bin/cappy with <scratch>/repo/models/cappy-mini.cappy: the
// tiny RoBERTa fixture as an f32 bundle (its scores are the onnxruntime reference's).
let withModel;
// <scratch>/bare/build/bin/cappy with no models/ anywhere above it.
let bare;

function copyBinary(root) {
  const dir = join(root, 'build', 'bin');
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, 'cappy');
  copyFileSync(bin, exe);
  return exe;
}

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'cappy-default-model-'));
  withModel = copyBinary(join(scratch, 'repo'));
  mkdirSync(join(scratch, 'repo', 'models'));
  const conv = run(bin, ['convert', roberta, '-o', join(scratch, 'repo', 'models', 'cappy-mini.cappy'), '--dtype', 'f32']);
  assert.equal(conv.status, 0, conv.stderr);
  bare = copyBinary(join(scratch, 'bare'));
});

after(() => rmSync(scratch, { recursive: true, force: true }));

function assertReferenceScores(r) {
  assert.equal(r.status, 0, r.stderr);
  const out = lines(r.stdout);
  assert.equal(out.length, cases.length);
  out.forEach((o, i) => assert.ok(Math.abs(o.scores[0] - cases[i].logits[0]) <= 1e-4, `${o.scores[0]} vs ${cases[i].logits[0]}`));
}

test('score without --model uses models/cappy-mini.cappy above the executable', () => {
  assertReferenceScores(run(withModel, ['score'], { input: scoreInput }));
});

test('score without --model or CAPPY_MODEL, and no models/ above, exits 2 naming where it looked', () => {
  const r = run(bare, ['score'], { input: scoreInput });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /no --model given, CAPPY_MODEL is not set, and no models\/cappy-mini\.cappy in /);
  assert.ok(r.stderr.includes(join(scratch, 'bare', 'build', 'bin')), r.stderr);
});

test('CAPPY_MODEL is used when --model is not given, and wins over models/', () => {
  assertReferenceScores(run(bare, ['score'], { input: scoreInput, env: { ...cleanEnv, CAPPY_MODEL: roberta } }));
  const missing = run(withModel, ['score'], { input: scoreInput, env: { ...cleanEnv, CAPPY_MODEL: '/nonexistent/env-model' } });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /\/nonexistent\/env-model: not a model directory/);
});

test('--model wins over CAPPY_MODEL; an empty CAPPY_MODEL counts as unset', () => {
  assertReferenceScores(run(bare, ['score', '--model', roberta], { input: scoreInput, env: { ...cleanEnv, CAPPY_MODEL: '/nonexistent/env-model' } }));
  assertReferenceScores(run(withModel, ['score'], { input: scoreInput, env: { ...cleanEnv, CAPPY_MODEL: '' } }));
});

test('rerank, tokenize and eval use the default model too', () => {
  const c = cases[0];
  const rr = run(withModel, ['rerank', '--instruction', c.instruction], { input: `${c.response}\nsomething else\n` });
  assert.equal(rr.status, 0, rr.stderr);
  const ranked = lines(rr.stdout);
  const mine = ranked.find((x) => x.index === 0);
  assert.ok(Math.abs(mine.score - c.logits[0]) <= 1e-4, `${mine.score} vs ${c.logits[0]}`);

  const tokInput = JSON.stringify({ text: c.instruction, pair: c.response }) + '\n';
  const viaDefault = run(withModel, ['tokenize'], { input: tokInput });
  assert.equal(viaDefault.status, 0, viaDefault.stderr);
  assert.deepEqual(lines(viaDefault.stdout), lines(run(bin, ['tokenize', '--model', roberta], { input: tokInput }).stdout));
  assert.equal(run(bare, ['tokenize'], { input: tokInput }).status, 2);

  const samples = join(scratch, 'samples.jsonl');
  writeFileSync(samples, cases.map((x) => JSON.stringify({ instruction: x.instruction, responses: [x.response, 'other'] })).join('\n') + '\n');
  const ev = run(withModel, ['eval', '--reference', roberta, '--samples', samples, '--threads', '1']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal(lines(ev.stdout)[0].top1_agreement, 1);
});

test('serve without --model serves the default model', async () => {
  const child = spawn(withModel, ['serve', '--port', '0', '--threads', '1'], { stdio: ['ignore', 'ignore', 'pipe'], env: cleanEnv });
  let stderr = '';
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/listening on (http:\/\/\S+)\n/);
      if (m) resolve(m[1]);
    });
    exited.then((code) => reject(new Error(`cappy serve exited with ${code}: ${stderr}`)));
  });
  try {
    const health = await (await fetch(new URL('/health', url))).json();
    assert.equal(health.model, 'cappy-mini.cappy');
    const c = cases[0];
    const scored = await (await fetch(new URL('/v1/score', url), {
      method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ instruction: c.instruction, responses: [c.response] }),
    })).json();
    assert.ok(Math.abs(scored.scores[0] - c.logits[0]) <= 1e-4, `${scored.scores[0]} vs ${c.logits[0]}`);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
  const bareServe = run(bare, ['serve', '--port', '0']);
  assert.equal(bareServe.status, 2);
  assert.match(bareServe.stderr, /no --model given, CAPPY_MODEL is not set/);
});

test('the built executable finds the repository\'s models/cappy-mini.cappy', () => {
  const input = JSON.stringify({ instruction: 'Give an antonym of "visible".', responses: ['invisible', 'audible'] }) + '\n';
  const viaDefault = run(bin, ['score'], { input });
  assert.equal(viaDefault.status, 0, viaDefault.stderr);
  const explicit = run(bin, ['score', '--model', join(repo, 'models', 'cappy-mini.cappy')], { input });
  assert.equal(explicit.status, 0, explicit.stderr);
  assert.equal(viaDefault.stdout, explicit.stdout);
});

test('--help of every command with a default model says where it comes from', () => {
  for (const cmd of ['score', 'rerank', 'tokenize', 'eval', 'serve']) {
    const h = run(bin, [cmd, '--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout.replace(/\s+/g, ' '), /CAPPY_MODEL/, cmd);
    assert.match(h.stdout.replace(/\s+/g, ' '), /models\/cappy-mini\.cappy/, cmd);
  }
});
