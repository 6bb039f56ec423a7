// The fixtures as the WebGPU tests use them: weights, config, reference
// cases, packed batches (ids | type ids | positions | offsets), and the
// plan for a batch shape from the native `cappy plan` command.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from './safetensors.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cappyBin = process.env.CAPPY_BIN ?? join(root, 'build', 'bin', 'cappy');
export const kernelsModule = process.env.CAPPY_WGSL_KERNELS ?? join(root, 'build', 'generated', 'wgsl_kernels.mjs');

export function loadFixture(name) {
  const dir = join(root, 'tests', 'fixtures', name);
  return {
    dir,
    config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')),
    tensors: readSafetensors(join(dir, 'model.safetensors')),
  };
}

// Position ids as HF computes them: RoBERTa counts non-pad tokens from
// pad_token_id + 1; BERT numbers 0..n-1. (Written here independently of the
// core's pack_batch.)
function positionsOf(ids, config) {
  if (config.model_type === 'bert') return ids.map((_, i) => i);
  const pad = config.pad_token_id;
  let running = pad;
  return ids.map((id) => (id === pad ? pad : ++running));
}

export function packCases(cases, config) {
  const ids = [], typeIds = [], positions = [], offsets = [0];
  for (const c of cases) {
    ids.push(...c.ids);
    typeIds.push(...c.type_ids);
    positions.push(...positionsOf(c.ids, config));
    offsets.push(ids.length);
  }
  const maxLen = Math.max(...cases.map((c) => c.ids.length));
  return {
    batch: { ids: Int32Array.from(ids), typeIds: Int32Array.from(typeIds), positions: Int32Array.from(positions), offsets: Int32Array.from(offsets) },
    shape: { tokens: ids.length, pairs: cases.length, maxLen },
  };
}

export function planFor(fixture, shape, { weights = 'f32', withWgsl = false } = {}) {
  const args = ['plan', '--model', fixture.dir, '--tokens', String(shape.tokens), '--pairs', String(shape.pairs),
    '--max-pair-tokens', String(shape.maxLen), '--weights', weights];
  if (withWgsl) args.push('--with-wgsl');
  return JSON.parse(execFileSync(cappyBin, args, { encoding: 'utf8' }));
}
