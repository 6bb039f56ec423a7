// The page's side of scorer-worker.mjs: promises for load and score.
//
// The worker is started from a blob: URL that imports the real module: a
// worker loaded from a network URL gets the Content-Security-Policy of its
// own response (none on a static host), while a blob: worker inherits the
// page's policies, the narrowed connect-src included (csp.mjs).
export class ScorerClient {
  #worker;
  #pending = new Map();
  #nextId = 1;
  #blobUrl;

  constructor() {
    const moduleUrl = new URL('./scorer-worker.mjs', import.meta.url).href;
    this.#blobUrl = URL.createObjectURL(new Blob([`import ${JSON.stringify(moduleUrl)};\n`], { type: 'text/javascript' }));
    this.#worker = new Worker(this.#blobUrl, { type: 'module', name: 'cappy-scorer' });
    this.#worker.onmessage = ({ data }) => this.#receive(data);
    this.#worker.onerror = (e) => this.#failAll(`the scoring worker failed to start: ${e.message ?? 'unknown error'}`);
  }

  // Resolves { info, ms }; onProgress({ loaded, total }).
  load(source, device, onProgress) {
    return this.#call({ type: 'load', source, device }, onProgress);
  }

  // Resolves { scores: number[], ms, info }.
  score(instruction, responses) {
    return this.#call({ type: 'score', instruction, responses });
  }

  #call(message, onProgress) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ ...message, id });
    });
  }

  #receive(data) {
    const call = this.#pending.get(data.id);
    if (!call) return;
    if (data.type === 'progress') {
      call.onProgress?.(data);
      return;
    }
    this.#pending.delete(data.id);
    if (data.type === 'error') call.reject(new Error(data.message));
    else call.resolve(data);
  }

  #failAll(message) {
    for (const call of this.#pending.values()) call.reject(new Error(message));
    this.#pending.clear();
  }
}
