// The threaded build in headless Chromium: a tiny static server sends the
// COOP/COEP headers that make its pages cross-origin isolated, so cappy.mjs
// picks cappy_core_mt (-pthread, SharedArrayBuffer) for the CPU path; the
// fixtures score as onnxruntime does, on more than one thread. The same
// files without the headers get the single-threaded build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, extname, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { dist, fixtureDir, expectedCases, byInstruction, assertClose } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

// Serves /dist/* and /models/<fixture>/*; with `isolated`, every response
// carries COOP/COEP. Counts requests per path.
async function staticServer(isolated) {
  const hits = new Map();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const headers = isolated ? { ...ISOLATION } : {};
    let file = null;
    if (path === '/worker.mjs') {
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript' });
      return res.end(`self.onmessage = async () => {
        try { self.postMessage(await ${scoreInPage(['tiny-bert'])}); } catch (e) { self.postMessage({ error: String(e) }); }
      };`);
    }
    if (path === '/') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html' });
      return res.end('<!doctype html><title>cappy threads</title>');
    }
    if (path.startsWith('/dist/')) file = join(dist, normalize(path.slice(6)));
    const m = path.match(/^\/models\/(tiny-roberta|tiny-bert)\/([\w.-]+)$/);
    if (m) file = join(fixtureDir(m[1]), m[2]);
    if (!file || file.includes('..') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers);
      return res.end();
    }
    const bytes = readFileSync(file);
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': bytes.byteLength });
    res.end(bytes);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, hits, close: () => new Promise((r) => server.close(r)) };
}

const groupsOf = (name) => byInstruction(expectedCases(name)).map(([i, cs]) => [i, cs.map((c) => c.response)]);
const expectedOf = (name) => byInstruction(expectedCases(name)).map(([, cs]) => cs.flatMap((c) => c.logits));

// In the page: load each fixture on 'wasm' and score every group; the
// groups again as one batch of 16 copies (work for several threads).
const scoreInPage = (names) => `(async () => {
  const { load } = await import('/dist/cappy.mjs');
  const out = { isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency, fixtures: {} };
  for (const [name, groups] of ${JSON.stringify(names.map((n) => [n, groupsOf(n)]))}) {
    try {
      const scorer = await load('/models/' + name + '/', { device: 'wasm', cache: false });
      const logits = [];
      for (const [instruction, responses] of groups) logits.push(Array.from(await scorer.logits(instruction, responses)));
      const [instruction, responses] = groups[0];
      const many = Array.from({ length: 16 }, (_, i) => responses[i % responses.length]);
      const repeated = Array.from(await scorer.logits(instruction, many, { batchSize: 16 }));
      out.fixtures[name] = { logits, repeated, info: scorer.info };
      scorer.dispose();
    } catch (e) {
      out.fixtures[name] = { error: String(e?.stack ?? e) };
    }
  }
  return out;
})()`;

test('headless Chromium: a cross-origin-isolated page runs the threaded build; scores match', async (t) => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (Debian package chromium; scripts/install-deps)`);
  for (const f of ['cappy_core_mt.mjs', 'cappy_core_mt.wasm', 'cappy_core_mt.worker.js']) {
    assert.ok(existsSync(join(dist, f)), `${f} is missing: build the module first (scripts/build-wasm)`);
  }
  const names = ['tiny-roberta', 'tiny-bert'];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    for (const isolated of [true, false]) {
      const server = await staticServer(isolated);
      try {
        const page = await browser.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${server.url}/`);
        const result = await page.evaluate(scoreInPage(names));
        // The same from a module worker (where pages should score): its
        // pthreads are workers started from a worker.
        const fromWorker = await page.evaluate(`new Promise((resolve) => {
          const worker = new Worker('/worker.mjs', { type: 'module' });
          worker.onmessage = ({ data }) => resolve(data);
          worker.onerror = (e) => resolve({ error: 'worker: ' + e.message });
          worker.postMessage(null);
        })`);
        await page.close();
        assert.equal(fromWorker.error, undefined, fromWorker.error);
        assert.equal(fromWorker.isolated, isolated, 'the worker is isolated as its page');
        result.fixtures['tiny-bert (worker)'] = fromWorker.fixtures['tiny-bert'];
        assert.equal(result.isolated, isolated, 'crossOriginIsolated as the headers say');
        for (const key of [...names, 'tiny-bert (worker)']) {
          const name = key.split(' ')[0];
          const r = result.fixtures[key];
          assert.equal(r.error, undefined, `${name}: ${r.error}`);
          t.diagnostic(`${isolated ? 'isolated' : 'not isolated'} ${key}: ${r.info.adapter}`);
          assert.equal(r.error, undefined, `${key}: ${r.error}`);
          r.logits.forEach((l, i) => assertClose(l, expectedOf(name)[i], 1e-4, `${key} group ${i}`));
          const labels = r.info.model.numLabels;
          const first = r.logits[0];
          r.repeated.forEach((x, i) => {
            const pair = Math.floor(i / labels) % (first.length / labels);
            assert.ok(Math.abs(x - first[pair * labels + (i % labels)]) <= 1e-4, `${name} repeated[${i}]`);
          });
          const wantThreads = isolated ? Math.min(result.cores, 8) : 1;
          assert.equal(r.info.threads, wantThreads, JSON.stringify(r.info));
        }
        // Which build the page fetched.
        assert.equal(server.hits.has('/dist/cappy_core_mt.wasm'), isolated);
        assert.equal(server.hits.has('/dist/cappy_core.wasm'), !isolated);
        if (isolated) assert.ok(server.hits.get('/dist/cappy_core_mt.worker.js') >= 1, 'the pthread workers started');
        assert.deepEqual(errors, []);
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
  }
});
