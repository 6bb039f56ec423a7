// Checkpoint tensors for the executor's weights(name), read in place from the
// bytes JavaScript holds (no Node or browser APIs): safetensors files (one, or
// shards listed by model.safetensors.index.json) and Cappy bundles (GGUF v2/3,
// docs/bundle-format.md). Each tensor is {dtype: 'F32'|'F16'|'BF16'|'Q8_0',
// shape (PyTorch order), data: Uint8Array view into the file's bytes}.
// Malformed files throw an Error naming the file and what is wrong.

const SAFETENSORS_DTYPES = { F32: 4, F16: 2, BF16: 2 };

export function parseSafetensors(bytes, origin = 'model.safetensors') {
  const fail = (why) => { throw new Error(`${origin}: ${why}`); };
  if (bytes.byteLength < 8) fail('shorter than its 8-byte header length');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > bytes.byteLength - 8) fail(`header length ${n} exceeds the file`);
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`malformed JSON header (${e.message})`);
  }
  const data = bytes.subarray(8 + n);
  const tensors = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const size = SAFETENSORS_DTYPES[t?.dtype];
    if (!size) continue;  // other dtypes (int buffers such as position_ids) are not weights
    const [begin, end] = t.data_offsets ?? [];
    const count = t.shape.reduce((a, x) => a * x, 1);
    if (!(begin >= 0 && end <= data.byteLength && end - begin === count * size))
      fail(`tensor ${name}: data_offsets [${begin}, ${end}] do not fit its ${t.dtype} shape [${t.shape}] in the file`);
    tensors.set(name, { dtype: t.dtype, shape: t.shape, data: data.subarray(begin, end) });
  }
  return tensors;
}

const GGML_TYPES = { 0: 'F32', 1: 'F16', 8: 'Q8_0', 30: 'BF16' };
const GGUF_SCALAR_BYTES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export function parseGguf(bytes, origin = 'bundle') {
  const fail = (why) => { throw new Error(`${origin}: ${why}`); };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (k) => { if (at + k > bytes.byteLength) fail('truncated GGUF header'); };
  const u32 = () => { need(4); const v = view.getUint32(at, true); at += 4; return v; };
  const u64 = () => { need(8); const v = Number(view.getBigUint64(at, true)); at += 8; return v; };
  const str = () => { const n = u64(); need(n); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const skipValue = (type) => {
    if (type === 8) return str();
    if (type === 9) {
      const elem = u32(), n = u64();
      if (elem in GGUF_SCALAR_BYTES) { need(n * GGUF_SCALAR_BYTES[elem]); at += n * GGUF_SCALAR_BYTES[elem]; return null; }
      for (let i = 0; i < n; i++) skipValue(elem);
      return null;
    }
    if (!(type in GGUF_SCALAR_BYTES)) fail(`unknown GGUF metadata type ${type}`);
    need(GGUF_SCALAR_BYTES[type]);
    const v = type === 4 ? view.getUint32(at, true) : null;
    at += GGUF_SCALAR_BYTES[type];
    return v;
  };
  if (bytes.byteLength < 8 || u32() !== 0x46554747) fail('not a GGUF file (no GGUF magic)');
  const version = u32();
  if (version !== 2 && version !== 3) fail(`GGUF version ${version} (2 and 3 are read)`);
  const nTensors = u64(), nKv = u64();
  let alignment = 32;
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const v = skipValue(u32());
    if (key === 'general.alignment') alignment = v;
  }
  const infos = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const rank = u32();
    if (rank < 1 || rank > 4) fail(`tensor ${name}: rank ${rank}`);
    const dims = [];
    for (let d = 0; d < rank; d++) dims.push(u64());
    infos.push({ name, shape: dims.reverse(), type: u32(), offset: u64() });
  }
  const base = Math.ceil(at / alignment) * alignment;
  const tensors = new Map();
  for (const t of infos) {
    const dtype = GGML_TYPES[t.type];
    if (!dtype) fail(`tensor ${t.name}: GGML type ${t.type} is not a weight type this executor reads`);
    const n = t.shape.reduce((a, x) => a * x, 1);
    const size = dtype === 'F32' ? 4 * n : dtype === 'Q8_0' ? (n / 32) * 34 : 2 * n;
    if (base + t.offset + size > bytes.byteLength) fail(`tensor ${t.name}: data beyond the end of the file`);
    tensors.set(t.name, { dtype, shape: t.shape, data: bytes.subarray(base + t.offset, base + t.offset + size) });
  }
  return tensors;
}

// The tensors of a checkpoint held as {HF file name: bytes} (a Map), or of
// the one bundle in it (bundle = true).
export function checkpointTensors(files, bundle = false) {
  if (bundle) {
    const [[name, bytes]] = files;
    return parseGguf(bytes, name);
  }
  if (files.has('model.safetensors')) return parseSafetensors(files.get('model.safetensors'));
  const index = files.get('model.safetensors.index.json');
  if (!index) throw new Error('the checkpoint has no model.safetensors or model.safetensors.index.json');
  const tensors = new Map();
  const shards = new Set(Object.values(JSON.parse(new TextDecoder().decode(index)).weight_map ?? {}));
  for (const shard of shards) {
    if (!files.has(shard)) throw new Error(`model.safetensors.index.json names ${shard}, which is missing`);
    for (const [name, t] of parseSafetensors(files.get(shard), shard)) tensors.set(name, t);
  }
  return tensors;
}
