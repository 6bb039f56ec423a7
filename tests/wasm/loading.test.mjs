// Loading from URLs and bytes: progress, a checkpoint base URL, file: URLs in
// Node, and a clear rejection (never a hang) for HTTP errors, network errors,
// truncated bodies and stalled servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { distUrl, fixtureDir, fixtureFiles, expectedCases, assertClose, serve, sendBytes } from './helpers.mjs';

const { load } = await import(distUrl + 'cappy.mjs');
const files = fixtureFiles('tiny-roberta');
const [first] = expectedCases('tiny-roberta');
const totalBytes = Object.values(files).reduce((n, b) => n + b.byteLength, 0);

async function scoresRight(scorer) {
  assertClose(await scorer.score(first.instruction, [first.response]), first.logits, 1e-4, 'score');
  scorer.dispose();
}

const routesFor = (prefix, only = Object.keys(files)) =>
  Object.fromEntries(only.map((name) => [`${prefix}${name}`, sendBytes(files[name])]));

test('a map of URLs: downloads with monotone progress up to the total, then scores', async () => {
  const server = await serve(routesFor('/m/'));
  try {
    const events = [];
    const source = Object.fromEntries(Object.keys(files).map((n) => [n, `${server.url}/m/${n}`]));
    const scorer = await load(source, { onProgress: (p) => events.push(p) });
    assert.ok(events.length >= Object.keys(files).length);
    for (let i = 1; i < events.length; ++i) assert.ok(events[i].loaded >= events[i - 1].loaded);
    for (const e of events) assert.ok(e.loaded <= e.total);
    assert.deepEqual(events.at(-1), { loaded: totalBytes, total: totalBytes, file: null });
    await scoresRight(scorer);
  } finally {
    await server.close();
  }
});

test('a checkpoint base URL: the HF files are found by name, optional ones may be missing', async () => {
  const server = await serve(routesFor('/repo/resolve/main/'));
  try {
    await scoresRight(await load(`${server.url}/repo/resolve/main/`));
    assert.equal(server.hits.get('/repo/resolve/main/vocab.txt'), undefined);  // tokenizer.json was there
  } finally {
    await server.close();
  }
  // Without tokenizer.json the older files are fetched instead.
  const older = await serve(routesFor('/old/', Object.keys(files).filter((n) => n !== 'tokenizer.json')));
  try {
    await scoresRight(await load(new URL(`${older.url}/old/`)));
    assert.equal(older.hits.get('/old/merges.txt'), 1);
  } finally {
    await older.close();
  }
});

test('file: URLs and mixed bytes/URLs work in Node', async () => {
  const source = { ...files, 'model.safetensors': pathToFileURL(`${fixtureDir('tiny-roberta')}/model.safetensors`).href };
  await scoresRight(await load(source));
  await scoresRight(await load(pathToFileURL(fixtureDir('tiny-roberta') + '/')));
});

test('HTTP errors, network errors, truncated and stalled downloads reject with the file and URL', async () => {
  const weights = files['model.safetensors'];
  const server = await serve({
    ...routesFor('/ok/'),
    '/broken/model.safetensors': (req, res) => { res.writeHead(500, 'Internal Server Error'); res.end(); },
    '/short/model.safetensors': (req, res) => {
      res.writeHead(200, { 'content-length': weights.byteLength });
      res.write(weights.subarray(0, 1000));
      setTimeout(() => res.destroy(), 20);
    },
    '/stall/model.safetensors': (req, res) => {
      res.writeHead(200, { 'content-length': weights.byteLength });
      res.write(weights.subarray(0, 1000));  // then nothing, connection open
    },
  });
  const withWeights = (url) => Object.fromEntries(Object.keys(files).map((n) =>
    [n, n === 'model.safetensors' ? url : `${server.url}/ok/${n}`]));
  try {
    await assert.rejects(load(withWeights(`${server.url}/broken/model.safetensors`)),
      /model\.safetensors: HTTP 500 Internal Server Error from http:\/\/127\.0\.0\.1:\d+\/broken\/model\.safetensors/);
    await assert.rejects(load(withWeights(`${server.url}/missing/model.safetensors`)), /model\.safetensors: HTTP 404/);
    await assert.rejects(load(withWeights(`${server.url}/short/model.safetensors`)), /model\.safetensors: download from .*\/short\/model\.safetensors (failed|ended after 1000 of)/);
    await assert.rejects(load(withWeights(`${server.url}/stall/model.safetensors`), { stallTimeoutMs: 300 }),
      /model\.safetensors: no data for 0\.3 s from .*\/stall\/model\.safetensors/);
    await assert.rejects(load(withWeights('http://127.0.0.1:1/model.safetensors')), /model\.safetensors: download from http:\/\/127\.0\.0\.1:1\/model\.safetensors failed/);
    await assert.rejects(load(`${server.url}/nothing-here/`), /config\.json: HTTP 404/);
    await assert.rejects(load(`${server.url}/missing/model.cappy`), /model\.cappy: HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/missing\/model\.cappy/);
    const abort = new AbortController();
    const pending = load(withWeights(`${server.url}/stall/model.safetensors`), { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('user left')), 50);
    // Every download still running is aborted; on a loaded machine that may
    // include the small files too, and the first file's error is reported.
    await assert.rejects(pending, /^Error: [\w.]+: loading aborted \(user left\)$/);
  } finally {
    await server.close();
  }
});
