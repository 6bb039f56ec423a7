// safetensors bytes -> tensors, with no Node APIs (the browser test loads
// it too): an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}}, then the data.
export function parseSafetensors(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const base = 8 + n;
  const tensors = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = t.data_offsets;
    // Copy so that each tensor's data is aligned for typed-array views.
    tensors.set(name, { dtype: t.dtype, shape: t.shape, data: bytes.slice(base + begin, base + end) });
  }
  return tensors;
}
