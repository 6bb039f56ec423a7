// The onnxruntime-web engines, devices 'ort-wasm' and 'ort-webgpu': an ONNX
// export of a cross-encoder (model.onnx) runs in onnxruntime-web while the
// core tokenizes and batches (a tokenizer-only load, no weights in wasm
// memory: Model.prepare's padded batches) and the scorer ranks. The route for
// architectures the core does not implement, and the benchmark's anchor.
//
// onnxruntime-web is not bundled: pass its module as options.ort (configured
// as you like: ort.env.wasm.wasmPaths, numThreads), else it is imported by its
// npm name, which Node, Deno and bundlers resolve (a page without a bundler
// needs an import map for 'onnxruntime-web', or options.ort).

// The graph inputs the core fills, by their names in HF exports.
const INPUTS = {
  input_ids: 'inputIds',
  attention_mask: 'attentionMask',
  token_type_ids: 'tokenTypeIds',
};

export async function importOrt(ort) {
  if (ort) {
    if (typeof ort.InferenceSession?.create !== 'function' || typeof ort.Tensor !== 'function') {
      throw new TypeError('load: options.ort must be the onnxruntime-web module (with InferenceSession and Tensor)');
    }
    return ort;
  }
  const name = 'onnxruntime-web';  // a variable: bundlers that cannot resolve it leave it to options.ort
  try {
    const mod = await import(name);
    return mod.InferenceSession ? mod : mod.default;
  } catch (e) {
    throw new Error(`devices 'ort-wasm' and 'ort-webgpu' need onnxruntime-web: install the npm package, or pass its module as options.ort (${e?.message ?? e})`);
  }
}

// The ONNX element type an input wants ('int64' unless the graph says int32).
function inputType(session, name) {
  const meta = Array.isArray(session.inputMetadata) ? session.inputMetadata.find((m) => m.name === name) : undefined;
  return meta?.type === 'int32' ? 'int32' : 'int64';
}

// An engine (wasm/api/engines.mjs's contract, over padded batches) for
// device 'ort-wasm' or 'ort-webgpu' on the model.onnx bytes. Throws when the
// session cannot be created or the graph wants inputs the core cannot give.
export async function createOrtEngine(ort, device, onnx) {
  const provider = device === 'ort-webgpu' ? 'webgpu' : 'wasm';
  let session;
  try {
    session = await ort.InferenceSession.create(onnx, { executionProviders: [provider], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new Error(`model.onnx: onnxruntime-web (${provider} execution provider) cannot load it: ${e?.message ?? e}`);
  }
  try {
    const unknown = session.inputNames.filter((n) => !(n in INPUTS));
    if (unknown.length || !session.inputNames.includes('input_ids')) {
      throw new Error(`model.onnx: its inputs are ${session.inputNames.join(', ')}; the core fills input_ids, attention_mask and token_type_ids`);
    }
    const output = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    const inputs = session.inputNames.map((name) => ({ name, field: INPUTS[name], type: inputType(session, name) }));
    return {
      device,
      adapter: `onnxruntime-web ${provider} execution provider`,
      async run(batch) {
        const feeds = {};
        for (const { name, field, type } of inputs) {
          const values = batch[field];
          const data = type === 'int32' ? values : BigInt64Array.from(values, (v) => BigInt(v));
          feeds[name] = new ort.Tensor(type, data, [batch.rows, batch.cols]);
        }
        const result = await session.run(feeds, [output]);
        const t = result[output];
        try {
          if (t.dims.length !== 2 || t.dims[0] !== batch.rows) {
            throw new Error(`model.onnx: output ${output} has shape [${t.dims.join(', ')}] for ${batch.rows} pairs; expected [pairs, labels]`);
          }
          const data = await (typeof t.getData === 'function' ? t.getData() : t.data);
          return data instanceof Float32Array ? Float32Array.from(data) : Float32Array.from(data, Number);
        } finally {
          t.dispose?.();
        }
      },
      dispose() {
        session.release?.().catch?.(() => {});
      },
    };
  } catch (e) {
    session.release?.().catch?.(() => {});
    throw e;
  }
}

// The model's info from config.json where the export has one (0 where a
// number is unknown; numLabels comes from the graph's output).
export function onnxModelInfo(files, tokenizer, numLabels) {
  let config = {};
  const bytes = files.get('config.json');
  if (bytes) {
    try {
      config = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new Error(`config.json: malformed JSON (${e.message})`);
    }
  }
  const n = (x) => (Number.isFinite(x) ? x : 0);
  return {
    architecture: config.architectures?.[0] ?? 'ONNX model',
    modelType: tokenizer.modelType || config.model_type || '',
    numLayers: n(config.num_hidden_layers),
    hiddenSize: n(config.hidden_size),
    numHeads: n(config.num_attention_heads),
    intermediateSize: n(config.intermediate_size),
    vocabSize: n(config.vocab_size ?? tokenizer.vocabSize),
    numLabels,
    maxLength: tokenizer.maxLength,
    numParameters: 0,
  };
}
