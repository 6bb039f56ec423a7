// Weight element conversions for upload: the plan says how a weight lives on
// the device ('f32', 'f16', or 'q8_0' for linear matrices); checkpoints hold
// F32, F16 or BF16 (safetensors) and bundles also Q8_0. Everything is
// little-endian, as safetensors, GGUF and WebGPU are.
//
// Q8_0 is GGML's block format: per 32 consecutive weights of a row, 34 bytes,
// an f16 scale d = max|w| / 127 then 32 int8 q = round(w / d); w = d * q.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

// IEEE half bits -> float.
export function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// float -> IEEE half bits, rounding to nearest even (subnormals included).
export function floatToHalf(x) {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;  // may carry into the exponent: correct
  return sign | half;
}

const Q8_BLOCK = 32;
const Q8_BLOCK_BYTES = 34;

// Bytes of `count` elements of a source (safetensors/GGUF names) or device dtype.
export function storageBytes(dtype, count) {
  switch (dtype) {
    case 'F32': case 'f32': return 4 * count;
    case 'F16': case 'f16': case 'BF16': return 2 * count;
    case 'Q8_0': case 'q8_0':
      if (count % Q8_BLOCK) throw new Error(`Q8_0 data of ${count} elements is not whole blocks of 32`);
      return (count / Q8_BLOCK) * Q8_BLOCK_BYTES;
    default: throw new Error(`unsupported weight dtype ${dtype} (F32, F16, BF16 and Q8_0 are read)`);
  }
}

// One Q8_0 block from 32 floats, as the core's quantize_q8_block does (operation for
// operation, so the bytes are equal): the f16 scale max|x| / 127, then twice a least-squares
// refit of the scale to the rounded values; the candidate with the least squared error wins.
function roundQ8(x, d, q) {
  const inv = d > 0 ? Math.fround(1 / d) : 0;
  for (let i = 0; i < Q8_BLOCK; i++) {
    const y = Math.fround(x[i] * inv);
    q[i] = Math.max(-127, Math.min(127, Math.sign(y) * Math.round(Math.abs(y))));  // lround: halves away from zero
  }
}

function q8Error(x, d, q) {
  let e = 0;
  for (let i = 0; i < Q8_BLOCK; i++) {
    const r = x[i] - d * q[i];
    e += r * r;
  }
  return e;
}

function quantizeBlock(x, view, at) {
  let amax = 0;
  for (let i = 0; i < Q8_BLOCK; i++) amax = Math.max(amax, Math.abs(x[i]));
  const asStored = (v) => halfToFloat(floatToHalf(Math.fround(v)));
  let d = asStored(amax / 127);
  const q = new Int8Array(Q8_BLOCK);
  roundQ8(x, d, q);
  let bestD = d;
  let bestE = q8Error(x, d, q);
  const bestQ = Int8Array.from(q);
  for (let step = 0; step < 2 && amax > 0; step++) {
    let xq = 0;
    let qq = 0;
    for (let i = 0; i < Q8_BLOCK; i++) {
      xq += x[i] * q[i];
      qq += q[i] * q[i];
    }
    if (qq === 0) break;
    d = asStored(xq / qq);
    if (!(d > 0)) break;
    roundQ8(x, d, q);
    const e = q8Error(x, d, q);
    if (e < bestE) {
      bestE = e;
      bestD = d;
      bestQ.set(q);
    }
  }
  view.setUint16(at, floatToHalf(bestD), true);
  for (let i = 0; i < Q8_BLOCK; i++) view.setInt8(at + 2 + i, bestQ[i]);
}

// A reader of element i as a float, for a source dtype.
function elementReader(src, srcDtype) {
  const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  switch (srcDtype) {
    case 'F32': return (i) => sv.getFloat32(4 * i, true);
    case 'F16': return (i) => halfToFloat(sv.getUint16(2 * i, true));
    case 'BF16': return (i) => { u32[0] = sv.getUint16(2 * i, true) << 16; return f32[0]; };
    case 'Q8_0': return (i) => {
      const block = Math.floor(i / Q8_BLOCK) * Q8_BLOCK_BYTES;
      return Math.fround(halfToFloat(sv.getUint16(block, true)) * sv.getInt8(block + 2 + (i % Q8_BLOCK)));
    };
    default: throw new Error(`unsupported weight dtype ${srcDtype} (F32, F16, BF16 and Q8_0 are read)`);
  }
}

// Converts `count` elements of `src` (Uint8Array in srcDtype: F32|F16|BF16|Q8_0)
// into `dst` (Uint8Array) as the device dtype 'f32', 'f16' or 'q8_0'.
export function convertElements(src, srcDtype, dst, dstDtype, count) {
  const need = storageBytes(srcDtype, count);
  if (src.byteLength < need) throw new Error(`weight data holds ${src.byteLength} bytes, need ${need}`);
  if (srcDtype.toLowerCase() === dstDtype) {
    dst.set(src.subarray(0, need));
    return;
  }
  const read = elementReader(src, srcDtype);
  const dv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  if (dstDtype === 'f32') {
    for (let i = 0; i < count; i++) dv.setFloat32(4 * i, read(i), true);
  } else if (dstDtype === 'f16') {
    for (let i = 0; i < count; i++) {
      const v = read(i);
      // bf16 weights run as f16: exact for every |w| <= 65504, the rest would be infinity.
      if (srcDtype === 'BF16' && Math.abs(v) > 65504 && Number.isFinite(v))
        throw new Error(`BF16 weight ${v} (element ${i}) is outside f16's range (WebGPU runs bf16 weights as f16): convert with --dtype f16 or f32, or run on the CPU`);
      dv.setUint16(2 * i, floatToHalf(v), true);
    }
  } else if (dstDtype === 'q8_0') {
    storageBytes('q8_0', count);
    const block = new Float32Array(Q8_BLOCK);
    for (let b = 0; b < count / Q8_BLOCK; b++) {
      for (let i = 0; i < Q8_BLOCK; i++) block[i] = read(b * Q8_BLOCK + i);
      quantizeBlock(block, dv, b * Q8_BLOCK_BYTES);
    }
  } else {
    throw new Error(`unsupported device dtype ${dstDtype}`);
  }
}
