// The module in headless Chromium (Playwright, the system's /usr/bin/chromium;
// no browser is ever downloaded): a page and a module worker load the tiny
// fixtures over HTTP and score them; a second load in the page comes from
// Cache Storage without touching the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { chromium } from 'playwright-core';
import { dist, fixtureFiles, expectedCases, byInstruction, assertClose, serve } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

// The page's and the worker's test: load, score every case per instruction.
const SCORE_ALL = `
  async function scoreAll(load, base, groups, options) {
    const progress = [];
    const scorer = await load(base, { ...options, onProgress: (p) => progress.push(p) });
    const logits = [];
    for (const [instruction, responses] of groups) logits.push(Array.from(await scorer.logits(instruction, responses)));
    const ranked = await scorer.rerank(groups[0][0], groups[0][1], { topN: 1 });
    const info = scorer.info;
    scorer.dispose();
    return { logits, ranked, info, progress };
  }`;

async function startServer() {
  const routes = {
    '/index.html': (req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>cappy</title>'); },
    '/worker.mjs': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(`import { load } from '/dist/cappy.mjs';
        ${SCORE_ALL}
        self.onmessage = async ({ data }) => {
          try { self.postMessage(await scoreAll(load, data.base, data.groups, data.options)); }
          catch (e) { self.postMessage({ error: String(e?.message ?? e) }); }
        };`);
    },
  };
  for (const name of ['cappy.mjs', 'core.mjs', 'sources.mjs', 'engines.mjs', 'ort.mjs', 'text.mjs', 'tokenizer.mjs', 'cappy_core.mjs', 'cappy_core.wasm', 'cappy_core_mt.mjs',
    'webgpu/engine.mjs', 'webgpu/executor.mjs', 'webgpu/weights.mjs', 'webgpu/dtypes.mjs']) {
    const path = join(dist, name);
    assert.ok(existsSync(path), `${path} is missing: build the module first (scripts/build-wasm)`);
    routes[`/dist/${name}`] = (req, res) => {
      const bytes = readFileSync(path);
      res.writeHead(200, { 'content-type': TYPES[extname(name)], 'content-length': bytes.byteLength });
      res.end(bytes);
    };
  }
  for (const fixture of ['tiny-roberta', 'tiny-bert'])
    for (const [name, bytes] of Object.entries(fixtureFiles(fixture)))
      routes[`/models/${fixture}/${name}`] = (req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength });
        res.end(bytes);
      };
  return serve(routes);
}

const groupsOf = (name) => byInstruction(expectedCases(name)).map(([i, cs]) => [i, cs.map((c) => c.response)]);
const expectedOf = (name) => byInstruction(expectedCases(name)).map(([, cs]) => cs.flatMap((c) => c.logits));

function checkResult(result, name, what, requested) {
  assert.equal(result.error, undefined, result.error);
  result.logits.forEach((l, i) => assertClose(l, expectedOf(name)[i], 1e-4, `${what} ${name} group ${i}`));
  // The device: WebGPU once its engine is in the build, else wasm saying why.
  if (requested !== 'wasm' && result.info.device === 'wasm') assert.ok(result.info.fallbackReason?.length > 0, JSON.stringify(result.info));
  const best = Math.max(...result.logits[0].filter((_, i) => i % result.info.model.numLabels === 0));
  assert.equal(result.ranked[0].score, Math.fround(best));
}

test('headless Chromium: a page and a worker score the fixtures; the second load comes from Cache Storage', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (Debian package chromium; scripts/install-deps)`);
  const server = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/index.html`);
    for (const name of ['tiny-roberta', 'tiny-bert']) {
      const result = await page.evaluate(`(async () => {
        const { load } = await import('/dist/cappy.mjs');
        ${SCORE_ALL}
        return scoreAll(load, '/models/${name}/', ${JSON.stringify(groupsOf(name))}, { device: 'auto' });
      })()`);
      checkResult(result, name, 'page', 'auto');
      console.log(`${name} in the page: ${JSON.stringify({ device: result.info.device, adapter: result.info.adapter, fallbackReason: result.info.fallbackReason })}`);
      assert.ok(result.progress.length > 0);
      assert.equal(result.progress.at(-1).loaded, result.progress.at(-1).total);
    }
    const weights = '/models/tiny-roberta/model.safetensors';
    assert.equal(server.hits.get(weights), 1);
    const again = await page.evaluate(`(async () => {
      const { load } = await import('/dist/cappy.mjs');
      ${SCORE_ALL}
      return scoreAll(load, '/models/tiny-roberta/', ${JSON.stringify(groupsOf('tiny-roberta'))}, { device: 'wasm' });
    })()`);
    checkResult(again, 'tiny-roberta', 'cached', 'wasm');
    assert.equal(again.info.device, 'wasm');
    assert.equal(server.hits.get(weights), 1, 'the second load downloaded the weights again');
    assert.equal(server.hits.get('/models/tiny-roberta/config.json'), 1);

    const fromWorker = await page.evaluate(`new Promise((resolve) => {
      const worker = new Worker('/worker.mjs', { type: 'module' });
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (e) => resolve({ error: 'worker: ' + e.message });
      worker.postMessage({ base: '/models/tiny-bert/', groups: ${JSON.stringify(groupsOf('tiny-bert'))}, options: { device: 'wasm', cache: false } });
    })`);
    checkResult(fromWorker, 'tiny-bert', 'worker', 'wasm');

    const failure = await page.evaluate(`(async () => {
      const { load } = await import('/dist/cappy.mjs');
      try { await load('/models/none/'); return 'resolved'; } catch (e) { return e.message; }
    })()`);
    assert.match(failure, /config\.json: HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/models\/none\/config\.json/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
