// load()'s `source` -> the checkpoint's files as Map<HF file name, Uint8Array>.
//
// Sources: an object (or Map) of file names to URLs or bytes; a checkpoint
// base URL ending in '/' (the files are fetched by their HF names); a one-file
// Cappy bundle (any other URL, or bytes). Downloads report
// progress, are kept in Cache Storage where it exists (browsers, Deno) so a
// second load reads them from there, and fail with an Error naming the file
// and URL: HTTP errors, network errors, truncated bodies, and stalls (no byte
// for `stallTimeoutMs`) all reject; nothing waits forever.

const CACHE_NAME = 'cappy-models-v1';
const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

// { files: Map<name, Uint8Array>, bundle }: bundle true means `files` holds
// one Cappy bundle (docs/bundle-format.md) under its file name.
// onnx: the checkpoint base URL's weights are its ONNX export (model.onnx)
// instead of safetensors.
export async function resolveFiles(source, options, { onnx = false } = {}) {
  const ctx = new Downloads(options);
  if (typeof source === 'string' || source instanceof URL) {
    const url = toUrl(source, 'source');
    if (url.pathname.endsWith('/')) return { files: await ctx.checkpoint(url, onnx), bundle: false };
    const name = decodeURIComponent(url.pathname.split('/').pop());
    const bytes = await ctx.download(name, url);
    ctx.report(null);
    return { files: new Map([[name, bytes]]), bundle: true };
  }
  const bytes = bytesOf(source);
  if (bytes) return { files: new Map([['bundle', bytes]]), bundle: true };
  if (source instanceof Map || (source !== null && typeof source === 'object' && !Array.isArray(source))) {
    const entries = source instanceof Map ? [...source] : Object.entries(source);
    if (entries.length === 0) throw new TypeError('source: the file map is empty');
    return { files: await ctx.fileMap(entries), bundle: false };
  }
  throw new TypeError('source must be a URL, an ArrayBuffer/Uint8Array (a bundle) or an object mapping HF file names to URLs or bytes');
}

function toUrl(value, what) {
  try {
    return new URL(value, globalThis.location?.href);
  } catch {
    throw new TypeError(`${what}: not a URL: ${value}`);
  }
}

function bytesOf(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

class Downloads {
  constructor({ onProgress, cache = true, signal, stallTimeoutMs = 30000 } = {}) {
    this.onProgress = onProgress;
    this.useCache = cache;
    this.signal = signal;
    this.stallTimeoutMs = stallTimeoutMs;
    this.loaded = 0;
    this.total = 0;
    this.cachePromise = null;
  }

  async fileMap(entries) {
    const files = new Map();
    const downloads = [];
    for (const [name, value] of entries) {
      if (typeof name !== 'string' || name === '' || /[/\\]/.test(name)) {
        throw new TypeError(`source: "${name}" is not a plain file name`);
      }
      const bytes = bytesOf(value);
      if (bytes) {
        files.set(name, bytes);
        this.loaded += bytes.byteLength;
        this.total += bytes.byteLength;
      } else if (typeof value === 'string' || value instanceof URL) {
        files.set(name, null);  // keeps the caller's order
        downloads.push(this.download(name, toUrl(value, `source["${name}"]`)).then((b) => files.set(name, b)));
      } else {
        throw new TypeError(`source["${name}"] must be a URL string, a URL, an ArrayBuffer or a Uint8Array`);
      }
    }
    await this.settleAll(downloads);
    this.report(null);
    return files;
  }

  // An HF checkpoint served as files under `base` (e.g. .../resolve/main/);
  // with `onnx`, its model.onnx instead of its safetensors.
  async checkpoint(base, onnx = false) {
    const files = new Map();
    const get = async (name, optional) => {
      const bytes = await this.download(name, new URL(name, base), optional);
      if (bytes) files.set(name, bytes);
      return bytes;
    };
    const [, , , tokenizerJson, weights] = await this.settleAll([
      get('config.json'), get('tokenizer_config.json', true), get('special_tokens_map.json', true),
      get('tokenizer.json', true), onnx ? get('model.onnx') : get('model.safetensors', true)]);
    const more = [];
    if (!tokenizerJson) more.push(get('vocab.json', true), get('merges.txt', true), get('vocab.txt', true));
    if (!weights && !onnx) {
      more.push(get('model.safetensors.index.json', true).then((index) => {
        if (!index) throw new Error(`${base.href}: neither model.safetensors nor model.safetensors.index.json is there`);
        let shards;
        try {
          shards = [...new Set(Object.values(JSON.parse(new TextDecoder().decode(index)).weight_map ?? {}))];
        } catch (e) {
          throw new Error(`model.safetensors.index.json: malformed JSON (${e.message})`);
        }
        return this.settleAll(shards.map((s) => get(String(s))));
      }));
    }
    await this.settleAll(more);
    this.report(null);
    return files;
  }

  // Like Promise.all, but waits for every download to end before rejecting
  // with the first error, so no download keeps running after load() failed.
  async settleAll(promises) {
    const results = await Promise.allSettled(promises);
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    return results.map((r) => r.value);
  }

  report(file) {
    if (!this.onProgress) return;
    try {
      this.onProgress({ loaded: this.loaded, total: Math.max(this.total, this.loaded), file });
    } catch (e) {
      console.warn('cappy: onProgress threw', e);
    }
  }

  openCache() {
    if (!this.useCache || typeof globalThis.caches?.open !== 'function') return Promise.resolve(null);
    this.cachePromise ??= globalThis.caches.open(CACHE_NAME).catch(() => null);  // e.g. opaque origins
    return this.cachePromise;
  }

  // The file's bytes; null when `optional` and the server says 404.
  async download(name, url, optional = false) {
    this.signal?.throwIfAborted();
    if (url.protocol === 'file:' && isNode) return this.readLocal(name, url, optional);
    const cache = url.protocol.startsWith('http') ? await this.openCache() : null;
    let response = cache ? await cache.match(url.href).catch(() => undefined) : undefined;
    const fromCache = Boolean(response);
    const abort = new AbortController();
    const onAbort = () => abort.abort(this.signal.reason);
    this.signal?.addEventListener('abort', onAbort);
    let stalled = false;
    let timer;
    const watchdog = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { stalled = true; abort.abort(); }, this.stallTimeoutMs);
    };
    try {
      watchdog();
      if (!response) {
        try {
          response = await fetch(url.href, { signal: abort.signal });
        } catch (e) {
          throw this.failure(name, url, stalled, e);
        }
        if (optional && response.status === 404) {
          response.body?.cancel().catch(() => {});
          return null;
        }
        if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${response.statusText} from ${url.href}`);
      }
      const bytes = await this.readBody(name, url, response, watchdog, () => stalled, abort);
      if (cache && !fromCache) {
        const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) };
        await cache.put(url.href, new Response(bytes, { headers })).catch(() => {});  // caching is best-effort (quota)
      }
      return bytes;
    } finally {
      clearTimeout(timer);
      this.signal?.removeEventListener('abort', onAbort);
    }
  }

  async readBody(name, url, response, watchdog, isStalled, abort) {
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    const length = Number(response.headers.get('content-length'));
    const expected = !encoded && Number.isFinite(length) && length > 0 ? length : null;
    if (expected) this.total += expected;
    const chunks = [];
    let got = 0;
    try {
      if (!response.body) throw new Error('the response has no body');
      const reader = response.body.getReader();
      abort.signal.addEventListener('abort', () => reader.cancel().catch(() => {}));
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        watchdog();
        chunks.push(value);
        got += value.byteLength;
        this.loaded += value.byteLength;
        if (!expected) this.total += value.byteLength;
        this.report(name);
      }
    } catch (e) {
      throw this.failure(name, url, isStalled(), e);
    }
    if (abort.signal.aborted) throw this.failure(name, url, isStalled(), abort.signal.reason);
    if (expected && got !== expected) {
      throw new Error(`${name}: download from ${url.href} ended after ${got} of ${expected} bytes`);
    }
    if (chunks.length === 1) return chunks[0];
    const bytes = new Uint8Array(got);
    let at = 0;
    for (const c of chunks) { bytes.set(c, at); at += c.byteLength; }
    return bytes;
  }

  failure(name, url, stalled, cause) {
    if (stalled) return new Error(`${name}: no data for ${this.stallTimeoutMs / 1000} s from ${url.href}`);
    if (this.signal?.aborted) return new Error(`${name}: loading aborted (${this.signal.reason?.message ?? this.signal.reason})`);
    const detail = cause?.cause?.message ?? cause?.message ?? String(cause);
    return new Error(`${name}: download from ${url.href} failed: ${detail}`);
  }

  async readLocal(name, url, optional) {
    const fsModule = 'node:fs/promises';  // a variable, so browser bundlers leave it alone
    const { readFile } = await import(fsModule);
    let bytes;
    try {
      bytes = new Uint8Array(await readFile(url));
    } catch (e) {
      if (optional && e.code === 'ENOENT') return null;
      throw new Error(`${name}: cannot read ${url.href}: ${e.message}`);
    }
    this.loaded += bytes.byteLength;
    this.total += bytes.byteLength;
    this.report(name);
    return bytes;
  }
}
