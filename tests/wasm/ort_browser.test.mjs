// Devices 'ort-wasm' and 'ort-webgpu' in headless Chromium (the system's
// /usr/bin/chromium, WebGPU on SwiftShader): a page loads the fixtures' ONNX
// exports over HTTP with onnxruntime-web (npm, served from node_modules) and
// scores them; the logits equal the native CPU backend's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { chromium } from 'playwright-core';
import { dist, root, fixtureDir, fixtureFiles, expectedCases, byInstruction, assertClose, serve } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const bin = process.env.CAPPY_BIN ?? join(root, 'build', 'bin', 'cappy');
const ortDist = join(root, 'node_modules', 'onnxruntime-web', 'dist');
const FIXTURES = ['tiny-roberta', 'tiny-bert'];

function file(path) {
  return (req, res) => {
    const bytes = readFileSync(path);
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': bytes.byteLength });
    res.end(bytes);
  };
}

// One `cappy score` run per fixture: every group's logits, in group order.
const native = new Map();
function nativeLogits(name, groups) {
  if (native.has(name)) return native.get(name);
  const input = groups.map(([instruction, responses]) => JSON.stringify({ instruction, responses })).join('\n') + '\n';
  const r = spawnSync(bin, ['score', '--model', fixtureDir(name)], { input, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr?.toString());
  const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  native.set(name, lines.map((out) => (out.logits ? out.logits.flat() : out.scores)));
  return native.get(name);
}

test('headless Chromium: ort-wasm and ort-webgpu score the fixtures as the native CPU backend does', async (t) => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (Debian package chromium; scripts/install-deps)`);
  assert.ok(existsSync(bin), `the native CLI is needed for reference scores (${bin})`);
  const routes = {
    '/index.html': (req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>cappy ort</title>'); },
  };
  // The whole built module (every file of dist/, webgpu/ included).
  assert.ok(existsSync(join(dist, 'cappy.mjs')), 'build the module first (scripts/build-wasm)');
  for (const name of readdirSync(dist, { recursive: true })) {
    if (statSync(join(dist, name)).isFile()) routes[`/dist/${name}`] = file(join(dist, name));
  }
  assert.ok(existsSync(join(ortDist, 'ort.webgpu.min.mjs')), `onnxruntime-web is missing from node_modules (scripts/install-deps)`);
  for (const name of readdirSync(ortDist).filter((f) => /\.(mjs|wasm)$/.test(f))) routes[`/ort/${name}`] = file(join(ortDist, name));
  for (const fixture of FIXTURES) {
    routes[`/models/${fixture}/model.onnx`] = file(join(fixtureDir(fixture), 'model.onnx'));
    for (const name of Object.keys(fixtureFiles(fixture))) routes[`/models/${fixture}/${name}`] = file(join(fixtureDir(fixture), name));
  }
  const server = await serve(routes);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/index.html`);
    for (const device of ['ort-wasm', 'ort-webgpu']) {
      for (const fixture of FIXTURES) {
        const groups = byInstruction(expectedCases(fixture)).map(([i, cs]) => [i, cs.map((c) => c.response)]);
        const started = Date.now();
        const result = await page.evaluate(`(async () => {
          const ort = await import('/ort/ort.webgpu.min.mjs');
          ort.env.wasm.wasmPaths = '/ort/';
          ort.env.wasm.numThreads = 1;
          const { load } = await import('/dist/cappy.mjs');
          try {
            const scorer = await load('/models/${fixture}/', { device: '${device}', ort, cache: false, batchSize: 4 });
            const logits = [];
            for (const [instruction, responses] of ${JSON.stringify(groups)}) logits.push(Array.from(await scorer.logits(instruction, responses)));
            const info = scorer.info;
            scorer.dispose();
            return { logits, info };
          } catch (e) {
            return { error: String(e?.message ?? e) };
          }
        })()`);
        assert.equal(result.error, undefined, `${device} ${fixture}: ${result.error}`);
        t.diagnostic(`${device} ${fixture} (${Date.now() - started} ms): ${JSON.stringify({ device: result.info.device, adapter: result.info.adapter, fallbackReason: result.info.fallbackReason })}`);
        // onnxruntime-web's WebGPU execution provider runs on Chromium's SwiftShader adapter.
        assert.equal(result.info.device, device, result.info.fallbackReason);
        const want = nativeLogits(fixture, groups);
        groups.forEach((_, i) => assertClose(result.logits[i], want[i], 1e-3, `${device} ${fixture} group ${i} vs native cpu`));
      }
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
