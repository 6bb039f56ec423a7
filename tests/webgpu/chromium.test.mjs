// The WebGPU executor in headless Chromium (SwiftShader adapter) through
// Playwright: the page fetches the fixture's model.safetensors, runs the
// plan (made by the native `cappy plan`) and returns the logits, which must
// match onnxruntime's within 1e-3 as in Node.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { kernelsModule, loadFixture, packCases, planFor, root } from './fixtures.mjs';

// Serves what the page imports and fetches, and nothing else.
const served = ['wasm/webgpu/', 'tests/webgpu/', 'tests/fixtures/'];
const types = { '.mjs': 'text/javascript', '.json': 'application/json', '.html': 'text/html' };
const server = http.createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).slice(1);
  const file = path === 'generated/wgsl_kernels.mjs' ? kernelsModule
    : path === '' ? null
      : served.some((p) => path.startsWith(p)) ? join(root, path) : undefined;
  try {
    if (file === undefined) throw new Error('not served');
    const body = file === null ? '<!doctype html><title>cappy webgpu</title>' : await readFile(file);
    res.writeHead(200, { 'content-type': file === null ? 'text/html' : types[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});

let browser, page;
before(async () => {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  // WebGPU needs a secure context: http://127.0.0.1 is one.
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
});
after(async () => {
  await browser?.close();
  server.close();
});

// Runs in the page.
async function runInPage({ fixture, plan, batch }) {
  const { createExecutor, requestDevice } = await import('/wasm/webgpu/executor.mjs');
  const { wgslKernels } = await import('/generated/wgsl_kernels.mjs');
  const { parseSafetensors } = await import('/wasm/webgpu/weights.mjs');
  const response = await fetch(`/tests/fixtures/${fixture}/model.safetensors`);
  const tensors = parseSafetensors(new Uint8Array(await response.arrayBuffer()));
  globalThis.gpu ??= await requestDevice(navigator.gpu);
  const ex = createExecutor(globalThis.gpu.device, { kernels: wgslKernels, weights: (n) => tensors.get(n) });
  const toInts = (a) => Int32Array.from(a);
  const logits = await ex.run(plan, { ids: toInts(batch.ids), typeIds: toInts(batch.typeIds), positions: toInts(batch.positions), offsets: toInts(batch.offsets) });
  ex.dispose();
  return { logits: Array.from(logits), adapter: globalThis.gpu.info.vendor };
}

for (const name of ['tiny-roberta', 'tiny-bert']) {
  test(`${name}: all cases in one batch match onnxruntime within 1e-3`, async () => {
    const fixture = loadFixture(name);
    const cases = fixture.expected.cases;
    const { batch, shape } = packCases(cases, fixture.config);
    const plain = Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, Array.from(v)]));
    const { logits } = await page.evaluate(runInPage, { fixture: name, plan: planFor(fixture, shape), batch: plain });
    const want = cases.flatMap((c) => c.logits);
    assert.equal(logits.length, want.length);
    const diff = Math.max(...logits.map((x, i) => Math.abs(x - want[i])));
    assert.ok(diff < 1e-3, `max |diff| ${diff}`);
  });
}
