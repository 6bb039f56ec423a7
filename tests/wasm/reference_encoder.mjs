// An independent JavaScript forward pass of the fixtures' RoBERTa/BERT
// classifiers (float64, straight from the HF definitions), packaged as a
// device engine. The tests plug it in where the WebGPU engine goes, to check
// the engine interface end to end: the packed batches the core prepares, and
// how the scorer puts the engine's logits back in order.

// safetensors: u64 header length, JSON header, raw little-endian data.
export function readSafetensors(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const tensors = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (t.dtype !== 'F32') throw new Error(`${name}: the reference reads F32 only`);
    const [begin, end] = t.data_offsets;
    const data = new Float32Array(bytes.slice(8 + headerLength + begin, 8 + headerLength + end).buffer);
    tensors.set(name, { shape: t.shape, data });
  }
  return tensors;
}

function erf(x) {  // Abramowitz & Stegun 7.1.26, |error| < 1.5e-7
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

export function referenceEncoder(files) {
  const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
  const tensors = readSafetensors(files.get('model.safetensors'));
  const prefix = config.model_type === 'bert' ? 'bert.' : 'roberta.';
  const w = (name) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`reference: no tensor ${name}`);
    return t.data;
  };
  const H = config.hidden_size, heads = config.num_attention_heads, d = H / heads;
  const eps = config.layer_norm_eps;

  const linear = (x, rows, inF, outF, W, b) => {
    const y = new Float64Array(rows * outF);
    for (let r = 0; r < rows; ++r)
      for (let o = 0; o < outF; ++o) {
        let acc = b[o];
        for (let k = 0; k < inF; ++k) acc += x[r * inF + k] * W[o * inF + k];
        y[r * outF + o] = acc;
      }
    return y;
  };
  const layerNorm = (x, rows, gamma, beta) => {
    for (let r = 0; r < rows; ++r) {
      const row = x.subarray(r * H, (r + 1) * H);
      const mean = row.reduce((a, v) => a + v, 0) / H;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / H;
      const inv = 1 / Math.sqrt(variance + eps);
      for (let c = 0; c < H; ++c) row[c] = (row[c] - mean) * inv * gamma[c] + beta[c];
    }
    return x;
  };
  const add = (a, b) => a.map((v, i) => v + b[i]);

  return function forward({ ids, typeIds, positions, offsets }) {
    const T = ids.length, pairs = offsets.length - 1;
    const e = prefix + 'embeddings.';
    let x = new Float64Array(T * H);
    for (let t = 0; t < T; ++t)
      for (let c = 0; c < H; ++c)
        x[t * H + c] = w(e + 'word_embeddings.weight')[ids[t] * H + c] +
                       w(e + 'position_embeddings.weight')[positions[t] * H + c] +
                       w(e + 'token_type_embeddings.weight')[typeIds[t] * H + c];
    layerNorm(x, T, w(e + 'LayerNorm.weight'), w(e + 'LayerNorm.bias'));
    for (let l = 0; l < config.num_hidden_layers; ++l) {
      const p = `${prefix}encoder.layer.${l}.`, s = p + 'attention.self.';
      const q = linear(x, T, H, H, w(s + 'query.weight'), w(s + 'query.bias'));
      const k = linear(x, T, H, H, w(s + 'key.weight'), w(s + 'key.bias'));
      const v = linear(x, T, H, H, w(s + 'value.weight'), w(s + 'value.bias'));
      const ctx = new Float64Array(T * H);
      for (let pair = 0; pair < pairs; ++pair) {
        const start = offsets[pair], n = offsets[pair + 1] - start;
        for (let h = 0; h < heads; ++h)
          for (let i = 0; i < n; ++i) {
            const scores = new Float64Array(n);
            for (let j = 0; j < n; ++j) {
              let dot = 0;
              for (let c = 0; c < d; ++c) dot += q[(start + i) * H + h * d + c] * k[(start + j) * H + h * d + c];
              scores[j] = dot / Math.sqrt(d);
            }
            const max = Math.max(...scores);
            let sum = 0;
            for (let j = 0; j < n; ++j) sum += (scores[j] = Math.exp(scores[j] - max));
            for (let c = 0; c < d; ++c) {
              let acc = 0;
              for (let j = 0; j < n; ++j) acc += scores[j] / sum * v[(start + j) * H + h * d + c];
              ctx[(start + i) * H + h * d + c] = acc;
            }
          }
      }
      const attn = linear(ctx, T, H, H, w(p + 'attention.output.dense.weight'), w(p + 'attention.output.dense.bias'));
      const x1 = layerNorm(add(attn, x), T, w(p + 'attention.output.LayerNorm.weight'), w(p + 'attention.output.LayerNorm.bias'));
      const I = config.intermediate_size;
      const inter = linear(x1, T, H, I, w(p + 'intermediate.dense.weight'), w(p + 'intermediate.dense.bias'))
        .map((z) => 0.5 * z * (1 + erf(z / Math.SQRT2)));
      const out = linear(inter, T, I, H, w(p + 'output.dense.weight'), w(p + 'output.dense.bias'));
      x = layerNorm(add(out, x1), T, w(p + 'output.LayerNorm.weight'), w(p + 'output.LayerNorm.bias'));
    }
    const first = new Float64Array(pairs * H);
    for (let pair = 0; pair < pairs; ++pair) first.set(x.subarray(offsets[pair] * H, offsets[pair] * H + H), pair * H);
    const labels = config.num_labels ?? Object.keys(config.id2label ?? { 0: 0 }).length;
    const [dense, outName] = config.model_type === 'bert'
      ? ['bert.pooler.dense', 'classifier'] : ['classifier.dense', 'classifier.out_proj'];
    const pooled = linear(first, pairs, H, H, w(dense + '.weight'), w(dense + '.bias')).map(Math.tanh);
    return Float32Array.from(linear(pooled, pairs, H, labels, w(outName + '.weight'), w(outName + '.bias')));
  };
}
