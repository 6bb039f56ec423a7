// Weight element conversions for upload: the plan says how a weight lives on
// the device (f32, or f16 for linear matrices); checkpoints hold F32, F16 or
// BF16. Everything is little-endian, as safetensors and WebGPU are.

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

const SOURCE_BYTES = { F32: 4, F16: 2, BF16: 2 };

// Converts `count` elements of `src` (Uint8Array, dtype F32|F16|BF16) into
// `dst` (Uint8Array) as 'f32' or 'f16'.
export function convertElements(src, srcDtype, dst, dstDtype, count) {
  const size = SOURCE_BYTES[srcDtype];
  if (!size) throw new Error(`unsupported weight dtype ${srcDtype} (F32, F16 and BF16 are read)`);
  if (src.byteLength < count * size) throw new Error(`weight data holds ${src.byteLength} bytes, need ${count * size}`);
  const sv = new DataView(src.buffer, src.byteOffset, count * size);
  const dv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  if (dstDtype === 'f16' && srcDtype === 'F16') {
    dst.set(src.subarray(0, count * 2));
    return;
  }
  if (dstDtype === 'f32' && srcDtype === 'F32') {
    dst.set(src.subarray(0, count * 4));
    return;
  }
  const read = srcDtype === 'F32' ? (i) => sv.getFloat32(4 * i, true)
    : srcDtype === 'F16' ? (i) => halfToFloat(sv.getUint16(2 * i, true))
      : (i) => { u32[0] = sv.getUint16(2 * i, true) << 16; return f32[0]; };
  if (dstDtype === 'f32') {
    for (let i = 0; i < count; i++) dv.setFloat32(4 * i, read(i), true);
  } else if (dstDtype === 'f16') {
    for (let i = 0; i < count; i++) dv.setUint16(2 * i, floatToHalf(read(i)), true);
  } else {
    throw new Error(`unsupported device dtype ${dstDtype}`);
  }
}
