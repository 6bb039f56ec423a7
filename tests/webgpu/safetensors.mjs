// A safetensors file read from disk (Node), through the executor's reader.
import { readFileSync } from 'node:fs';
import { parseSafetensors } from '../../wasm/webgpu/weights.mjs';

export function readSafetensors(path) {
  return parseSafetensors(new Uint8Array(readFileSync(path)), path);
}
