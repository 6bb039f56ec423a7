// The page: settings, the chat request, pasted candidates, scoring as answers
// complete, and the ranked list. See README.md for how the parts fit.
import { allowedOrigins, canConnect } from './csp.mjs';  // first: narrows the policy before any request
import { readSettings, writeSettings, chatCompletionsUrl, originOf, ApiKeyStore } from './settings.mjs';
import { generateCandidates } from './chat.mjs';
import { splitCandidates } from './paste.mjs';
import { ScorerClient } from './scorer-client.mjs';
import { ResultsView } from './results-view.mjs';

const DEFAULT_MODEL = { name: 'cappy-mini', url: new URL('models/cappy-mini.cappy', location.href).href };
const DRAFT_KEY = 'cappy-demo-draft';          // sessionStorage: prompt and paste across a policy reload
const RELOADED_KEY = 'cappy-demo-reloaded';    // sessionStorage: why the page reloaded

const $ = (id) => document.getElementById(id);
const ui = {
  endpoint: $('endpoint'), model: $('model-name'), apiKey: $('api-key'), rememberKey: $('remember-key'),
  n: $('n'), temperature: $('temperature'), nMode: $('n-mode'), timeout: $('timeout'), maxTokens: $('max-tokens'), stream: $('stream'),
  prompt: $('prompt'), generate: $('generate'), stop: $('stop'), paste: $('paste'), scorePasted: $('score-pasted'),
  modelSource: $('model-source'), bundleUrl: $('bundle-url'), device: $('device'), loadModel: $('load-model'),
  progress: $('model-progress'), modelInfo: $('model-info'), deviceInfo: $('device-info'),
  status: $('status'), results: $('results'), timings: $('timings'),
};

let settings = readSettings();
const keys = new ApiKeyStore();
const view = new ResultsView(ui.results);
const scorer = new ScorerClient();
let model = null;          // Promise of { info, ms } for the model in use
let run = null;            // the current generation / paste run

function setStatus(text, state = 'idle') {
  ui.status.textContent = text;
  ui.status.dataset.state = state;
}

// ---- settings <-> form ----------------------------------------------------

function fillForm() {
  ui.endpoint.value = settings.endpoint;
  ui.model.value = settings.model;
  ui.n.value = settings.n;
  ui.temperature.value = settings.temperature;
  ui.nMode.value = settings.nMode;
  ui.timeout.value = settings.timeoutS;
  ui.maxTokens.value = settings.maxTokens;
  ui.stream.checked = settings.stream;
  ui.modelSource.value = settings.modelSource;
  ui.bundleUrl.value = settings.bundleUrl;
  ui.device.value = settings.device;
  const origin = endpointOrigin();
  ui.apiKey.value = origin ? keys.keyFor(origin) : '';
  ui.rememberKey.checked = keys.remembered && ui.apiKey.value !== '';
}

function readForm() {
  return {
    ...settings,
    endpoint: ui.endpoint.value.trim(), model: ui.model.value.trim(), n: ui.n.value, temperature: ui.temperature.value,
    nMode: ui.nMode.value, timeoutS: ui.timeout.value, maxTokens: ui.maxTokens.value, stream: ui.stream.checked,
    modelSource: ui.modelSource.value, bundleUrl: ui.bundleUrl.value.trim(), device: ui.device.value,
  };
}

function saveForm() {
  writeSettings(readForm());
  settings = readSettings();
  return settings;
}

function endpointOrigin(endpoint = ui.endpoint.value) {
  try {
    return new URL(chatCompletionsUrl(endpoint)).origin;
  } catch {
    return null;
  }
}

// A new origin is not in this page's policy (csp.mjs): save everything and
// reload, so the policy of the next load names it.
function reloadFor(origin, what) {
  saveForm();
  try {
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ prompt: ui.prompt.value, paste: ui.paste.value }));
    sessionStorage.setItem(RELOADED_KEY, JSON.stringify({ origin, what }));
  } catch { /* sessionStorage disabled: the draft is lost */ }
  setStatus(`Reloading to allow ${origin} in the page's Content-Security-Policy…`, 'busy');
  location.reload();
}

function restoreDraft() {
  try {
    const draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? 'null');
    const reloaded = JSON.parse(sessionStorage.getItem(RELOADED_KEY) ?? 'null');
    sessionStorage.removeItem(DRAFT_KEY);
    sessionStorage.removeItem(RELOADED_KEY);
    if (draft) {
      ui.prompt.value = draft.prompt ?? '';
      ui.paste.value = draft.paste ?? '';
    }
    if (reloaded) {
      setStatus(`The page reloaded to allow connections to ${reloaded.origin} (its Content-Security-Policy lists only this page and the origins in use).`
        + (reloaded.what === 'endpoint' && !ui.apiKey.value ? ' Enter the API key for this endpoint if it needs one.' : ''));
    }
  } catch { /* nothing to restore */ }
}

ui.endpoint.addEventListener('change', () => {
  const origin = endpointOrigin();
  if (!ui.endpoint.value.trim()) return saveForm();
  if (!origin) {
    try { chatCompletionsUrl(ui.endpoint.value); } catch (e) { setStatus(e.message, 'error'); }
    return;
  }
  if (!canConnect(origin)) return reloadFor(origin, 'endpoint');
  keys.set(ui.apiKey.value, origin, ui.rememberKey.checked);
  saveForm();
});
// Enter in a field must not submit the form (and nothing is ever posted to this page).
$('api-form').addEventListener('submit', (e) => {
  e.preventDefault();
  ui.endpoint.dispatchEvent(new Event('change'));
});
for (const input of [ui.model, ui.n, ui.temperature, ui.nMode, ui.timeout, ui.maxTokens, ui.stream]) input.addEventListener('change', saveForm);
const storeKey = () => keys.set(ui.apiKey.value, endpointOrigin(), ui.rememberKey.checked);
ui.apiKey.addEventListener('input', storeKey);
ui.rememberKey.addEventListener('change', storeKey);

// ---- the scorer -----------------------------------------------------------

function modelSource() {
  if (settings.modelSource === 'url' && settings.bundleUrl) return { name: settings.bundleUrl.split('/').pop() || settings.bundleUrl, url: settings.bundleUrl };
  return DEFAULT_MODEL;
}

let loads = 0;  // a newer load makes an older one's outcome moot

function loadModel() {
  const source = modelSource();
  const current = ++loads;
  ui.progress.value = 0;
  ui.progress.removeAttribute('value');  // indeterminate until sizes are known
  ui.modelInfo.textContent = `loading ${source.name}…`;
  ui.deviceInfo.textContent = `device: starting (${settings.device})`;
  delete ui.deviceInfo.dataset.device;
  model = scorer.load(source.url, settings.device, ({ loaded, total }) => {
    if (current === loads && total > 0) ui.progress.value = loaded / total;
  });
  model.then(({ info, ms }) => {
    if (current !== loads) return;
    ui.progress.value = 1;
    const m = info.model;
    ui.modelInfo.textContent = `${source.name}: ${m.architecture}, ${m.numLayers} layers, ${(m.numParameters / 1e6).toFixed(1)}M parameters, loaded in ${Math.round(ms)} ms`;
    showDevice(info);
  }, (e) => {
    if (current !== loads) return;
    ui.progress.value = 0;
    ui.modelInfo.textContent = `${source.name}: not loaded`;
    ui.deviceInfo.textContent = 'device: none';
    setStatus(`The scorer could not load ${source.url}: ${e.message}`, 'error');
  });
  return model;
}

function showDevice(info) {
  const isolated = globalThis.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  ui.deviceInfo.textContent = info.device === 'webgpu'
    ? `device: WebGPU (${info.adapter}${info.weights ? `, ${info.weights} weights` : ''})`
    : `device: wasm (${info.adapter}, ${isolated})${info.fallbackReason ? ` — WebGPU not used: ${info.fallbackReason}` : ''}`;
  ui.deviceInfo.dataset.device = info.device;
}

ui.loadModel.addEventListener('click', () => {
  const next = readForm();
  if (next.modelSource === 'url') {
    const origin = originOf(next.bundleUrl);
    if (!origin) return setStatus(`The bundle URL "${next.bundleUrl}" is not an http(s) URL.`, 'error');
    if (!canConnect(origin)) return reloadFor(origin, 'bundle');
  }
  saveForm();
  loadModel().catch(() => {});
});
ui.device.addEventListener('change', () => { saveForm(); loadModel().catch(() => {}); });
ui.modelSource.addEventListener('change', () => {
  saveForm();
  if (settings.modelSource === 'default') loadModel().catch(() => {});
});

// ---- a run: answers in, scores out ----------------------------------------

// Scores answers as they complete; answers that complete while a batch is
// scoring go together in the next batch.
class Run {
  constructor(prompt) {
    this.prompt = prompt;
    this.started = performance.now();
    this.waiting = [];          // [slot, text]
    this.scoring = null;
    this.scored = { pairs: 0, batches: 0, ms: 0 };
    this.firstText = null;
    this.answersDone = null;
    this.abort = new AbortController();
    this.error = null;
    view.clear();
  }

  get current() { return run === this; }

  text(slot, text) {
    if (!this.current) return;
    this.firstText ??= performance.now();
    view.setText(slot, text);
  }

  done(slot, text) {
    if (!this.current) return;
    this.firstText ??= performance.now();
    view.setText(slot, text, true);
    this.waiting.push([slot, text]);
    this.pump();
  }

  pump() {
    if (this.scoring || this.waiting.length === 0) return this.scoring;
    const batch = this.waiting.splice(0);
    this.scoring = (async () => {
      try {
        await model;
        const { scores, ms, info } = await scorer.score(this.prompt, batch.map(([, text]) => text));
        if (!this.current) return;
        batch.forEach(([slot], i) => view.setScore(slot, scores[i]));
        this.scored.pairs += batch.length;
        this.scored.batches += 1;
        this.scored.ms += ms;
        showDevice(info);
        view.render();
        this.showTimings();
      } catch (e) {
        if (this.current) this.error ??= `Scoring failed: ${e.message}`;
      } finally {
        this.scoring = null;
      }
      await this.pump();
    })();
    return this.scoring;
  }

  async settled() {
    while (this.scoring || this.waiting.length) await (this.scoring ?? this.pump());
  }

  showTimings() {
    const parts = [];
    if (this.answersDone !== null && this.firstText !== null) {
      parts.push(`answers: first text after ${seconds(this.firstText - this.started)}, all after ${seconds(this.answersDone - this.started)}`);
    }
    const { pairs, batches, ms } = this.scored;
    if (pairs) parts.push(`scoring: ${pairs} answer${pairs > 1 ? 's' : ''} in ${batches} batch${batches > 1 ? 'es' : ''}, ${Math.round(ms)} ms (${(ms / pairs).toFixed(1)} ms per answer)`);
    ui.timings.textContent = parts.join(' · ');
  }
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

function startRun(prompt) {
  run?.abort.abort();
  run = new Run(prompt);
  ui.timings.textContent = '';
  return run;
}

function summary(extra = '') {
  const best = view.best();
  if (!best) return `No answer could be scored.${extra}`;
  return `Cappy's pick: answer ${best.slot + 1}, the best of ${best.of} (score ${best.score.toFixed(4)}).${extra}`;
}

ui.generate.addEventListener('click', async () => {
  const form = readForm();
  const prompt = ui.prompt.value;
  if (!prompt.trim()) return setStatus('Write a prompt first.', 'error');
  let url;
  try {
    url = chatCompletionsUrl(form.endpoint);
  } catch (e) {
    return setStatus(e.message, 'error');
  }
  const origin = new URL(url).origin;
  if (!canConnect(origin)) return reloadFor(origin, 'endpoint');
  if (!form.model) return setStatus('Name the chat model (e.g. gpt-4o-mini, or the model your local server runs).', 'error');
  saveForm();
  const current = startRun(prompt);
  const nKey = `${url} ${settings.model}`;
  setStatus(`Asking ${settings.model} at ${origin} for ${settings.n} answer${settings.n > 1 ? 's' : ''}…`, 'busy');
  ui.stop.disabled = false;
  try {
    const result = await generateCandidates({
      url, model: settings.model, apiKey: keys.keyFor(origin) || '', prompt,
      n: settings.n, temperature: settings.temperature, stream: settings.stream, nMode: settings.nMode,
      knownToIgnoreN: settings.nIgnored[nKey] === true, timeoutMs: settings.timeoutS * 1000, maxTokens: settings.maxTokens,
      signal: current.abort.signal,
      onText: (slot, text) => current.text(slot, text),
      onDone: (slot, text) => current.done(slot, text),
    });
    if (!current.current) return;
    current.answersDone = performance.now();
    if (result.nIgnored) {
      settings.nIgnored[nKey] = true;
      writeSettings(settings);
    }
    setStatus('Scoring the last answers…', 'busy');
    await current.settled();
    if (!current.current) return;
    current.showTimings();
    const how = result.mode === 'n'
      ? ` One request with n=${settings.n}${result.short !== undefined ? `; the endpoint returned only ${result.short}` : ''}.`
      : result.nIgnored
        ? ` The endpoint ignored n, so the missing answers were asked for in parallel requests (${result.requests} requests; next time parallel at once).`
        : ` ${result.requests} parallel request${result.requests > 1 ? 's' : ''}.`;
    const same = result.mode === 'parallel' && settings.temperature === 0 ? ' At temperature 0, parallel requests tend to give the same answer: raise it in More settings.' : '';
    const failed = result.errors.length
      ? ` ${result.errors.length} of ${result.requests} requests failed: ${result.errors[0].message}` : '';
    const error = current.error ? ` ${current.error}` : '';
    setStatus(summary(how + same + failed + error), failed || error ? 'error' : 'done');
  } catch (e) {
    if (!current.current) return;
    current.answersDone = performance.now();
    await current.settled();
    setStatus(e.kind === 'aborted' ? 'Stopped.' : `Error: ${e.message}`, e.kind === 'aborted' ? 'idle' : 'error');
  } finally {
    if (current.current) ui.stop.disabled = true;
  }
});

ui.stop.addEventListener('click', () => run?.abort.abort());
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) ui.generate.click();
});

ui.scorePasted.addEventListener('click', async () => {
  const prompt = ui.prompt.value;
  if (!prompt.trim()) return setStatus('Write the prompt (the instruction the candidates answer) first.', 'error');
  const candidates = splitCandidates(ui.paste.value);
  if (candidates.length === 0) return setStatus('Paste at least one candidate: one per line, or blocks separated by a line holding only ---.', 'error');
  const current = startRun(prompt);
  setStatus(`Scoring ${candidates.length} pasted candidate${candidates.length > 1 ? 's' : ''}…`, 'busy');
  candidates.forEach((text, slot) => view.setText(slot, text, true));
  current.waiting.push(...candidates.map((text, slot) => [slot, text]));
  current.pump();
  await current.settled();
  if (!current.current) return;
  setStatus(current.error ? `Error: ${current.error}` : summary(), current.error ? 'error' : 'done');
});

// ---- start ----------------------------------------------------------------

fillForm();
restoreDraft();
loadModel().catch(() => {});
document.documentElement.dataset.allowedOrigins = [...allowedOrigins].join(' ');
