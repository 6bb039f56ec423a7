// Types of the Cappy ES module (cappy.mjs).

/** Where a model comes from. */
export type ModelSource =
  /** A checkpoint base URL ending in "/" (its HF files are fetched by name), or a bundle's URL. */
  | string
  | URL
  /** A one-file Cappy bundle (`cappy convert`; f32, f16 or q8 weights). */
  | ArrayBuffer
  | Uint8Array
  /** HF checkpoint file names ("config.json", "model.safetensors", "tokenizer.json", ...) to URLs or bytes. */
  | Record<string, string | URL | ArrayBuffer | ArrayBufferView>
  | Map<string, string | URL | ArrayBuffer | ArrayBufferView>;

export interface LoadProgress {
  /** Bytes received so far, over all files. */
  loaded: number;
  /** Bytes expected so far; it grows when a file without a known size, or a fallback file, starts. */
  total: number;
  /** The file that just received bytes; null on the final event. */
  file: string | null;
}

export interface LoadOptions {
  /** 'auto' (default): WebGPU when it can run, else wasm. 'webgpu' falls back to wasm too, saying why in info.fallbackReason.
   *  'ort-wasm' / 'ort-webgpu': the source's ONNX export (model.onnx, beside config.json and the tokenizer files) runs in
   *  onnxruntime-web (its wasm / WebGPU execution provider) while the core tokenizes, batches and ranks; 'ort-webgpu'
   *  falls back to 'ort-wasm', saying why. Needs onnxruntime-web: options.ort, or the npm package resolvable by name. */
  device?: 'auto' | 'wasm' | 'webgpu' | 'ort-wasm' | 'ort-webgpu';
  /** The onnxruntime-web module for the 'ort-*' devices (configure its env as you like before passing it). */
  ort?: unknown;
  onProgress?: (progress: LoadProgress) => void;
  /** Keep downloads in Cache Storage (where it exists) and read them from there next time. Default true. */
  cache?: boolean;
  /** Aborts loading; load() rejects. */
  signal?: AbortSignal;
  /** A download that receives no byte for this long fails. Default 30000. */
  stallTimeoutMs?: number;
  /** The GPU object to use instead of navigator.gpu (e.g. from the npm package `webgpu` in Node). */
  gpu?: { requestAdapter(options?: object): Promise<unknown | null> };
  /** Where cappy_core.wasm is, when not next to cappy.mjs; or its bytes. */
  wasmUrl?: string | URL;
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** On a cross-origin-isolated page the threaded build (cappy_core_mt, SharedArrayBuffer) runs the CPU path;
   *  false keeps the single-threaded one. Elsewhere the single-threaded build is the only choice. */
  wasmThreads?: boolean;
  /** CPU threads of the wasm device: at most (and by default) min(cores, 8) in the threaded build, else 1. */
  threads?: number;
  /** Defaults of score()/logits()/rerank(): most pairs, and most tokens, in one forward pass. */
  batchSize?: number;
  maxBatchTokens?: number;
}

export interface ModelInfo {
  architecture: string;
  modelType: string;
  numLayers: number;
  hiddenSize: number;
  numHeads: number;
  intermediateSize: number;
  vocabSize: number;
  numLabels: number;
  /** Longest pair encoding (special tokens included); longer pairs are truncated as HF does. */
  maxLength: number;
  /** 0 on the 'ort-*' devices (and there, numLayers... are config.json's, 0 where it has none). */
  numParameters: number;
}

export interface ScorerInfo {
  model: ModelInfo;
  /** Where forward passes run. */
  device: 'wasm' | 'webgpu' | 'ort-wasm' | 'ort-webgpu';
  /** A description of the device, e.g. "WebAssembly SIMD128, 1 thread". */
  adapter: string;
  /** The wasm device: how many threads its CPU path runs on (more than 1 only in the threaded build). */
  threads?: number;
  /** WebGPU: how the linear weights live on the device ('q8': Q8_0 blocks, unpacked in the shader). */
  weights?: 'f32' | 'f16' | 'q8';
  /** Why the scorer runs on wasm although another device was asked for (no adapter, a lost device, ...). */
  fallbackReason?: string;
}

export interface ScoreOptions {
  batchSize?: number;
  maxBatchTokens?: number;
}

export interface Ranked {
  /** Position in the caller's responses. */
  index: number;
  /** The raw logit (first label). */
  score: number;
}

/** Text is a string or its UTF-8 bytes; invalid UTF-8 (or a lone surrogate) rejects. */
export type Text = string | Uint8Array;

export interface Scorer {
  readonly info: ScorerInfo;
  /** The raw logit (first label) of each response, in response order. */
  score(instruction: Text, responses: Text[], options?: ScoreOptions): Promise<Float32Array>;
  /** Every label's raw logit: [responses x info.model.numLabels], row-major. */
  logits(instruction: Text, responses: Text[], options?: ScoreOptions): Promise<Float32Array>;
  /** Best first; ties keep the caller's order; topN (0 or absent: all) keeps the best topN. */
  rerank(instruction: Text, responses: Text[], options?: { topN?: number }): Promise<Ranked[]>;
  /** Frees the model once pending calls finish; later calls reject. */
  dispose(): void;
}

/** Loads a cross-encoder scorer. Rejects with an Error naming the file (and URL) on a failed download or a corrupt file. */
export function load(source: ModelSource, options?: LoadOptions): Promise<Scorer>;

export interface TokenizerInfo {
  /** config.json's model_type, or the modelType option. */
  modelType: string;
  /** The scoring limit encode() truncates to by default (special tokens included); 0: none. */
  maxLength: number;
  vocabSize: number;
}

export interface Encoding {
  ids: Int32Array;
  typeIds: Int32Array;
}

export interface Tokenizer {
  readonly info: TokenizerInfo;
  /** The ids scoring uses (special tokens, truncation: maxLength absent = info.maxLength, 0 = none). Throws on invalid UTF-8 or a lone surrogate. */
  encode(text: Text, pair?: Text | null, options?: { maxLength?: number }): Encoding;
  /** Frees the tokenizer; later calls throw. */
  dispose(): void;
}

export interface TokenizerLoadOptions extends Omit<LoadOptions, 'device' | 'gpu' | 'batchSize' | 'maxBatchTokens'> {
  /** The older files' pair template ('roberta', 'bert', 'xlm-roberta', 't5', ...) when there is no config.json. */
  modelType?: string;
}

/** Loads a tokenizer alone (tokenizer.json, vocab/merges files or a sentencepiece model; config.json optional; no weights). */
export function loadTokenizer(
  source: Record<string, string | URL | ArrayBuffer | ArrayBufferView> | Map<string, string | URL | ArrayBuffer | ArrayBufferView>,
  options?: TokenizerLoadOptions): Promise<Tokenizer>;

/** One packed batch, as the core's batcher makes it (see engines.mjs). */
export interface PackedBatch {
  members: Int32Array;
  ids: Int32Array;
  typeIds: Int32Array;
  positions: Int32Array;
  offsets: Int32Array;
}

export interface Engine {
  device: 'webgpu';
  adapter: string;
  /** Reported as scorer.info.weights. */
  weights?: 'f32' | 'f16' | 'q8';
  run(batch: PackedBatch): Promise<Float32Array>;
  dispose(): void;
}

export interface EngineContext {
  adapter: unknown;
  gpu: unknown;
  files: Map<string, Uint8Array>;
  /** true: files holds one Cappy bundle. */
  bundle: boolean;
  info: ModelInfo;
  /** The core's model: plan(tokens, pairs, maxPairTokens, weights) gives the GPU dispatch plan JSON
   *  (weights: the device format of the linear matrices; a boolean means f16 (true) or f32). */
  model: { plan(tokens: number, pairs: number, maxPairTokens: number, weights: 'f32' | 'f16' | 'q8' | boolean): string | { error: string } };
  core: unknown;
  onLost(reason: string): void;
}

/** For device engines (the WebGPU executor): registers the factory 'webgpu' and 'auto' use. */
export function registerEngine(device: 'webgpu', factory: (context: EngineContext) => Promise<Engine>): void;
