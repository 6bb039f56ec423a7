// The WebAssembly core (cappy_core.wasm + its Emscripten glue), instantiated
// once per JavaScript realm, and the few calls the API makes into it.
//
// Two builds: cappy_core (single-threaded) and cappy_core_mt (-pthread, its
// CPU path on min(cores, 8) threads). Threads need SharedArrayBuffer, which
// browsers give only to cross-origin-isolated pages (COOP/COEP headers), so
// the threaded build is chosen exactly when `crossOriginIsolated` is true
// (and options.wasmUrl/wasmBinary do not name a .wasm, which is the
// single-threaded one; options.wasmThreads = false keeps it too).

// Both glue modules are imported (small, and side-effect free until called)
// so that bundlers and static import walkers see them; only the chosen
// build's .wasm is fetched.
import createSingleThreadedCore from './cappy_core.mjs';
import createThreadedCore from './cappy_core_mt.mjs';

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

const cores = new Map();  // build name -> Promise of the instantiated core

// Threads per scorer in the threaded build: its worker pool holds
// 2 * (this - 1) workers (wasm/CMakeLists.txt), two scorers' worth.
export function maxWasmThreads() {
  return Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency || 4, 8));
}

export function wantsThreadedBuild({ wasmUrl, wasmBinary, wasmThreads } = {}) {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' &&
    !wasmUrl && !wasmBinary && wasmThreads !== false;
}

// The instantiated core; concurrent callers share one instantiation per
// build, a failed one is retried by the next call. options.wasmUrl /
// options.wasmBinary override where the .wasm comes from (bundlers, CDNs).
// core.cappyThreads: the most threads a scorer of this build can use.
export function loadCore(options = {}) {
  const build = wantsThreadedBuild(options) ? 'cappy_core_mt' : 'cappy_core';
  if (!cores.has(build)) cores.set(build, instantiate(build, options).catch((e) => { cores.delete(build); throw e; }));
  return cores.get(build);
}

async function instantiate(build, { wasmUrl, wasmBinary } = {}) {
  const createCappyCore = build === 'cappy_core_mt' ? createThreadedCore : createSingleThreadedCore;
  const url = wasmUrl ? new URL(wasmUrl, globalThis.location?.href) : new URL(`./${build}.wasm`, import.meta.url);
  // The glue's own ready promise never settles if instantiation fails inside
  // instantiateWasm, so a failure is raced against it.
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
  const ready = createCappyCore({
    instantiateWasm(imports, receive) {
      instantiateFrom(url, wasmBinary, imports).then(
        ({ instance, module }) => receive(instance, module),
        (e) => fail(new Error(`cannot instantiate the Cappy WebAssembly core from ${wasmBinary ? 'the given bytes' : url.href}: ${e?.message ?? e}`)));
      return {};
    },
    print: (s) => console.log(s),
    printErr: (s) => console.warn(s),
  });
  const core = await Promise.race([ready, failed]);
  core.cappyBuild = build;
  core.cappyThreads = build === 'cappy_core_mt' ? maxWasmThreads() : 1;
  return core;
}

async function instantiateFrom(url, bytes, imports) {
  if (bytes) return WebAssembly.instantiate(bytes, imports);
  if (url.protocol === 'file:' && isNode) {
    const fsModule = 'node:fs/promises';  // a variable, so browser bundlers leave it alone
    const { readFile } = await import(fsModule);
    return WebAssembly.instantiate(await readFile(url), imports);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  if (typeof WebAssembly.instantiateStreaming === 'function' &&
      response.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.instantiateStreaming(response, imports);
  }
  return WebAssembly.instantiate(await response.arrayBuffer(), imports);
}

// A core call's result, or an Error: the bindings return {error} instead of
// throwing across the boundary.
export function unwrap(result) {
  if (result !== null && typeof result === 'object' && typeof result.error === 'string') {
    throw new Error(result.error);
  }
  return result;
}

// Copies the files (Map name -> Uint8Array; or one bundle) into wasm memory
// and loads the model; returns the core's Model handle (free it with .delete()).
export function loadModel(core, { files, bundle }, threads) {
  return withLoader(core, files, (loader) => (bundle ? loader.loadBundle(threads) : loader.load(threads)));
}

// The tokenizer alone from a checkpoint's files (config.json and the
// tokenizer files; weights and model.onnx are not copied in): the core's
// TokenizerModel handle (free it with .delete()). modelType picks the older
// files' pair template when there is no config.json.
const NOT_TOKENIZER = /^model\.onnx$|\.onnx_data$|\.safetensors$|^model\.safetensors\.index\.json$/;
export function loadTokenizer(core, files, modelType = '') {
  const wanted = new Map([...files].filter(([name]) => !NOT_TOKENIZER.test(name)));
  return withLoader(core, wanted, (loader) => loader.loadTokenizer(modelType));
}

function withLoader(core, files, load) {
  const loader = new core.ModelLoader();
  try {
    for (const [name, bytes] of files) {
      const address = unwrap(loader.reserve(name, bytes.byteLength));
      core.HEAPU8.set(bytes, address);  // HEAPU8 is re-read: reserve may grow memory
    }
    return unwrap(load(loader));
  } finally {
    loader.delete();
  }
}
