// A Cappy bundle (GGUF) read from disk (Node), through the executor's reader.
import { readFileSync } from 'node:fs';
import { parseGguf } from '../../wasm/webgpu/weights.mjs';

export function readGguf(path) {
  return parseGguf(new Uint8Array(readFileSync(path)), path);
}
