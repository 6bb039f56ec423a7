// `--device` and `cappy devices` as a user runs them, on lavapipe (ctest sets
// VK_ICD_FILENAMES to Mesa's CPU implementation of Vulkan, and
// CAPPY_VULKAN_VALIDATION=1): scores on the Vulkan device equal the CPU's,
// `auto` does not take a CPU implementation, and a machine without a driver
// gets a clear error rather than a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bert = join(here, '..', 'fixtures', 'tiny-bert');
const bin = process.env.CAPPY_BIN;
assert.ok(bin, 'set CAPPY_BIN to the cappy executable');

function cappy(args, input, env = {}) {
  const r = spawnSync(bin, args, { input, timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

const cases = JSON.parse(readFileSync(join(bert, 'expected.json'), 'utf8')).cases.slice(0, 8);
const input = cases.map((c) => JSON.stringify({ instruction: c.instruction, responses: [c.response, c.instruction] })).join('\n') + '\n';
const scores = (out) => out.trim().split('\n').map((l) => { const o = JSON.parse(l); return o.logits ?? o.scores; }).flat(2);

test('cappy devices lists lavapipe as a CPU-type Vulkan device that auto skips', () => {
  const r = cappy(['devices']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^cpu\tcpu\tCPU\t/m);
  assert.match(r.stdout, /^vulkan:0\tcpu\tllvmpipe/m);
  assert.match(r.stdout, /# --device auto picks: cpu/);
});

test('score --device vulkan equals score --device cpu, with no validation messages', () => {
  const cpu = cappy(['score', '--model', bert, '--device', 'cpu'], input);
  assert.equal(cpu.status, 0, cpu.stderr);
  const gpu = cappy(['score', '--model', bert, '--device', 'vulkan', '--batch-size', '5'], input);
  assert.equal(gpu.status, 0, gpu.stderr);
  assert.doesNotMatch(gpu.stderr, /validation/);
  const a = scores(cpu.stdout), b = scores(gpu.stdout);
  assert.equal(a.length, cases.length * 2 * 2);  // two responses, two labels each
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-3, `${x} vs ${b[i]}`));
});

test('rerank --device vulkan:0 and auto rank as the CPU does', () => {
  const lines = 'Paris\nLyon\nthe capital is Paris\n';
  const cpu = cappy(['rerank', '--model', bert, '--instruction', 'capital of France?'], lines);
  const gpu = cappy(['rerank', '--model', bert, '--instruction', 'capital of France?', '--device', 'vulkan:0'], lines);
  const auto = cappy(['rerank', '--model', bert, '--instruction', 'capital of France?', '--device', 'auto'], lines);
  for (const r of [cpu, gpu, auto]) assert.equal(r.status, 0, r.stderr);
  const order = (out) => out.trim().split('\n').map((l) => JSON.parse(l).index);
  assert.deepEqual(order(gpu.stdout), order(cpu.stdout));
  assert.deepEqual(order(auto.stdout), order(cpu.stdout));
});

test('no Vulkan driver: --device vulkan says so, auto falls back to the CPU', () => {
  const env = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };
  const r = cappy(['score', '--model', bert, '--device', 'vulkan'], input, env);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cappy: vulkan: no Vulkan driver \(ICD\) found|driver reports no devices/);
  const auto = cappy(['score', '--model', bert, '--device', 'auto'], input, env);
  assert.equal(auto.status, 0, auto.stderr);
  const devices = cappy(['devices'], '', env);
  assert.equal(devices.status, 0, devices.stderr);
  assert.match(devices.stdout, /# --device auto picks: cpu/);
});

test('bad --device values are rejected with the choices', () => {
  for (const bad of ['gpu', 'vulkan:x', 'cuda']) {
    const r = cappy(['score', '--model', bert, '--device', bad], input);
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, /expected cpu, vulkan, vulkan:N or auto/);
  }
  const r = cappy(['score', '--model', bert, '--device', 'vulkan:9'], input);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /there are 1 vulkan devices \(0\.\.0; cappy devices lists them\)/);
});

test('serve --device vulkan answers /v1/score with the CPU scores', async () => {
  const server = spawn(bin, ['serve', '--model', bert, '--port', '0', '--device', 'vulkan'], { env: process.env });
  try {
    let stderr = '';
    const url = await new Promise((resolve, reject) => {
      server.stderr.on('data', (d) => {
        stderr += d;
        const m = stderr.match(/listening on (http:\/\/\S+)\n/);
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    assert.match(stderr, /on vulkan: llvmpipe/);
    const body = { instruction: cases[0].instruction, responses: [cases[0].response, cases[1].response] };
    const res = await fetch(`${url}/v1/score`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    const got = (await res.json()).scores.flat();
    const cpu = JSON.parse(cappy(['score', '--model', bert], JSON.stringify(body) + '\n').stdout).scores;
    assert.equal(got.length, 2);
    got.forEach((x, i) => assert.ok(Math.abs(x - cpu[i]) <= 1e-3, `${x} vs ${cpu[i]}`));
  } finally {
    server.kill('SIGTERM');
  }
});
