// `cappy convert` and `cappy eval` as a user runs them, and bundles given to
// `--model` of score/rerank. Run by ctest with CAPPY_BIN set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures');
const roberta = join(fixtures, 'tiny-roberta');
const small = join(fixtures, 'converter', 'small-roberta');
const bin = process.env.CAPPY_BIN;
assert.ok(bin, 'set CAPPY_BIN to the cappy executable');

function cappy(args, input, env = {}) {
  const r = spawnSync(bin, args, { input, timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'cappy-convert-'));
const pairs = JSON.stringify({ instruction: 'Name the capital of France.', responses: ['Paris', 'Lyon', 'A city.'] }) + '\n';

test('convert writes one bundle that score and rerank take like the directory', () => {
  const out = join(tmp(), 'tiny.cappy');
  const c = cappy(['convert', roberta, '-o', out]);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /wrote .*tiny\.cappy: 41 tensors from safetensors/);
  assert.ok(!c.stderr.includes('\r'), 'no progress bar when stderr is not a terminal');
  assert.ok(!existsSync(out + '.partial'));
  assert.equal(cappy(['score', '--model', out], pairs).stdout, cappy(['score', '--model', roberta], pairs).stdout);
  const rr = (m) => cappy(['rerank', '--model', m, '--instruction', 'Name a color.'], 'red\nblue\nseven\n');
  const viaBundle = rr(out);
  assert.equal(viaBundle.status, 0, viaBundle.stderr);
  assert.equal(viaBundle.stdout, rr(roberta).stdout);
  const tok = (m) => cappy(['tokenize', '--model', m], JSON.stringify({ text: 'Name a color.', pair: 'red' }) + '\n');
  const tokens = tok(out);
  assert.equal(tokens.status, 0, tokens.stderr);
  assert.equal(tokens.stdout, tok(roberta).stdout);
});

test('convert of pytorch_model.bin needs no Python and scores like safetensors', () => {
  const dir = tmp();
  for (const f of readdirSync(roberta)) if (!/^(model\.|expected)/.test(f)) copyFileSync(join(roberta, f), join(dir, f));
  copyFileSync(join(fixtures, 'converter', 'tiny-roberta-pytorch.bin'), join(dir, 'pytorch_model.bin'));
  const out = join(dir, 'm.cappy');
  const c = cappy(['convert', dir, '-o', out]);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /from pytorch .* 1 unused source tensors left out/);
  assert.equal(cappy(['score', '--model', out], pairs).stdout, cappy(['score', '--model', roberta], pairs).stdout);
});

test('q8 bundles are about a quarter of f32, and --report compares them with f32', () => {
  const d = tmp();
  const f32 = join(d, 'f32.cappy'), q8 = join(d, 'q8.cappy');
  assert.equal(cappy(['convert', small, '-o', f32]).status, 0);
  // Both activation widths, each on its SIMD kernel where the CPU has it, else the plain C++ one.
  // int16: within the q8 targets even on this random-weight model. int8 (the default on AVX-512
  // VNNI): within max |dscore| 0.02, but its finer rounding noise reorders more of this model's
  // nearly tied candidates (87% top-1, f32 mean top-1 margin 0.018; on trained models it keeps
  // >= 99%, docs/accuracy.md).
  for (const [width, fast, plain, top1] of [['int16', 'avx512vnni', 'reference', 0.99], ['int8', 'avx512vnni-int8', 'reference-int8', 0.85]]) {
    // One thread: these models are tiny, and thread hand-offs dominate on a busy machine.
    let r = cappy(['convert', small, '-o', q8, '--dtype', 'q8', '--report', '--threads', '1'], '', { CAPPY_Q8_KERNEL: fast });
    if (/does not support it/.test(r.stderr)) r = cappy(['convert', small, '-o', q8, '--dtype', 'q8', '--report', '--threads', '1'], '', { CAPPY_Q8_KERNEL: plain });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(statSync(q8).size < 0.4 * statSync(f32).size, `${statSync(q8).size} vs ${statSync(f32).size}`);
    const report = JSON.parse(r.stdout.trim());
    assert.equal(report.groups, 100);
    assert.equal(report.pairs, 400);
    assert.ok(report.max_abs_diff > 0 && report.max_abs_diff <= 0.02, `${width}: ${r.stdout}`);
    assert.ok(report.top1_agreement >= top1, `${width}: ${r.stdout}`);
    assert.match(r.stderr, /top-1 agreement/);
  }
  // eval of the f32 bundle against its directory: identical scores.
  const e = cappy(['eval', '--model', f32, '--reference', small, '--threads', '1']);
  assert.equal(e.status, 0, e.stderr);
  const same = JSON.parse(e.stdout.trim());
  assert.equal(same.max_abs_diff, 0);
  assert.equal(same.top1_agreement, 1);
  assert.equal(same.kendall_tau_min, 1);
});

test('--q8-activations int16 records the width in the bundle, and the CPU then keeps int16', () => {
  const d = tmp();
  const pinned = join(d, 'int16.cappy');
  // No CAPPY_Q8_KERNEL: the recorded width decides; --report measures that bundle as it runs.
  const env = { CAPPY_Q8_KERNEL: '' };
  const r = cappy(['convert', small, '-o', pinned, '--dtype', 'q8', '--q8-activations', 'int16', '--report', '--threads', '1'], '', env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /q8 activations on the CPU: int16/);
  const report = JSON.parse(r.stdout.trim());
  // int16's accuracy on this random-weight model (int8 gives 87% top-1 here).
  assert.ok(report.max_abs_diff > 0 && report.max_abs_diff <= 0.02 && report.top1_agreement >= 0.99, r.stdout);
  const bad = cappy(['convert', small, '-o', join(d, 'f16.cappy'), '--dtype', 'f16', '--q8-activations', 'int16']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /q8 activations \("int16"\) are for q8 bundles, not f16/);
  const unknown = cappy(['convert', small, '-o', join(d, 'x.cappy'), '--dtype', 'q8', '--q8-activations', 'int4']);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /--q8-activations/);
  assert.ok(!existsSync(join(d, 'f16.cappy')) && !existsSync(join(d, 'x.cappy')), 'nothing written on a refused conversion');
});

test('bf16 bundles are the size of f16 ones, and --report holds on both bf16 kernels', () => {
  const d = tmp();
  const f16 = join(d, 'f16.cappy'), bf16 = join(d, 'bf16.cappy');
  assert.equal(cappy(['convert', small, '-o', f16, '--dtype', 'f16']).status, 0);
  // widen: f32 activations (every CPU, wasm); avx512bf16: bf16 activations, where the CPU has it.
  for (const kernel of ['widen', 'avx512bf16']) {
    const r = cappy(['convert', small, '-o', bf16, '--dtype', 'bf16', '--report', '--threads', '1'], '', { CAPPY_BF16_KERNEL: kernel });
    if (kernel === 'avx512bf16' && /does not support it/.test(r.stderr)) continue;  // no AVX512_BF16 here
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\d+ bf16\)/);
    assert.equal(statSync(bf16).size, statSync(f16).size);
    const report = JSON.parse(r.stdout.trim());
    assert.equal(report.pairs, 400);
    assert.ok(report.max_abs_diff > 0 && report.max_abs_diff <= 0.02, `${kernel}: ${r.stdout}`);
    // Rounding the activations to bf16 too (avx512bf16) reorders close candidates
    // more often: 98% top-1 on this model (docs/accuracy.md); f32 activations: 100%.
    assert.ok(report.top1_agreement >= (kernel === 'widen' ? 0.99 : 0.95), `${kernel}: ${r.stdout}`);
  }
});

test('eval reads a sample file and names its bad lines', () => {
  const d = tmp();
  const samples = join(d, 's.jsonl');
  writeFileSync(samples, JSON.stringify({ instruction: 'q', responses: ['a', 'b'] }) + '\n{"instruction": 3}\n');
  const r = cappy(['eval', '--model', roberta, '--reference', roberta, '--samples', samples]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /s\.jsonl:2: expected \{"instruction": str, "responses": \[str, \.\.\.\]\}/);
});

test('convert and --model reject what they cannot read, with the path in the message', () => {
  const d = tmp();
  const notBundle = join(d, 'weights.bin');
  writeFileSync(notBundle, 'not a model');
  let r = cappy(['score', '--model', notBundle], pairs);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /weights\.bin: expected a Cappy bundle/);
  r = cappy(['convert', d, '-o', join(d, 'x.cappy')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a model \(no config\.json\)/);
  r = cappy(['convert', roberta, '-o', join(d, 'x.cappy'), '--dtype', 'q4']);
  assert.equal(r.status, 2);
  assert.ok(!existsSync(join(d, 'x.cappy')));
});
