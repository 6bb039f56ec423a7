// scripts/demo-server.mjs: the page, the module and the model under one
// origin, with the cross-origin isolation headers; nothing outside them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoServer, exportSite, root } from '../../scripts/demo-server.mjs';

test('demo server: files with COOP/COEP, 404/403/405 for the rest', async () => {
  const server = await startDemoServer({ port: 0 });
  try {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.equal(await page.text(), readFileSync(join(root, 'web-demo', 'index.html'), 'utf8'));
    const model = await fetch(`${server.url}/models/cappy-mini.cappy`);
    assert.equal(model.status, 200);
    assert.equal(Number(model.headers.get('content-length')), readFileSync(join(root, 'models', 'cappy-mini.cappy')).byteLength);
    await model.arrayBuffer();
    const module = await fetch(`${server.url}/cappy/cappy.mjs`);
    assert.equal(module.status, 200, 'build the module first: scripts/build-wasm');
    assert.match(module.headers.get('content-type'), /^text\/javascript/);
    await module.text();
    const wasm = await fetch(`${server.url}/cappy/cappy_core.wasm`, { method: 'HEAD' });
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal((await fetch(`${server.url}/nothing.html`)).status, 404);
    assert.equal((await fetch(`${server.url}/models/..%2fREADME.md`)).status, 403);
    assert.equal((await fetch(`${server.url}/cappy/..%2f..%2fCMakeLists.txt`)).status, 403);
    assert.equal((await fetch(`${server.url}/`, { method: 'POST', body: 'x' })).status, 405);
    assert.equal((await fetch(`${server.url}/%E0%A4%A`)).status, 400);
  } finally {
    await server.close();
  }
});

test("export: one folder with the page, the module and the model; the page's imports all resolve in it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cappy-demo-'));
  try {
    exportSite(dir);
    for (const f of ['index.html', 'app.mjs', 'scorer-worker.mjs', 'cappy/cappy.mjs', 'cappy/cappy_core.wasm', 'cappy/webgpu/engine.mjs', 'models/cappy-mini.cappy']) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    // Every relative import of the page's modules, followed from app.mjs, exists in the export.
    const seen = new Set();
    const visit = (file) => {
      if (seen.has(file)) return;
      seen.add(file);
      assert.ok(existsSync(file), `${file} (imported) is missing`);
      const text = readFileSync(file, 'utf8');
      // Static imports and re-exports (at a line's start: not the examples in comments).
      for (const [, spec] of text.matchAll(/^(?:import|export)\b[^'"\n]*?['"](\.{1,2}\/[^'"]+)['"]/gm)) visit(join(file, '..', spec));
    };
    visit(join(dir, 'app.mjs'));
    visit(join(dir, 'scorer-worker.mjs'));
    for (const f of ['cappy/cappy.mjs', 'cappy/core.mjs', 'cappy/cappy_core.mjs', 'cappy/webgpu/engine.mjs', 'csp.mjs', 'chat.mjs', 'sse.mjs']) assert.ok(seen.has(join(dir, f)), `${f} not reached`);
    assert.throws(() => exportSite(dir), /not empty/);
    assert.throws(() => exportSite(join(root, 'web-demo', 'out')), /inside/);
    assert.ok(!existsSync(join(root, 'web-demo', 'out')), 'a refused export wrote nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
