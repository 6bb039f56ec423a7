// A mock OpenAI-compatible chat-completions server for the web demo's tests:
// real HTTP on a free port, CORS like a hosted API, fixed answers, streamed
// (SSE) or not as the request asks. The first path segment picks how it
// behaves:
//   /ok/v1/chat/completions        honours n
//   /slow/v1/...                   like ok, a word every 150 ms (to watch streaming)
//   /ignore-n/v1/chat/completions  answers one choice whatever n says (llama.cpp-like),
//                                  a different fixed answer per request
//   /reject-n/v1/...               400 when n > 1, else like ignore-n
//   /flaky/v1/...                  like ignore-n, but its 2nd request answers 503
//   /401/v1/..., /500/v1/...       that HTTP error, OpenAI's error shape
//   /hang/v1/...                   accepts the request and never answers
//   /nocors/v1/...                 answers, but without CORS headers (the browser refuses)
//   /files/NAME                    GET: files[NAME] (a model bundle on another origin), with CORS
// Every request is recorded: { mode, method, authorization, origin, body }.
import { createServer } from 'node:http';

export const ANSWERS = [
  'The capital of France is Paris.',
  'Paris.',
  'I think it is Lyon, the largest city in the south.',
  'France is a country in western Europe with many cities.',
  'Berlin is the capital of France.',
  'I do not know.',
];

export async function startMockOpenAI({ answers = ANSWERS, chunkDelayMs = 3, files = {} } = {}) {
  const requests = [];
  const fileHits = new Map();
  const hanging = new Set();
  let counter = 0;
  let flaky = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const [, mode] = url.pathname.split('/');
    const cors = mode === 'nocors' ? {} : {
      'access-control-allow-origin': req.headers.origin ?? '*',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600',
      vary: 'origin',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      return res.end();
    }
    if (mode === 'files' && req.method === 'GET') {
      const name = url.pathname.slice('/files/'.length);
      fileHits.set(name, (fileHits.get(name) ?? 0) + 1);
      const bytes = files[name];
      if (!bytes) {
        res.writeHead(404, cors);
        return res.end();
      }
      res.writeHead(200, { ...cors, 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength });
      return res.end(bytes);
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    let body = null;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch { /* recorded as null */ }
    requests.push({ mode, method: req.method, path: url.pathname, authorization: req.headers.authorization ?? null, origin: req.headers.origin ?? null, body });
    const json = (status, value) => {
      res.writeHead(status, { ...cors, 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method !== 'POST' || !url.pathname.endsWith('/v1/chat/completions')) return json(404, { error: { message: 'no such route', type: 'invalid_request_error' } });
    if (mode === '401') return json(401, { error: { message: 'Incorrect API key provided: te**key.', type: 'invalid_request_error', code: 'invalid_api_key' } });
    if (mode === '500') return json(500, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
    if (mode === 'flaky' && ++flaky === 2) return json(503, { error: { message: 'overloaded', type: 'server_error' } });
    if (mode === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return undefined;
    }
    if (!body || !Array.isArray(body.messages)) return json(400, { error: { message: 'messages is required', type: 'invalid_request_error' } });
    const n = Number.isInteger(body.n) ? body.n : 1;
    if (mode === 'reject-n' && n > 1) return json(400, { error: { message: "'n' must be 1 for this model", type: 'invalid_request_error', param: 'n' } });
    const texts = mode === 'ok' || mode === 'slow'
      ? Array.from({ length: n }, (_, i) => answers[i % answers.length])
      : [answers[counter++ % answers.length]];
    if (!body.stream) {
      return json(200, {
        id: 'chatcmpl-mock', object: 'chat.completion', created: 0, model: body.model,
        choices: texts.map((content, index) => ({ index, message: { role: 'assistant', content }, finish_reason: 'stop' })),
      });
    }
    res.writeHead(200, { ...cors, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (choices) => res.write(`data: ${JSON.stringify({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 0, model: body.model, choices })}\n\n`);
    const pieces = texts.map((t) => t.match(/\S+\s*/g) ?? ['']);
    texts.forEach((_, index) => send([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    for (let step = 0; step < Math.max(...pieces.map((p) => p.length)); ++step) {
      // The choices interleave, as OpenAI's do.
      pieces.forEach((p, index) => { if (step < p.length) send([{ index, delta: { content: p[step] }, finish_reason: null }]); });
      await new Promise((r) => setTimeout(r, mode === 'slow' ? 150 : chunkDelayMs));
    }
    texts.forEach((_, index) => send([{ index, delta: {}, finish_reason: 'stop' }]));
    send([]);  // a last chunk without choices (llama.cpp and OpenAI's usage chunk)
    res.write(': a comment, as some servers send\n\ndata: [DONE]\n\n');
    return res.end();
  });
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    endpoint: (mode) => `${url}/${mode}/v1`,
    requests,
    fileHits,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}
