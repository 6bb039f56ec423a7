// A checkpoint's tokenizer on its own: the token ids scoring would use, without
// loading weights. The same core code as the Scorer and as native
// `cappy tokenize`: tokenizer.json (BPE, WordPiece, Unigram), the older files
// (vocab.json + merges.txt, vocab.txt) and sentencepiece models
// (sentencepiece.bpe.model, spiece.model; the sentencepiece library is
// compiled into the module).
//
//   import { loadTokenizer } from './cappy.mjs';
//   const tok = await loadTokenizer({ 'sentencepiece.bpe.model': url }, { modelType: 'xlm-roberta' });
//   const { ids, typeIds } = tok.encode('query', 'passage', { maxLength: 512 });
//   tok.dispose();
import { loadCore, loadTokenizer as loadTokenizerModel, unwrap } from './core.mjs';
import { resolveFiles } from './sources.mjs';
import { isText, checkWellFormed } from './text.mjs';

// source: an object (or Map) of HF file names ("tokenizer.json",
// "spiece.model", "config.json", "tokenizer_config.json", ...) to URLs or
// bytes. options.modelType picks the older files' pair template when there
// is no config.json (as `cappy tokenize --model-type`); the other options are
// load()'s download options.
export async function loadTokenizer(source, options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('loadTokenizer: options must be an object');
  const { modelType = '' } = options;
  if (typeof modelType !== 'string') throw new TypeError('loadTokenizer: modelType must be a string');
  if (source === null || typeof source !== 'object' || source instanceof URL || ArrayBuffer.isView(source) ||
      source instanceof ArrayBuffer || Array.isArray(source)) {
    throw new TypeError('loadTokenizer: source must be an object or Map of HF file names to URLs or bytes');
  }
  const [core, { files }] = await Promise.all([loadCore(options), resolveFiles(source, options)]);
  return new Tokenizer(loadTokenizerModel(core, files, modelType));
}

export class Tokenizer {
  #handle;

  constructor(handle) {
    this.#handle = handle;
    // { modelType, maxLength (the scoring limit; 0: none), vocabSize }
    this.info = handle.info();
  }

  // { ids, typeIds } (Int32Array) of `text`, or of the pair (text, pair),
  // with the model's special tokens. maxLength: truncate to that many tokens,
  // special tokens included (a pair longest_first, as HF); absent: the
  // scoring limit (info.maxLength); 0: no truncation. Throws an Error on
  // invalid UTF-8 bytes ("invalid UTF-8 at byte N") or a lone surrogate.
  encode(text, pair, { maxLength } = {}) {
    if (!this.#handle) throw new Error('this tokenizer was disposed');
    if (!isText(text)) throw new TypeError('text must be a string or a Uint8Array of UTF-8');
    if (pair !== undefined && pair !== null && !isText(pair)) {
      throw new TypeError('pair must be a string or a Uint8Array of UTF-8 when given');
    }
    if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 0)) {
      throw new TypeError(`maxLength must be an integer >= 0, got ${JSON.stringify(maxLength)}`);
    }
    const limit = maxLength ?? -1;
    checkWellFormed(text, 'text');
    if (pair === undefined || pair === null) return unwrap(this.#handle.encodeSingle(text, limit));
    checkWellFormed(pair, 'pair');
    return unwrap(this.#handle.encodePair(text, pair, limit));
  }

  // Frees the tokenizer's wasm memory; later calls throw. Safe to call twice.
  dispose() {
    this.#handle?.delete();
    this.#handle = null;
  }
}
