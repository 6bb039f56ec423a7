// An OpenAI-compatible chat-completions client for N candidate answers
// (OpenAI, llama.cpp's server, Ollama, vLLM, OpenRouter, ...).
//
// N answers come from one request with `n`, or from N parallel requests
// (sampling with the temperature) when the endpoint ignores `n` — most local
// servers answer one choice whatever `n` says. In 'auto' mode the first
// request asks with `n`; if fewer choices come back (or `n` is rejected with
// 400/422), the missing ones are asked for in parallel and the caller learns
// that this endpoint ignores `n` (next time: parallel at once). Streamed
// answers (SSE) are reported as they grow. Every failure is a ChatError whose
// message says what happened and what to check.
import { SseParser } from './sse.mjs';

export class ChatError extends Error {
  // kind: 'http' | 'timeout' | 'network' | 'api' | 'protocol' | 'aborted'
  constructor(kind, message, { status } = {}) {
    super(message);
    this.name = 'ChatError';
    this.kind = kind;
    this.status = status;
  }
}

// options: { url, model, apiKey, prompt, n, temperature, stream, nMode,
//            timeoutMs, maxTokens, signal, onText(slot, text), onDone(slot, text, finishReason) }
// Resolves { mode: 'n' | 'parallel', requests, nIgnored, errors } when every
// request ended (failed requests are in `errors`; if none succeeded, rejects
// with the first error).
export async function generateCandidates(options) {
  const { n, nMode, knownToIgnoreN = false } = options;
  const base = requestBody(options);
  const run = { requests: 0, errors: [], succeeded: 0 };
  const ask = (body, slotOf) => sendRequest(options, body, run, slotOf);

  const parallel = async (count, firstSlot) => {
    await Promise.all(Array.from({ length: count }, (_, i) => ask(base, (choice) => (choice === 0 ? firstSlot + i : null))));
  };

  if (n === 1 || nMode === 'parallel' || (nMode === 'auto' && knownToIgnoreN)) {
    await parallel(n, 0);
    return finish(run, { mode: 'parallel', nIgnored: false });
  }
  const got = await ask({ ...base, n }, (choice) => (choice < n ? choice : null));
  if (got === null) {
    const rejected = run.errors.at(-1);
    if (nMode === 'auto' && rejected?.kind === 'http' && (rejected.status === 400 || rejected.status === 422)) {
      run.errors.pop();  // `n` refused: ask one answer per request instead
      await parallel(n, 0);
      return finish(run, { mode: 'parallel', nIgnored: true });
    }
    return finish(run, { mode: 'n', nIgnored: false });
  }
  if (got < n && nMode === 'auto') {
    await parallel(n - got, got);
    return finish(run, { mode: 'parallel', nIgnored: true });
  }
  return finish(run, { mode: 'n', nIgnored: false, short: got < n ? got : undefined });
}

function finish(run, result) {
  if (run.succeeded === 0 && run.errors.length > 0) throw run.errors[0];
  return { ...result, requests: run.requests, errors: run.errors };
}

function requestBody({ model, prompt, temperature, stream, maxTokens }) {
  const body = { model, messages: [{ role: 'user', content: prompt }], temperature, stream: Boolean(stream) };
  if (maxTokens > 0) body.max_tokens = maxTokens;
  return body;
}

// One request; its choices go to the slots slotOf(choice index) names (null:
// dropped). Returns how many choices it delivered, or null when it failed
// (the error is in run.errors).
async function sendRequest(options, body, run, slotOf) {
  const { url, apiKey, timeoutMs, signal, onText, onDone } = options;
  run.requests += 1;
  const abort = new AbortController();
  let timedOut = false;
  let timer;
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { timedOut = true; abort.abort(); }, timeoutMs);
  };
  const onOuterAbort = () => abort.abort();
  signal?.addEventListener('abort', onOuterAbort);
  const choices = new Map();  // choice index -> { text, done }
  const failure = (e) => {
    if (e instanceof ChatError) return e;
    if (timedOut) return new ChatError('timeout', `No answer from ${url} for ${timeoutMs / 1000} s (timeout). The server may be overloaded or still loading the model; raise the timeout in the settings to wait longer.`);
    if (signal?.aborted) return new ChatError('aborted', 'Stopped.');
    return null;
  };
  try {
    idle();
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: abort.signal,
        mode: 'cors',
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw failure(e) ?? new ChatError('network', `Could not reach ${url}: the request failed before any answer reached the page — a CORS refusal or an unreachable server. `
        + `If the server is running, it must allow this page's origin (${globalThis.location?.origin}) with CORS: answer OPTIONS and send Access-Control-Allow-Origin and Access-Control-Allow-Headers: authorization, content-type `
        + '(Ollama: OLLAMA_ORIGINS; vLLM: --allowed-origins; the browser console names the exact cause).');
    }
    idle();
    if (!response.ok) throw await httpError(url, response);
    const type = response.headers.get('content-type') ?? '';
    const deliver = (index, piece, finishReason) => {
      const slot = slotOf(index);
      if (slot === null) return;
      const choice = choices.get(index) ?? { text: '', done: false };
      choices.set(index, choice);
      if (choice.done) return;
      if (piece) {
        choice.text += piece;
        onText?.(slot, choice.text);
      }
      if (finishReason !== undefined) {
        choice.done = true;
        onDone?.(slot, choice.text, finishReason);
      }
    };
    if (type.includes('text/event-stream')) {
      await readStream(response, idle, deliver, url);
    } else {
      // Not streamed (asked so, or the server ignored `stream`).
      const json = await readJson(response, url);
      if (!Array.isArray(json.choices)) throw new ChatError('protocol', `The answer from ${url} has no "choices" list: is this an OpenAI-compatible chat-completions endpoint?`);
      for (const [position, choice] of json.choices.entries()) {
        deliver(Number.isInteger(choice?.index) ? choice.index : position, contentOf(choice?.message), choice?.finish_reason ?? null);
      }
    }
    for (const [index, choice] of choices) if (!choice.done) deliver(index, '', null);  // the stream ended without finish_reason
    run.succeeded += 1;
    return [...choices.keys()].filter((i) => slotOf(i) !== null).length;
  } catch (e) {
    run.errors.push(failure(e) ?? new ChatError('network', `Reading the answer from ${url} failed: ${e?.message ?? e}`));
    return null;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onOuterAbort);
  }
}

async function readStream(response, idle, deliver, url) {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  const handle = (events) => {
    for (const { data } of events) {
      if (data.trim() === '[DONE]') return true;
      let json;
      try {
        json = JSON.parse(data);
      } catch {
        throw new ChatError('protocol', `The stream from ${url} sent an event that is not JSON: ${clip(data)}`);
      }
      if (json?.error) throw new ChatError('api', `The server reported an error mid-stream: ${errorText(json)}`);
      for (const [position, choice] of (json?.choices ?? []).entries()) {
        const index = Number.isInteger(choice?.index) ? choice.index : position;
        const piece = contentOf(choice?.delta) || contentOf(choice?.message);
        deliver(index, piece, choice?.finish_reason ?? undefined);
      }
    }
    return false;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    idle();
    if (handle(parser.push(decoder.decode(value, { stream: true })))) {
      reader.cancel().catch(() => {});
      return;
    }
  }
  handle(parser.push(decoder.decode()));
  handle(parser.end());
}

// A message's or delta's text: a string, or an array of text parts.
function contentOf(message) {
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
  if (typeof message?.refusal === 'string') return message.refusal;
  return '';
}

async function readJson(response, url) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ChatError('protocol', `The answer from ${url} is not JSON: ${clip(text)}`);
  }
}

const HINTS = {
  400: 'the server refused the request (check the model name)',
  401: 'the API key was refused (check the key, and that it belongs to this endpoint)',
  403: 'access denied (the key lacks permission for this model?)',
  404: 'not found (check the base URL — it usually ends in /v1 — and the model name)',
  408: 'the server timed out',
  413: 'the request is too large',
  422: 'the server refused the request (check the model name)',
  429: 'rate limited or out of quota: wait, or lower N',
};

async function httpError(url, response) {
  let detail = '';
  try {
    const text = await response.text();
    try {
      detail = errorText(JSON.parse(text));
    } catch {
      detail = clip(text);
    }
  } catch { /* no body */ }
  const hint = HINTS[response.status] ?? (response.status >= 500 ? 'the server failed' : 'the request failed');
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ChatError('http', `HTTP ${response.status}${statusText} from ${url}: ${hint}${detail ? ` — server says: ${detail}` : ''}`, { status: response.status });
}

function errorText(json) {
  const error = json?.error ?? json;
  if (typeof error === 'string') return clip(error);
  if (typeof error?.message === 'string') return clip(error.message);
  if (typeof json?.detail === 'string') return clip(json.detail);
  return clip(JSON.stringify(json));
}

const clip = (text) => (String(text).length > 300 ? `${String(text).slice(0, 300)}…` : String(text)).trim();
