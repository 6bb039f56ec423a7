// Long pairs (up to 512 tokens: the attention kernel's longest-key rows,
// smallest query tile, most threads per softmax row) on a random-weight
// RoBERTa with a 520-position table, against the native CPU backend on the
// same checkpoint. Weights are written here (seeded), the tokenizer is the
// converter fixture's with model_max_length 512.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createExecutor } from '../../wasm/webgpu/executor.mjs';
import { cappyBin, kernelsModule, packCases, planFor, root } from './fixtures.mjs';
import { nodeDevice } from './gpu.mjs';

const { wgslKernels } = await import(kernelsModule);
const source = join(root, 'tests', 'fixtures', 'converter', 'small-roberta');
const dir = mkdtempSync(join(tmpdir(), 'cappy-long-'));
let gpu;
before(async () => { gpu = await nodeDevice(); });
after(() => { gpu?.device.destroy(); rmSync(dir, { recursive: true, force: true }); });

const cappy = (args, input) => execFileSync(cappyBin, args, { input, encoding: 'utf8', maxBuffer: 1 << 26 });

// Seeded normal numbers (mulberry32 + Box-Muller).
function normals(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function writeModel() {
  const config = {
    architectures: ['RobertaForSequenceClassification'], model_type: 'roberta', hidden_size: 64,
    num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 128, max_position_embeddings: 520,
    vocab_size: 1761, type_vocab_size: 1, pad_token_id: 1, layer_norm_eps: 1e-5, hidden_act: 'gelu',
    id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  for (const f of ['vocab.json', 'merges.txt', 'tokenizer.json', 'special_tokens_map.json']) copyFileSync(join(source, f), join(dir, f));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'RobertaTokenizer', model_max_length: 512 }));

  // Every tensor the plan names, by its parts' shapes.
  const plan = planFor({ dir }, { tokens: 8, pairs: 1, maxLen: 8 });
  const next = normals(20261201);
  const tensors = new Map();
  for (const b of plan.buffers.filter((x) => x.role === 'weight')) {
    const shape = [b.shape[0] / b.parts.length, ...b.shape.slice(1)];
    for (const name of b.parts) {
      const n = shape.reduce((x, y) => x * y, 1);
      const v = new Float32Array(n);
      const ln = name.includes('LayerNorm.weight');
      for (let i = 0; i < n; i++) v[i] = ln ? 1 + 0.1 * next() : (shape.length === 1 ? 0.1 : 0.2) * next();
      tensors.set(name, { dtype: 'F32', shape, data: new Uint8Array(v.buffer) });
    }
  }
  // model.safetensors: header length, JSON header (padded to 8 bytes), data.
  const header = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(json.length), true);
  writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([length, Buffer.from(json), ...[...tensors.values()].map((t) => t.data)]));
  return tensors;
}

test('pairs of up to 512 tokens match the CPU backend within 1e-3', async (t) => {
  const tensors = writeModel();
  const words = 'the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing matches'.split(' ');
  const text = (n, k) => Array.from({ length: n }, (_, i) => words[(i * k) % words.length]).join(' ');
  const pairs = [[text(300, 3), text(400, 5)], [text(40, 7), text(60, 1)], [text(120, 11), text(2, 1)], [text(5, 2), text(3, 3)]];
  const lines = pairs.map(([a, b]) => JSON.stringify({ instruction: a, responses: [b] })).join('\n') + '\n';
  const cpu = cappy(['score', '--model', dir, '--threads', '1'], lines).trim().split('\n').map((l) => JSON.parse(l).scores[0]);
  const encoded = cappy(['tokenize', '--model', dir], pairs.map(([a, b]) => JSON.stringify({ text: a, pair: b })).join('\n') + '\n')
    .trim().split('\n').map((l) => JSON.parse(l));
  const lengths = encoded.map((e) => e.ids.length);
  assert.equal(Math.max(...lengths), 512, `lengths ${lengths}`);
  const { batch, shape } = packCases(encoded, { model_type: 'roberta', pad_token_id: 1 });
  const plan = planFor({ dir }, shape);
  const attention = plan.dispatches.find((d) => d.kernel === 'attention');
  assert.deepEqual(attention.constants, { QUERY_TILE: 7, MAX_KEYS: 512 });
  const ex = createExecutor(gpu.device, { kernels: wgslKernels, weights: (n) => tensors.get(n) });
  const got = await ex.run(plan, batch);
  ex.dispose();
  const diff = Math.max(...cpu.map((x, i) => Math.abs(x - got[i])));
  t.diagnostic(`max |gpu - cpu| ${diff}`);
  assert.ok(diff < 1e-3, `max |gpu - cpu| ${diff}: gpu ${Array.from(got)}, cpu ${cpu}`);
  assert.ok(new Set(cpu.map((x) => x.toFixed(4))).size === cpu.length, 'the pairs score differently');
});
