// The page's settings: kept in localStorage (never the API key), read back at
// start; the API key lives in memory, or in sessionStorage (this tab only)
// when the user ticks "remember", and always together with the origin it was
// given for, so it is never sent anywhere else.
const SETTINGS_KEY = 'cappy-demo-settings';
const API_KEY_KEY = 'cappy-demo-api-key';

export const DEFAULTS = Object.freeze({
  endpoint: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini',
  n: 4,
  temperature: 1,
  stream: true,
  nMode: 'auto',         // 'auto': ask with n, fall back to parallel requests if ignored; 'n'; 'parallel'
  timeoutS: 60,          // no byte for this long ends a request
  maxTokens: 0,          // 0: let the server decide
  device: 'auto',        // the scorer's: 'auto' | 'webgpu' | 'wasm'
  modelSource: 'default',  // 'default' (this page's cappy-mini) | 'url'
  bundleUrl: '',
  nIgnored: {},          // "chat URL model" -> true once an endpoint was seen ignoring n
});

const CHOICES = { nMode: ['auto', 'n', 'parallel'], device: ['auto', 'webgpu', 'wasm'], modelSource: ['default', 'url'] };
const LIMITS = { n: [1, 16], temperature: [0, 2], timeoutS: [1, 600], maxTokens: [0, 1e6] };

// Anything malformed in storage falls back to its default, field by field.
export function readSettings(storage = globalThis.localStorage) {
  let saved = {};
  try {
    saved = JSON.parse(storage?.getItem(SETTINGS_KEY) ?? '{}') ?? {};
  } catch { /* corrupt: defaults */ }
  return sanitize(saved);
}

export function writeSettings(settings, storage = globalThis.localStorage) {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(sanitize(settings)));
  } catch { /* storage full or disabled: settings last for this visit only */ }
}

export function sanitize(input) {
  const out = { ...DEFAULTS, nIgnored: {} };
  if (input === null || typeof input !== 'object') return out;
  for (const key of ['endpoint', 'model', 'bundleUrl']) if (typeof input[key] === 'string') out[key] = input[key].trim();
  for (const [key, [lo, hi]] of Object.entries(LIMITS)) {
    const v = Number(input[key]);
    if (input[key] !== undefined && input[key] !== '' && Number.isFinite(v)) out[key] = Math.min(hi, Math.max(lo, v));
  }
  out.n = Math.round(out.n);
  out.maxTokens = Math.round(out.maxTokens);
  if (typeof input.stream === 'boolean') out.stream = input.stream;
  for (const [key, allowed] of Object.entries(CHOICES)) if (allowed.includes(input[key])) out[key] = input[key];
  if (input.nIgnored && typeof input.nIgnored === 'object') {
    for (const [k, v] of Object.entries(input.nIgnored)) if (v === true) out.nIgnored[k] = true;
  }
  return out;
}

// The chat-completions URL of a base URL ("https://host/v1"), or of the full
// URL itself; throws a clear Error for anything that is not http(s).
export function chatCompletionsUrl(endpoint) {
  let url;
  try {
    url = new URL(String(endpoint).trim());
  } catch {
    throw new Error(`The endpoint "${endpoint}" is not a URL (expected e.g. https://api.openai.com/v1 or http://localhost:11434/v1).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`The endpoint must be an http(s) URL, got ${url.protocol}`);
  if (url.username || url.password) throw new Error('The endpoint URL must not hold a user name or password: use the API key field.');
  url.hash = '';
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/chat/completions') ? path : `${path}/chat/completions`;
  return url.href;
}

export function originOf(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : null;
  } catch {
    return null;
  }
}

// The API key: in memory; in sessionStorage too while `remember` is on.
export class ApiKeyStore {
  #key = '';
  #origin = null;
  #storage;

  constructor(storage = globalThis.sessionStorage) {
    this.#storage = storage;
    try {
      const saved = JSON.parse(storage?.getItem(API_KEY_KEY) ?? 'null');
      if (saved && typeof saved.key === 'string' && typeof saved.origin === 'string') {
        this.#key = saved.key;
        this.#origin = saved.origin;
      }
    } catch { /* nothing saved */ }
  }

  get remembered() {
    try {
      return Boolean(this.#storage?.getItem(API_KEY_KEY));
    } catch {
      return false;
    }
  }

  // The key for requests to `origin`; '' when the key was given for another one.
  keyFor(origin) {
    return this.#origin === origin ? this.#key : '';
  }

  set(key, origin, remember) {
    this.#key = key;
    this.#origin = origin;
    try {
      if (remember && key) this.#storage?.setItem(API_KEY_KEY, JSON.stringify({ key, origin }));
      else this.#storage?.removeItem(API_KEY_KEY);
    } catch { /* sessionStorage disabled: memory only */ }
  }
}
