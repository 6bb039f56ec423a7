// A small GGUF (v2/v3) tensor reader for the tests: Cappy bundles
// (docs/bundle-format.md) hold HF-named tensors as F32, F16, BF16 or Q8_0.
// Returns name -> {dtype, shape (PyTorch order), data: Uint8Array view}.
import { readFileSync } from 'node:fs';

const GGML_TYPES = { 0: 'F32', 1: 'F16', 8: 'Q8_0', 30: 'BF16' };
const SCALAR_BYTES = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export function readGguf(path) {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => { const v = view.getUint32(at, true); at += 4; return v; };
  const u64 = () => { const v = Number(view.getBigUint64(at, true)); at += 8; return v; };
  const str = () => { const n = u64(); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const value = (type) => {
    if (type === 8) return str();
    if (type === 9) {
      const elem = u32(), n = u64();
      const out = [];
      for (let i = 0; i < n; i++) out.push(value(elem));
      return out;
    }
    if (!(type in SCALAR_BYTES)) throw new Error(`${path}: unknown GGUF value type ${type}`);
    const v = type === 4 ? view.getUint32(at, true) : null;
    at += SCALAR_BYTES[type];
    return v;
  };

  if (u32() !== 0x46554747) throw new Error(`${path}: not a GGUF file`);
  const version = u32();
  if (version !== 2 && version !== 3) throw new Error(`${path}: GGUF version ${version}`);
  const nTensors = u64(), nKv = u64();
  let alignment = 32;
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const v = value(u32());
    if (key === 'general.alignment') alignment = v;
  }
  const infos = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const dims = [];
    for (let d = u32(); d > 0; d--) dims.push(u64());
    const type = u32();
    infos.push({ name, shape: dims.reverse(), type, offset: u64() });
  }
  const base = Math.ceil(at / alignment) * alignment;
  const tensors = new Map();
  for (const t of infos) {
    const dtype = GGML_TYPES[t.type];
    if (!dtype) throw new Error(`${path}: tensor ${t.name} has GGML type ${t.type}`);
    const n = t.shape.reduce((a, x) => a * x, 1);
    const size = dtype === 'F32' ? 4 * n : dtype === 'Q8_0' ? (n / 32) * 34 : 2 * n;
    tensors.set(t.name, { dtype, shape: t.shape, data: bytes.subarray(base + t.offset, base + t.offset + size) });
  }
  return tensors;
}
