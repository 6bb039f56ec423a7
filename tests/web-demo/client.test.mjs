// The page's pure parts in Node: the SSE parser, the paste splitter, the
// settings, and the chat client against the mock server (real HTTP).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../../web-demo/sse.mjs';
import { splitCandidates } from '../../web-demo/paste.mjs';
import { sanitize, chatCompletionsUrl, ApiKeyStore, DEFAULTS } from '../../web-demo/settings.mjs';
import { generateCandidates } from '../../web-demo/chat.mjs';
import { startMockOpenAI, ANSWERS } from './mock-openai.mjs';

test('SSE: events split anywhere, CRLF, comments, multi-line data, an unterminated last event', () => {
  const stream = 'data: {"a":1}\r\n\r\n: keep-alive\n\nevent: x\ndata: one\ndata: two\n\ndata:no-space\n\ndata: last';
  for (let cut = 0; cut <= stream.length; ++cut) {
    const parser = new SseParser();
    const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut)), ...parser.end()];
    assert.deepEqual(events, [
      { event: 'message', data: '{"a":1}' },
      { event: 'x', data: 'one\ntwo' },
      { event: 'message', data: 'no-space' },
      { event: 'message', data: 'last' },
    ], `cut at ${cut}`);
  }
});

test('paste: one per line, or --- separated blocks', () => {
  assert.deepEqual(splitCandidates('Paris\n\n  Lyon \r\nBerlin\n'), ['Paris', 'Lyon', 'Berlin']);
  assert.deepEqual(splitCandidates('First line\nsecond line\n---\n\nOther answer\n --- \nThird'), ['First line\nsecond line', 'Other answer', 'Third']);
  assert.deepEqual(splitCandidates('  \n---\n'), []);
});

test('settings: malformed values fall back field by field; endpoints become chat URLs', () => {
  const s = sanitize({ n: '99', temperature: 'hot', nMode: 'sometimes', stream: false, endpoint: ' http://localhost:8080/v1/ ', nIgnored: { a: true, b: 'yes' } });
  assert.equal(s.n, 16);
  assert.equal(s.temperature, DEFAULTS.temperature);
  assert.equal(s.nMode, 'auto');
  assert.equal(s.stream, false);
  assert.equal(s.endpoint, 'http://localhost:8080/v1/');
  assert.deepEqual(s.nIgnored, { a: true });
  assert.deepEqual(sanitize(null), { ...DEFAULTS, nIgnored: {} });
  assert.equal(chatCompletionsUrl('https://api.openai.com/v1'), 'https://api.openai.com/v1/chat/completions');
  assert.equal(chatCompletionsUrl('http://localhost:11434/v1/'), 'http://localhost:11434/v1/chat/completions');
  assert.equal(chatCompletionsUrl('https://x.org/api/v1/chat/completions'), 'https://x.org/api/v1/chat/completions');
  assert.throws(() => chatCompletionsUrl('localhost:8080'), /http\(s\) URL|not a URL/);
  assert.throws(() => chatCompletionsUrl('ftp://x.org/v1'), /http\(s\) URL/);
  assert.throws(() => chatCompletionsUrl('https://user:pw@x.org/v1'), /user name or password/);
});

test('API key: given for one origin, never handed out for another; sessionStorage only when remembered', () => {
  const storage = new Map();
  const session = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v), removeItem: (k) => storage.delete(k) };
  const keys = new ApiKeyStore(session);
  keys.set('sk-1', 'https://a.example', false);
  assert.equal(keys.keyFor('https://a.example'), 'sk-1');
  assert.equal(keys.keyFor('https://b.example'), '');
  assert.equal(storage.size, 0);
  keys.set('sk-1', 'https://a.example', true);
  assert.equal(new ApiKeyStore(session).keyFor('https://a.example'), 'sk-1');
  keys.set('sk-1', 'https://a.example', false);
  assert.equal(new ApiKeyStore(session).keyFor('https://a.example'), '');
});

async function collect(mock, mode, options) {
  const texts = new Map();
  const done = new Map();
  const result = await generateCandidates({
    url: `${mock.endpoint(mode)}/chat/completions`, model: 'mock', apiKey: 'k', prompt: 'Name the capital of France.',
    n: 3, temperature: 0.8, stream: true, nMode: 'auto', timeoutMs: 2000, maxTokens: 0,
    onText: (slot, text) => texts.set(slot, text), onDone: (slot, text) => done.set(slot, text), ...options,
  });
  return { result, texts, done };
}

test('chat: n honoured, streamed and not', async () => {
  const mock = await startMockOpenAI();
  try {
    for (const stream of [true, false]) {
      mock.requests.length = 0;
      const { result, done, texts } = await collect(mock, 'ok', { stream });
      assert.deepEqual([...done.entries()].sort(), ANSWERS.slice(0, 3).map((a, i) => [i, a]));
      assert.equal(result.mode, 'n');
      assert.equal(result.requests, 1);
      assert.equal(mock.requests.length, 1);
      assert.equal(mock.requests[0].body.n, 3);
      assert.equal(mock.requests[0].body.stream, stream);
      assert.equal(mock.requests[0].authorization, 'Bearer k');
      if (stream) assert.equal(texts.get(0), ANSWERS[0]);
    }
  } finally {
    await mock.close();
  }
});

test('chat: an endpoint that ignores or rejects n gets parallel requests', async () => {
  const mock = await startMockOpenAI();
  try {
    for (const mode of ['ignore-n', 'reject-n']) {
      for (const stream of [true, false]) {
        mock.requests.length = 0;
        const { result, done } = await collect(mock, mode, { stream });
        assert.equal(result.mode, 'parallel');
        assert.equal(result.nIgnored, true, `${mode} stream ${stream}`);
        assert.deepEqual(result.errors, []);
        assert.equal(done.size, 3);
        assert.ok([...done.values()].every((t) => ANSWERS.includes(t)));
        const asked = mock.requests.filter((r) => r.method === 'POST');
        assert.equal(asked[0].body.n, 3);
        assert.equal(asked.length, mode === 'ignore-n' ? 3 : 4);  // 1 + 2 missing, or 1 refused + 3
        assert.ok(asked.slice(1).every((r) => r.body.n === undefined && r.body.temperature === 0.8));
      }
    }
    // Known to ignore n: parallel at once.
    mock.requests.length = 0;
    const { result } = await collect(mock, 'ignore-n', { knownToIgnoreN: true });
    assert.equal(result.requests, 3);
    assert.ok(mock.requests.every((r) => r.body.n === undefined));
  } finally {
    await mock.close();
  }
});

test('chat: one of several parallel requests failing keeps the others, and reports the failure', async () => {
  const mock = await startMockOpenAI();
  try {
    const { result, done } = await collect(mock, 'flaky', { nMode: 'parallel' });
    assert.equal(result.requests, 3);
    assert.equal(done.size, 2);
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0].message, /HTTP 503 .*server failed.*overloaded/);
  } finally {
    await mock.close();
  }
});

test('chat: HTTP errors and timeouts reject with a clear message', async () => {
  const mock = await startMockOpenAI();
  try {
    await assert.rejects(collect(mock, '401'), (e) => e.kind === 'http' && e.status === 401 && /HTTP 401 .*API key was refused.*Incorrect API key/.test(e.message));
    await assert.rejects(collect(mock, '500'), (e) => e.kind === 'http' && /HTTP 500 .*server failed.*had an error/.test(e.message));
    await assert.rejects(collect(mock, 'hang', { timeoutMs: 300 }), (e) => e.kind === 'timeout' && /No answer from .* for 0.3 s \(timeout\)/.test(e.message));
    await assert.rejects(collect(mock, 'ok', { url: 'http://127.0.0.1:9/v1/chat/completions' }), (e) => e.kind === 'network' && /CORS/.test(e.message));
  } finally {
    await mock.close();
  }
});
