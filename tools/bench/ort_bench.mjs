#!/usr/bin/env node
// onnxruntime-node throughput on a cross-encoder ONNX model: the anchor for docs/benchmarks.md.
//
//   node tools/bench/ort_bench.mjs --model DIR/model.onnx --threads N --batch B --seq S
//                                  [--iters K] [--lengths l1,l2,...] [--seed X] [--interleave]
//
// Feeds random token ids (within the vocabulary, framed <s> ... </s> or [CLS] ... [SEP])
// as one padded batch [B, S]. With --lengths, row i has length lengths[i % n] (capped at S)
// and the batch is padded to the longest row with attention_mask 0, as a scorer would send
// it. One warm-up run, then K timed runs; prints one JSON line.
//
// --interleave (for `cappy bench`, which alternates the engines so that both see the same
// load on a shared machine): after the warm-up, prints a JSON line with everything but the
// times, then runs the batch once per "run" line on stdin and answers each with
// {"ms": ...}; exits at end of input.

import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

function usage(msg) {
  if (msg) console.error(`error: ${msg}`);
  console.error('usage: node tools/bench/ort_bench.mjs --model DIR/model.onnx --threads N --batch B --seq S [--iters K] [--lengths l1,l2,...] [--seed X] [--interleave]');
  process.exit(2);
}

function parseArgs(argv) {
  const opt = { iters: 10, lengths: null, seed: 1, interleave: false };
  const ints = { '--threads': 'threads', '--batch': 'batch', '--seq': 'seq', '--iters': 'iters', '--seed': 'seed' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '-h' || a === '--help') usage();
    if (a === '--interleave') { opt.interleave = true; continue; }
    if (v === undefined) usage(`${a} needs a value`);
    if (a === '--model') opt.model = v;
    else if (a === '--lengths') opt.lengths = v.split(',').map(Number);
    else if (ints[a]) opt[ints[a]] = Number(v);
    else usage(`unknown option ${a}`);
    i++;
  }
  if (!opt.model) usage('--model is required');
  for (const k of ['threads', 'batch', 'seq', 'iters']) {
    if (!Number.isInteger(opt[k]) || opt[k] < 1) usage(`--${k} must be a positive integer`);
  }
  if (opt.lengths && !opt.lengths.every((l) => Number.isInteger(l) && l >= 2)) usage('--lengths must be integers >= 2');
  return opt;
}

// Special ids and vocabulary size from the checkpoint directory, with RoBERTa defaults.
function modelInfo(modelPath) {
  const dir = path.dirname(modelPath);
  let config = {};
  try { config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')); } catch { /* defaults */ }
  const bert = config.model_type === 'bert';
  return {
    vocab: config.vocab_size ?? 50265,
    pad: config.pad_token_id ?? (bert ? 0 : 1),
    cls: bert ? 101 : 0,
    sep: bert ? 102 : 2,
    firstWord: bert ? 999 : 4, // skip [unused*] / <s> <pad> </s> <unk>
  };
}

function makeBatch(opt, info) {
  let state = opt.seed >>> 0 || 1;
  const rand = () => { // xorshift32
    state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    return state;
  };
  const lens = Array.from({ length: opt.batch }, (_, r) =>
    Math.min(opt.seq, opt.lengths ? opt.lengths[r % opt.lengths.length] : opt.seq));
  const n = Math.max(...lens);
  const hi = Math.max(info.firstWord + 1, info.vocab - 1); // exclude the last id (<mask>)
  const ids = new BigInt64Array(opt.batch * n).fill(BigInt(info.pad));
  const mask = new BigInt64Array(opt.batch * n);
  const types = new BigInt64Array(opt.batch * n);
  lens.forEach((len, r) => {
    for (let j = 0; j < len; j++) {
      const id = j === 0 ? info.cls : j === len - 1 ? info.sep : info.firstWord + (rand() % (hi - info.firstWord));
      ids[r * n + j] = BigInt(id);
      mask[r * n + j] = 1n;
    }
  });
  return {
    feeds: {
      input_ids: new ort.Tensor('int64', ids, [opt.batch, n]),
      attention_mask: new ort.Tensor('int64', mask, [opt.batch, n]),
      token_type_ids: new ort.Tensor('int64', types, [opt.batch, n]),
    },
    padded: n,
    tokens: lens.reduce((a, b) => a + b, 0),
  };
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const info = modelInfo(opt.model);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(opt.model, {
    intraOpNumThreads: opt.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const loadMs = performance.now() - t0;
  const { feeds, padded, tokens } = makeBatch(opt, info);
  await session.run(feeds); // warm-up
  const round = (x) => Math.round(x * 1000) / 1000;
  const header = {
    engine: 'onnxruntime-node',
    version: ort.env.versions.node,
    threads: opt.threads,
    batch: opt.batch,
    seq: padded,
    tokens,
    load_ms: round(loadMs),
    model: opt.model,
  };
  if (opt.interleave) return serveRuns(session, feeds, header);
  const times = [];
  for (let i = 0; i < opt.iters; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const sorted = [...times].sort((a, b) => a - b);
  console.log(JSON.stringify({
    ...header,
    iters: opt.iters,
    pairs_per_s: round((opt.batch * 1000) / mean),
    ms_per_batch: round(mean),
    ms_min: round(sorted[0]),
    ms_median: round(sorted[Math.floor(sorted.length / 2)]),
  }));
}

// One timed run per "run" line on stdin, answered in order.
async function serveRuns(session, feeds, header) {
  console.log(JSON.stringify({ ...header, ready: true }));
  const readline = await import('node:readline');
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line.trim() !== 'run') throw new Error(`unexpected command ${JSON.stringify(line)}`);
    const t = performance.now();
    await session.run(feeds);
    console.log(JSON.stringify({ ms: Math.round((performance.now() - t) * 1000) / 1000 }));
  }
}

main().catch((e) => { console.error(`error: ${e.message}`); process.exit(1); });
