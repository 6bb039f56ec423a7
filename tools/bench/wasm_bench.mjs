// The browser benchmark, in one headless Chromium run: pairs/s and startup
// time (load to first score) of the Cappy WebAssembly module beside
// onnxruntime-web on the same model (its safetensors and its ONNX export) and
// the same token shapes. Prints one JSON object (last line).
//
//   node tools/bench/wasm_bench.mjs --model DIR [--batch 8] [--seq 128] [--iters 3]
//        [--engines cappy-wasm,ort-wasm] [--dist build-wasm/dist] [--isolated]
// Engines: cappy-wasm, cappy-webgpu, ort-wasm, ort-webgpu. Without --isolated
// both are single-threaded on the CPU side (the page is not cross-origin
// isolated, so neither may use wasm threads); with it the server sends
// COOP/COEP, cappy loads its threaded build and onnxruntime-web gets
// navigator.hardwareConcurrency threads.
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, resolve, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' }, batch: { type: 'string', default: '8' }, seq: { type: 'string', default: '128' },
    iters: { type: 'string', default: '3' }, engines: { type: 'string', default: 'cappy-wasm,ort-wasm' },
    dist: { type: 'string', default: join(root, 'build-wasm', 'dist') },
    isolated: { type: 'boolean', default: false },
  },
});
if (!args.model) throw new Error('--model DIR is required (an HF checkpoint with model.onnx beside it)');
const model = resolve(args.model);
const batch = Number(args.batch), seq = Number(args.seq), iters = Number(args.iters);
const engines = args.engines.split(',');
const ortDist = join(root, 'node_modules', 'onnxruntime-web', 'dist');
for (const f of [join(args.dist, 'cappy.mjs'), join(model, 'model.onnx'), ortDist]) {
  if (!existsSync(f)) throw new Error(`${f} is missing`);
}

// Pairs of exactly `seq` tokens: words that are one token in BERT's and
// RoBERTa's vocabularies, so the ONNX inputs can be built without a tokenizer.
const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
const bert = config.model_type === 'bert';
const vocab = bert
  ? Object.fromEntries(readFileSync(join(model, 'vocab.txt'), 'utf8').split('\n').map((w, i) => [w, i]))
  : JSON.parse(readFileSync(join(model, 'vocab.json'), 'utf8'));
const [w1, w2] = bert ? ['hello', 'world'] : ['Ġhello', 'Ġworld'];
const [cls, sep] = bert ? [vocab['[CLS]'], vocab['[SEP]']] : [vocab['<s>'], vocab['</s>']];
const special = bert ? 3 : 4;
const a = Math.floor((seq - special) / 2), b = seq - special - a;
const instruction = Array(a).fill('hello').join(' ');
const response = Array(b).fill('world').join(' ');
const ids = bert
  ? [cls, ...Array(a).fill(vocab[w1]), sep, ...Array(b).fill(vocab[w2]), sep]
  : [cls, ...Array(a).fill(vocab[w1]), sep, sep, ...Array(b).fill(vocab[w2]), sep];
const typeIds = bert ? ids.map((_, i) => (i <= a + 1 ? 0 : 1)) : ids.map(() => 0);
if (ids.length !== seq) throw new Error(`built ${ids.length} ids for --seq ${seq}`);

const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const mounts = { '/dist/': args.dist, '/ort/': ortDist, '/model/': model };
const ISOLATION = args.isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
const server = createServer((req, res) => {
  for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/') { res.writeHead(200, { 'content-type': 'text/html' }); return res.end('<!doctype html>'); }
  for (const [prefix, dir] of Object.entries(mounts)) {
    const file = join(dir, path.slice(prefix.length));
    if (path.startsWith(prefix) && !file.includes('..') && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      return res.end(readFileSync(file));
    }
  }
  res.writeHead(404);
  res.end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results = {};
try {
  const page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error('page:', m.text()));
  await page.goto(base + '/');
  for (const engine of engines) {
    results[engine] = await page.evaluate(async ({ engine, batch, iters, instruction, response, ids, typeIds }) => {
      const now = () => performance.now();
      const responses = Array(batch).fill(response);
      let runBatch, runOne;
      const t0 = now();
      if (engine.startsWith('cappy-')) {
        const { load } = await import('/dist/cappy.mjs');
        const scorer = await load('/model/', { device: engine.slice(6), cache: false, batchSize: batch, maxBatchTokens: 0 });
        runOne = () => scorer.score(instruction, [response]);
        runBatch = () => scorer.score(instruction, responses);
        var info = scorer.info;
      } else {
        const ort = await import(engine === 'ort-wasm' ? '/ort/ort.wasm.min.mjs' : '/ort/ort.webgpu.min.mjs');
        ort.env.wasm.numThreads = self.crossOriginIsolated ? navigator.hardwareConcurrency : 1;
        ort.env.wasm.wasmPaths = '/ort/';
        const session = await ort.InferenceSession.create('/model/model.onnx', {
          executionProviders: [engine === 'ort-wasm' ? 'wasm' : 'webgpu'], graphOptimizationLevel: 'all' });
        const feeds = (n) => {
          const tensor = (values) => new ort.Tensor('int64', BigInt64Array.from({ length: n * values.length }, (_, i) => BigInt(values[i % values.length])), [n, values.length]);
          return { input_ids: tensor(ids), attention_mask: tensor(ids.map(() => 1)), token_type_ids: tensor(typeIds) };
        };
        const one = feeds(1), many = feeds(batch);
        runOne = async () => (await session.run(one)).logits.data;
        runBatch = async () => (await session.run(many)).logits.data;
        var info = { device: engine };
      }
      const first = await runOne();
      const startupMs = now() - t0;
      await runBatch();  // warm-up
      const times = [];
      for (let i = 0; i < iters; ++i) {
        const t = now();
        await runBatch();
        times.push(now() - t);
      }
      times.sort((x, y) => x - y);
      const ms = times[Math.floor(times.length / 2)];
      return { startupMs, msPerBatch: ms, pairsPerS: (batch * 1000) / ms, firstScore: Number(first[0]), device: info.device, threads: info.threads, isolated: self.crossOriginIsolated, fallbackReason: info.fallbackReason };
    }, { engine, batch, iters, instruction, response, ids, typeIds });
    console.error(`${engine}: ${JSON.stringify(results[engine])}`);
  }
} finally {
  await browser.close();
  server.close();
}
// The engines score the same pair: their first scores must agree.
const scores = Object.values(results).map((r) => r.firstScore);
const agree = Math.max(...scores) - Math.min(...scores);
console.log(JSON.stringify({ model: config.architectures?.[0], batch, seq, iters, engines: results, maxScoreDifference: agree }));
