// A safetensors file read from disk (Node).
import { readFileSync } from 'node:fs';
import { parseSafetensors } from './safetensors_parse.mjs';

export function readSafetensors(path) {
  return parseSafetensors(new Uint8Array(readFileSync(path)));
}
