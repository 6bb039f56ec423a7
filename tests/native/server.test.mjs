// Tests of `cappy serve` as a client sees it: the real server on a free
// port with the tiny RoBERTa fixture, every endpoint, every error path,
// shutdown on signals, and a bounded load test with wrk. Run by ctest with
// CAPPY_BIN (and WRK) set. No assertion depends on timing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const roberta = join(here, '..', 'fixtures', 'tiny-roberta');
const bin = process.env.CAPPY_BIN;
assert.ok(bin, 'set CAPPY_BIN to the cappy executable');
const wrk = process.env.WRK || 'wrk';

const cases = JSON.parse(readFileSync(join(roberta, 'expected.json'), 'utf8')).cases;

// ---------------------------------------------------------------------------
// Helpers

// Starts `cappy serve` on a free port; resolves once it is listening.
async function startServer(extra = [], env = process.env) {
  const child = spawn(bin, ['serve', '--model', roberta, '--port', '0', '--threads', '1', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/listening on (http:\/\/\S+)\n/);
      if (m) resolve(m[1]);
    });
    exited.then(({ code }) => reject(new Error(`cappy serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    child,
    exited,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

// One request on its own connection (Connection: close), so no idle
// keep-alive connection outlives a test. body: object (sent as JSON),
// string or Buffer (sent as is).
function request(base, method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined
      : Buffer.isBuffer(body) ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const h = { connection: 'close', ...headers };
    if (data) Object.assign(h, { 'content-type': 'application/json', 'content-length': data.length }, headers);
    const req = http.request(new URL(path, base), { method, agent: false, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
const post = (base, path, body, headers) => request(base, 'POST', path, { body, headers });
const get = (base, path, headers) => request(base, 'GET', path, { headers });

// Raw bytes on a socket (for requests http.request will not make); the
// first response, as text, once its Content-Length bytes have arrived.
function raw(base, bytes) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let got = Buffer.alloc(0);
    const done = () => { sock.destroy(); resolve(got.toString('utf8')); };
    sock.on('data', (c) => {
      got = Buffer.concat([got, c]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(got.subarray(0, end).toString())?.[1] ?? 0);
      if (got.length >= end + 4 + length) done();
    });
    sock.on('end', done);
    sock.on('error', reject);
    sock.write(bytes);
  });
}

// `cappy score` on the same pairs: {scores} per instruction group.
function cliScores(groups) {
  const input = groups.map((g) => JSON.stringify({ instruction: g.instruction, responses: g.responses })).join('\n') + '\n';
  const r = spawnSync(bin, ['score', '--model', roberta, '--threads', '1'], { input, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l).scores);
}

// The Prometheus text as {name{labels}: value}.
async function metrics(base, headers) {
  const r = await get(base, '/metrics', headers);
  assert.equal(r.status, 200, r.text);
  const out = {};
  for (const line of r.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

function assertError(r, status, type, message) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers['content-type'], /application\/json/);
  assert.equal(r.json?.error?.type, type, r.text);
  assert.equal(r.json.error.code, status);
  assert.match(r.json.error.message, message);
}

const sigmoid = (x) => Math.fround(1 / (1 + Math.exp(-x)));
const close = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// ---------------------------------------------------------------------------
// One server for the endpoint and validation tests.

let srv;
before(async () => { srv = await startServer(['--max-documents', '50', '--max-body-bytes', '20000']); });
after(async () => {
  const { code } = await srv.stop();
  assert.equal(code, 0, srv.stderr());
});

test('listens on loopback by default; /health answers without a key', async () => {
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const r = await get(srv.url, '/health');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok', model: 'tiny-roberta' });
});

test('/v1/score equals `cappy score` and the onnxruntime reference, in request order', async () => {
  // One request per case, all at once: pairs of concurrent requests are batched together.
  const groups = cases.map((c) => ({ instruction: c.instruction, responses: [c.response] }));
  groups.push({ instruction: cases[0].instruction, responses: cases.slice(0, 8).map((c) => c.response) });
  const cli = cliScores(groups);
  const got = await Promise.all(groups.map((g) => post(srv.url, '/v1/score', g)));
  got.forEach((r, i) => {
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['scores']);
    assert.deepEqual(r.json.scores, cli[i]);
  });
  cases.forEach((c, i) => close(got[i].json.scores[0], c.logits[0], 1e-4));
});

test('/v1/rerank (Cohere/Jina): best first, raw logits, top_n, documents, usage', async () => {
  const query = 'Which answer is best?';
  const docs = cases.slice(0, 10).map((c) => c.response);
  const [scores] = cliScores([{ instruction: query, responses: docs }]);
  const r = await post(srv.url, '/v1/rerank', {
    model: 'anything', query, documents: docs.map((d, i) => (i % 2 ? { text: d } : d)), return_documents: true,
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.model, 'tiny-roberta');
  assert.equal(r.json.results.length, docs.length);
  assert.deepEqual(r.json.results.map((x) => x.index).sort((a, b) => a - b), docs.map((_, i) => i));
  for (const x of r.json.results) {
    assert.equal(x.relevance_score, scores[x.index]);
    assert.deepEqual(x.document, { text: docs[x.index] });
  }
  for (let k = 1; k < r.json.results.length; k++) assert.ok(r.json.results[k - 1].relevance_score >= r.json.results[k].relevance_score);
  // usage counts every pair's tokens (checked against the reference ids below).
  let tokens = 0;
  for (const d of docs) tokens += (await post(srv.url, '/v1/rerank', { query, documents: [d] })).json.usage.total_tokens;
  assert.deepEqual(r.json.usage, { total_tokens: tokens });

  const top = await post(srv.url, '/v1/rerank', { query, documents: docs, top_n: 3 });
  assert.equal(top.status, 200, top.text);
  assert.deepEqual(top.json.results, r.json.results.slice(0, 3).map(({ index, relevance_score }) => ({ index, relevance_score })));

  const norm = await post(srv.url, '/v1/rerank', { query, documents: docs, normalize: 'sigmoid', top_n: 100 });
  assert.equal(norm.json.results.length, docs.length);
  norm.json.results.forEach((x, k) => {
    assert.equal(x.index, r.json.results[k].index);
    close(x.relevance_score, sigmoid(scores[x.index]));
  });
  const none = await post(srv.url, '/v1/rerank', { query, documents: docs, normalize: 'none', top_n: null });
  assert.deepEqual(none.json.results.map((x) => x.relevance_score), r.json.results.map((x) => x.relevance_score));
});

test('usage.total_tokens counts the reference token ids', async () => {
  for (const c of cases.slice(0, 12)) {
    const r = await post(srv.url, '/v1/rerank', { query: c.instruction, documents: [c.response] });
    assert.equal(r.json.usage.total_tokens, c.ids.length, c.id);
  }
  const many = await post(srv.url, '/v1/rerank', { query: cases[0].instruction, documents: [cases[0].response, cases[0].response] });
  assert.equal(many.json.usage.total_tokens, 2 * cases[0].ids.length);
});

test('/rerank (text-embeddings-inference): sigmoid scores best first, raw_scores, return_text, truncate', async () => {
  const query = cases[1].instruction;
  const texts = cases.slice(0, 6).map((c) => c.response);
  const [scores] = cliScores([{ instruction: query, responses: texts }]);
  const r = await post(srv.url, '/rerank', { query, texts, return_text: true, truncate: true });
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.json));
  assert.equal(r.json.length, texts.length);
  const order = texts.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  assert.deepEqual(r.json.map((x) => x.index), order);
  for (const x of r.json) {
    close(x.score, sigmoid(scores[x.index]));
    assert.equal(x.text, texts[x.index]);
  }
  const rawScores = await post(srv.url, '/rerank', { query, texts, raw_scores: true });
  assert.deepEqual(rawScores.json, order.map((i) => ({ index: i, score: scores[i] })));
});

test('long texts are truncated to the model length, not rejected', async () => {
  const long = 'word '.repeat(1000);
  const r = await post(srv.url, '/v1/rerank', { query: long, documents: [long, 'short'] });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.usage.total_tokens <= 2 * 38);
});

test('malformed JSON, invalid UTF-8 and empty bodies get 400', async () => {
  for (const path of ['/v1/rerank', '/rerank', '/v1/score']) {
    assertError(await post(srv.url, path, '{"query": "q", "documents": ['), 400, 'invalid_request_error', /malformed JSON/);
    // A number beyond double (nlohmann's out_of_range, not a parse error) is malformed JSON too.
    assertError(await post(srv.url, path, '{"query": "q", "documents": ["a"], "texts": ["a"], "top_n": 1e999}'), 400, 'invalid_request_error', /malformed JSON.*number overflow/);
    const bad = Buffer.concat([Buffer.from('{"query": "caf'), Buffer.from([0xc3, 0x28]), Buffer.from('", "documents": ["a"], "texts": ["a"]}')]);
    assertError(await post(srv.url, path, bad), 400, 'invalid_request_error', /not UTF-8: invalid UTF-8 at byte 14/);
    assertError(await post(srv.url, path, ''), 400, 'invalid_request_error', /empty request body/);
    // A lone surrogate escape is not a character either.
    assertError(await post(srv.url, path, '{"query": "\\ud800", "documents": ["a"], "texts": ["a"]}'), 400, 'invalid_request_error', /malformed JSON.*surrogate/);
  }
  // POST without Content-Length or Transfer-Encoding has no body (not "read until close").
  const noLength = await raw(srv.url, 'POST /v1/score HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(noLength, /^HTTP\/1\.1 400 /);
  assert.match(noLength, /empty request body/);
});

test('/v1/rerank rejects wrong shapes and types with 422 naming the field', async () => {
  const ok = { query: 'q', documents: ['a', 'b'] };
  const bad = [
    [[1, 2], /must be a JSON object/],
    [{ documents: ['a'] }, /missing "query"/],
    [{ ...ok, query: 3 }, /"query" must be a string/],
    [{ query: 'q' }, /missing "documents"/],
    [{ ...ok, documents: 'a' }, /"documents" must be an array/],
    [{ ...ok, documents: [] }, /"documents" is empty/],
    [{ ...ok, documents: ['a', 7] }, /documents\[1\] must be a string or \{"text": string\}/],
    [{ ...ok, documents: ['a', { title: 'x' }] }, /documents\[1\] must be/],
    [{ ...ok, documents: [{ text: ['x'] }] }, /documents\[0\] must be/],
    [{ ...ok, top_n: 0 }, /"top_n" must be a positive integer/],
    [{ ...ok, top_n: -2 }, /"top_n" must be a positive integer/],
    [{ ...ok, top_n: 1.5 }, /"top_n" must be a positive integer/],
    [{ ...ok, top_n: '2' }, /"top_n" must be a positive integer/],
    [{ ...ok, return_documents: 'yes' }, /"return_documents" must be true or false/],
    [{ ...ok, normalize: 'softmax' }, /"normalize" must be "sigmoid" or "none"/],
    [{ ...ok, normalize: true }, /"normalize" must be "sigmoid" or "none"/],
    [{ ...ok, model: 3 }, /"model" must be a string/],
  ];
  for (const [body, message] of bad) assertError(await post(srv.url, '/v1/rerank', body), 422, 'invalid_request_error', message);
});

test('/rerank and /v1/score reject wrong shapes and types with 422', async () => {
  const tei = [
    [{ texts: ['a'] }, /missing "query"/],
    [{ query: 'q' }, /missing "texts"/],
    [{ query: 'q', texts: [] }, /"texts" is empty/],
    [{ query: 'q', texts: [{ text: 'a' }] }, /texts\[0\] must be a string/],
    [{ query: 'q', texts: ['a'], raw_scores: 'true' }, /"raw_scores" must be true or false/],
    [{ query: 'q', texts: ['a'], return_text: 1 }, /"return_text" must be true or false/],
    [{ query: 'q', texts: ['a'], truncate: 1 }, /"truncate" must be true or false/],
    ['"just a string"', /must be a JSON object/],
  ];
  for (const [body, message] of tei) assertError(await post(srv.url, '/rerank', body), 422, 'invalid_request_error', message);
  const score = [
    [{ responses: ['a'] }, /missing "instruction"/],
    [{ instruction: ['q'], responses: ['a'] }, /"instruction" must be a string/],
    [{ instruction: 'q' }, /missing "responses"/],
    [{ instruction: 'q', responses: {} }, /"responses" must be an array of strings/],
    [{ instruction: 'q', responses: [] }, /"responses" is empty/],
    [{ instruction: 'q', responses: ['a', null] }, /responses\[1\] must be a string/],
    ['null', /must be a JSON object/],
  ];
  for (const [body, message] of score) assertError(await post(srv.url, '/v1/score', body), 422, 'invalid_request_error', message);
});

test('too many documents and too large bodies get 413', async () => {
  const docs = Array.from({ length: 51 }, (_, i) => `d${i}`);
  assertError(await post(srv.url, '/v1/rerank', { query: 'q', documents: docs }), 413, 'request_too_large', /too many documents: 51 .*at most 50/);
  assertError(await post(srv.url, '/rerank', { query: 'q', texts: docs }), 413, 'request_too_large', /too many texts: 51/);
  assertError(await post(srv.url, '/v1/score', { instruction: 'q', responses: docs }), 413, 'request_too_large', /too many responses: 51/);

  const big = { query: 'q', documents: ['x'.repeat(25_000)] };
  assertError(await post(srv.url, '/v1/rerank', big), 413, 'request_too_large', /larger than 20000 bytes/);
  // Chunked: no Content-Length to check up front; cut off while reading.
  const body = JSON.stringify(big);
  const chunked = await raw(srv.url, `POST /v1/rerank HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
  assert.match(chunked, /^HTTP\/1\.1 413 /);
  assert.match(chunked, /"type":"request_too_large"/);
  // A chunked body under the limit is read whole.
  const small = JSON.stringify({ instruction: 'q', responses: ['a'] });
  const ok = await raw(srv.url, `POST /v1/score HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n${small.length.toString(16)}\r\n${small}\r\n0\r\n\r\n`);
  assert.match(ok, /^HTTP\/1\.1 200 /);
  assert.match(ok, /\{"scores":\[/);
});

test('unknown paths get 404 and wrong methods 405, with JSON bodies', async () => {
  assertError(await get(srv.url, '/v2/nothing'), 404, 'not_found_error', /no endpoint GET \/v2\/nothing/);
  assertError(await post(srv.url, '/nothing', { a: 1 }), 404, 'not_found_error', /no endpoint POST \/nothing/);
  const r = await get(srv.url, '/v1/rerank');
  assertError(r, 405, 'not_found_error', /GET \/v1\/rerank is not supported; use POST/);
  assert.equal(r.headers.allow, 'POST');
  assertError(await post(srv.url, '/health', {}), 405, 'not_found_error', /use GET/);
  // Garbage instead of a request line.
  assert.match(await raw(srv.url, 'HELLO\r\n\r\n'), /^HTTP\/1\.1 400 [^]*"malformed HTTP request"/);
});

test('/metrics: Prometheus text with requests, errors, latency, pairs, tokens, queue', async () => {
  const before = await metrics(srv.url);
  const c = cases[0];
  await post(srv.url, '/v1/score', { instruction: c.instruction, responses: [c.response, c.response, c.response] });
  await post(srv.url, '/v1/score', { instruction: 'q', responses: [] });
  const r = await get(srv.url, '/metrics');
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  assert.match(r.text, /^# HELP cappy_http_requests_total .+\n# TYPE cappy_http_requests_total counter$/m);
  assert.match(r.text, /^# TYPE cappy_http_request_duration_seconds histogram$/m);
  const m = await metrics(srv.url);
  const key = (name, labels) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const delta = (k) => (m[k] ?? 0) - (before[k] ?? 0);
  assert.equal(delta(key('cappy_http_requests_total', { endpoint: '/v1/score', status: 200 })), 1);
  assert.equal(delta(key('cappy_http_requests_total', { endpoint: '/v1/score', status: 422 })), 1);
  assert.equal(delta(key('cappy_http_request_errors_total', { endpoint: '/v1/score', status: 422 })), 1);
  assert.equal(m[key('cappy_http_request_errors_total', { endpoint: '/v1/score', status: 200 })], undefined);
  assert.ok(m[key('cappy_http_requests_total', { endpoint: 'other', status: 404 })] >= 1);
  // A response is counted just before it is written: `before` and `r` are in `m`.
  assert.equal(delta(key('cappy_http_requests_total', { endpoint: '/metrics', status: 200 })), 2);
  assert.equal(delta('cappy_pairs_scored_total'), 3);
  assert.equal(delta('cappy_tokens_scored_total'), 3 * c.ids.length);
  assert.equal(delta('cappy_batches_total'), 1);
  assert.equal(m.cappy_queue_depth, 0);
  assert.equal(m.cappy_queue_pairs, 0);
  assert.equal(m.cappy_requests_in_flight, 0);
  // Histogram: cumulative buckets, +Inf equals the count.
  const buckets = Object.keys(m).filter((k) => k.startsWith('cappy_http_request_duration_seconds_bucket{endpoint="/v1/score"'));
  assert.ok(buckets.length >= 10);
  const values = buckets.map((k) => m[k]);
  for (let i = 1; i < values.length; i++) assert.ok(values[i] >= values[i - 1]);
  assert.equal(m['cappy_http_request_duration_seconds_bucket{endpoint="/v1/score",le="+Inf"}'], m['cappy_http_request_duration_seconds_count{endpoint="/v1/score"}']);
  assert.ok(m['cappy_http_request_duration_seconds_sum{endpoint="/v1/score"}'] > 0);
});

test('a request runs in one forward pass under the token budget, and is split over it', async () => {
  const c = cases[0];  // 18 tokens a pair
  const body = { query: c.instruction, documents: Array(10).fill(c.response) };
  const b0 = (await metrics(srv.url)).cappy_batches_total;
  const one = await post(srv.url, '/v1/rerank', body);
  assert.equal((await metrics(srv.url)).cappy_batches_total - b0, 1);

  const small = await startServer(['--max-batch-tokens', '40']);
  try {
    const s0 = (await metrics(small.url)).cappy_batches_total;
    const split = await post(small.url, '/v1/rerank', body);
    assert.equal(split.status, 200, split.text);
    assert.equal((await metrics(small.url)).cappy_batches_total - s0, 5);  // 2 pairs (36 tokens) a batch
    assert.deepEqual(split.json, one.json);
  } finally {
    assert.equal((await small.stop()).code, 0);
  }
});

test('--api-key: 401 without the bearer token, except /health', async () => {
  const s = await startServer(['--api-key', 's3cret']);
  try {
    const body = { query: 'q', documents: ['a'] };
    const none = await post(s.url, '/v1/rerank', body);
    assertError(none, 401, 'authentication_error', /Authorization: Bearer/);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assertError(await post(s.url, '/v1/rerank', body, { authorization: 'Bearer wrong' }), 401, 'authentication_error', /API key/);
    assertError(await post(s.url, '/v1/rerank', body, { authorization: 's3cret' }), 401, 'authentication_error', /API key/);
    assertError(await post(s.url, '/v1/score', { instruction: 'q', responses: ['a'] }), 401, 'authentication_error', /API key/);
    assertError(await post(s.url, '/rerank', { query: 'q', texts: ['a'] }), 401, 'authentication_error', /API key/);
    assertError(await get(s.url, '/metrics'), 401, 'authentication_error', /API key/);
    const auth = { authorization: 'Bearer s3cret' };
    assert.equal((await post(s.url, '/v1/rerank', body, auth)).status, 200);
    assert.equal((await post(s.url, '/rerank', { query: 'q', texts: ['a'] }, auth)).status, 200);
    assert.equal((await post(s.url, '/v1/score', { instruction: 'q', responses: ['a'] }, auth)).status, 200);
    assert.equal((await get(s.url, '/metrics', auth)).status, 200);
    assert.equal((await get(s.url, '/health')).status, 200);
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
  // The key may come from the environment instead of the command line.
  const e = await startServer([], { ...process.env, CAPPY_API_KEY: 'from-env' });
  try {
    assert.equal((await post(e.url, '/v1/score', { instruction: 'q', responses: ['a'] })).status, 401);
    assert.equal((await post(e.url, '/v1/score', { instruction: 'q', responses: ['a'] }, { authorization: 'Bearer from-env' })).status, 200);
  } finally {
    assert.equal((await e.stop()).code, 0);
  }
});

test('a full queue answers 429 with Retry-After; everything else is still answered', async () => {
  const s = await startServer(['--max-concurrent-requests', '1']);
  try {
    const body = { query: cases[5].instruction, documents: Array(200).fill(cases[5].response) };
    let overloaded = null;
    for (let round = 0; round < 10 && !overloaded; round++) {
      const rs = await Promise.all(Array.from({ length: 32 }, () => post(s.url, '/v1/rerank', body)));
      for (const r of rs) {
        if (r.status === 429) overloaded = r;
        else {
          assert.equal(r.status, 200, r.text);
          assert.equal(r.json.results.length, 200);
        }
      }
    }
    assert.ok(overloaded, 'no 429 from 10 bursts of 32 concurrent requests with room for 1');
    assertError(overloaded, 429, 'overloaded_error', /limit of concurrent requests/);
    assert.equal(overloaded.headers['retry-after'], '1');
    assert.equal((await metrics(s.url)).cappy_requests_in_flight, 0);
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
});

test('SIGTERM: stops accepting, finishes requests in flight, exits 0', async () => {
  const s = await startServer();
  const body = { query: cases[5].instruction, documents: Array(1000).fill(cases[5].response) };
  const inFlight = [];
  let seen = false;
  for (let attempt = 0; attempt < 20 && !seen; attempt++) {
    inFlight.push(...Array.from({ length: 4 }, () => post(s.url, '/v1/rerank', body)));
    for (let poll = 0; poll < 50 && !seen; poll++) seen = (await metrics(s.url)).cappy_requests_in_flight > 0;
  }
  assert.ok(seen, 'never saw a request in flight');
  s.child.kill('SIGTERM');
  // Once it says so, the listening socket is closed: new connections fail.
  while (!/no new connections/.test(s.stderr())) await new Promise((r) => setTimeout(r, 5));
  await assert.rejects(get(s.url, '/health'), /ECONNREFUSED/);
  for (const r of await Promise.all(inFlight)) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.results.length, 1000);
  }
  const { code } = await s.exited;
  assert.equal(code, 0, s.stderr());
  assert.match(s.stderr(), /stopped/);
});

test('SIGINT exits 0 too', async () => {
  const s = await startServer();
  assert.equal((await get(s.url, '/health')).status, 200);
  const { code } = await s.stop('SIGINT');
  assert.equal(code, 0, s.stderr());
});

test('--host elsewhere than loopback without --api-key warns', async () => {
  const s = await startServer(['--host', '0.0.0.0']);
  try {
    assert.match(s.stderr(), /warning: listening on 0\.0\.0\.0 without --api-key/);
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
});

test('startup errors exit 2 with a message: busy port, missing model, bad options', () => {
  const run = (args) => spawnSync(bin, ['serve', ...args], { timeout: 60_000 });
  const port = Number(new URL(srv.url).port);
  const busy = run(['--model', roberta, '--port', String(port)]);
  assert.equal(busy.status, 2);
  assert.match(busy.stderr.toString(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
  const missing = run(['--model', '/nonexistent/dir', '--port', '0']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr.toString(), /\/nonexistent\/dir: not a model directory/);
  assert.equal(run(['--model', roberta, '--port', '70000']).status, 2);
  assert.equal(run(['--model', roberta, '--max-batch-tokens', '0']).status, 2);
  // No --model: CAPPY_MODEL names the model, and a missing one is a startup error (default_model.test.mjs).
  const envMissing = spawnSync(bin, ['serve', '--port', '0'],
    { timeout: 60_000, env: { ...process.env, CAPPY_MODEL: '/nonexistent/env-model' } });
  assert.equal(envMissing.status, 2);
  assert.match(envMissing.stderr.toString(), /\/nonexistent\/env-model: not a model directory/);
  const help = spawnSync(bin, ['serve', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout.toString(), /--max-batch-tokens/);
});

// ---------------------------------------------------------------------------
// Load: >= 20,000 requests over 64 connections, no failures, no RSS growth.

function vmRssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
  return Number(m[1]);
}

// wrk with a script that cycles through the three scoring endpoints and
// stops each thread after its share of `total` responses.
function runWrk(url, total, dir) {
  const threads = 2;
  const bodies = [
    ['/v1/rerank', { query: cases[0].instruction, documents: cases.slice(0, 4).map((c) => c.response), top_n: 2 }],
    ['/rerank', { query: cases[1].instruction, texts: cases.slice(4, 8).map((c) => c.response), return_text: true }],
    ['/v1/score', { instruction: cases[2].instruction, responses: cases.slice(8, 12).map((c) => c.response) }],
  ];
  const lua = `
local reqs = {}
local paths = ${'{' + bodies.map(([p]) => JSON.stringify(p)).join(',') + '}'}
local bodies = ${'{' + bodies.map(([, b]) => `[==[${JSON.stringify(b)}]==]`).join(',') + '}'}
local i, answered, limit = 0, 0, ${Math.ceil(total / threads)}
non200 = 0
threads = {}
function setup(t) table.insert(threads, t) end
function init(args)
  for k = 1, #paths do
    reqs[k] = wrk.format("POST", paths[k], {["Content-Type"] = "application/json"}, bodies[k])
  end
end
function request()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  answered = answered + 1
  if answered == limit then
    -- wrk itself runs for -d; the test interrupts it once every thread is done.
    io.write("THREAD-DONE\\n")
    io.flush()
  end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"non200":%d,"seconds":%.3f}\\n',
    summary.requests, e.connect, e.read, e.write, e.status, e.timeout, bad, summary.duration / 1e6))
end
`;
  const script = join(dir, 'load.lua');
  writeFileSync(script, lua);
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, ['-t', String(threads), '-c', '64', '-d', '300s', '--timeout', '60s', '-s', script, url]);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if ((out.match(/THREAD-DONE/g) ?? []).length === threads) child.kill('SIGINT');  // wrk prints its summary
      if (/\.lua:\d+:/.test(out)) child.kill('SIGKILL');  // a script error: fail now, not after -d
    });
    child.stderr.on('data', (d) => {
      out += d;
      if (/\.lua:\d+:/.test(out)) child.kill('SIGKILL');
    });
    child.on('error', (e) => reject(new Error(`cannot run ${wrk} (scripts/install-deps installs it): ${e.message}`)));
    child.on('exit', (code) => {
      const m = out.match(/^WRK (.*)$/m);
      if (code !== 0 || !m) reject(new Error(`wrk failed (${code}): ${out}`));
      else resolve(JSON.parse(m[1]));
    });
  });
}

// The metrics once the server is idle: no request in flight and the answered
// count unchanged for a moment. wrk is interrupted with requests still sent or
// in flight, and the server finishes those after wrk has gone, so counting
// from a busy server would charge one run's stragglers to the next.
async function settledMetrics(base) {
  const answered = (m) => Object.entries(m).filter(([k]) => k.startsWith('cappy_http_requests_total')).reduce((n, [, v]) => n + v, 0);
  let m = await metrics(base);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const next = await metrics(base);
    // The /metrics requests themselves are counted; only they may have been added.
    if (next.cappy_requests_in_flight === 0 && answered(next) - answered(m) <= 1) return next;
    m = next;
  }
}

test('load: 20,000 requests over 64 connections, 0 failures, RSS flat after warm-up', async () => {
  // glibc creates malloc arenas lazily as thread contention rises (more so on
  // a loaded machine), each adding resident pages that are not a leak; capped,
  // what remains of RSS growth is what the server keeps.
  const s = await startServer([], { ...process.env, MALLOC_ARENA_MAX: '2' });
  const dir = mkdtempSync(join(tmpdir(), 'cappy-server-load-'));
  try {
    const check = (r, total) => {
      assert.ok(r.requests >= total, JSON.stringify(r));
      for (const k of ['connect', 'read', 'write', 'status', 'timeout', 'non200']) assert.equal(r[k], 0, `${k}: ${JSON.stringify(r)}`);
    };
    // Warm-up long enough for every HTTP worker thread to have served (their
    // stacks and buffers become resident once, then stay flat).
    const warm = await runWrk(s.url, 10_000, dir);
    check(warm, 10_000);
    const m0 = await settledMetrics(s.url);
    const rssWarm = vmRssKiB(s.child.pid);
    const main = await runWrk(s.url, 20_000, dir);
    check(main, 20_000);
    const m1 = await settledMetrics(s.url);
    const rssAfter = vmRssKiB(s.child.pid);
    console.log(`load: ${main.requests} requests in ${main.seconds} s; RSS ${rssWarm} -> ${rssAfter} KiB; ` +
      `${m1.cappy_batches_total - m0.cappy_batches_total} batches for ${m1.cappy_pairs_scored_total - m0.cappy_pairs_scored_total} pairs`);
    // Allocator noise is allowed; a leak of 200 bytes a request would add 4 MB.
    assert.ok(rssAfter <= rssWarm + 4096, `RSS grew from ${rssWarm} to ${rssAfter} KiB`);
    // Every request was answered and counted; concurrent requests shared batches.
    const answered = ['/v1/rerank', '/rerank', '/v1/score'].reduce((n, e) => n + m1[`cappy_http_requests_total{endpoint="${e}",status="200"}`] - (m0[`cappy_http_requests_total{endpoint="${e}",status="200"}`] ?? 0), 0);
    // wrk drops the responses it was still waiting for when interrupted (one
    // per connection), and may have written the next request on a connection
    // as it stopped: at most two per connection were answered but not counted.
    assert.ok(answered >= main.requests && answered <= main.requests + 2 * 64, `${answered} vs ${main.requests}`);
    assert.equal(m1.cappy_pairs_scored_total - m0.cappy_pairs_scored_total, 4 * answered);
    assert.ok(m1.cappy_batches_total - m0.cappy_batches_total < main.requests);
    assert.equal(m1.cappy_requests_in_flight, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    assert.equal((await s.stop()).code, 0);
  }
});
