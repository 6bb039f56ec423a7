#!/usr/bin/env node
// Reference scores for a cross-encoder fixture: @huggingface/tokenizers ids + onnxruntime-node logits.
//
//   node tests/reference/ort_reference.mjs FIXTURE_DIR CASES.jsonl OUT.json [--compare COMMITTED.json] [--tol 1e-5]
//
// For each (instruction, response) in CASES.jsonl it
//   1. tokenizes both sides with the fixture's tokenizer.json (no special tokens),
//   2. truncates the pair longest_first to tokenizer_config.json's model_max_length,
//      with the algorithm of HF tokenizers (Rust) `truncate_encodings`, after reserving
//      room for the special tokens, as HF fast tokenizers do for `truncation=True`;
//      a truncated pair's ids are then HF's Rust library's own (npm `tokenizers`, which
//      since 0.23 stops tokenizing each text at max_length first and so may give the
//      odd token to the other side), checked to keep the same total length,
//   3. frames the pair with the tokenizer.json post_processor (<s> A </s></s> B </s>, or
//      [CLS] A [SEP] B [SEP] with type ids 0/1), and checks that framing against the
//      tokenizer's own pair encoding whenever no truncation was needed,
//   4. runs model.onnx on each pair alone (batch 1), on all pairs as one padded batch and on
//      each "group" as one padded batch (attention_mask 0 on padding), and fails unless all
//      agree within --tol (padding must be harmless in the reference),
// then writes {fixture, max_length, cases: [{id, instruction, response, group?, ids, type_ids, logits}]}.
// With --compare it also checks the result against a committed expected.json: ids exactly,
// logits within --tol. Exit status 0 on success, 1 on any mismatch.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';

function usage(msg) {
  if (msg) console.error(`error: ${msg}`);
  console.error('usage: node tests/reference/ort_reference.mjs FIXTURE_DIR CASES.jsonl OUT.json [--compare COMMITTED.json] [--tol 1e-5]');
  process.exit(2);
}

function parseArgs(argv) {
  const pos = [];
  const opt = { tol: 1e-5, compare: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--compare') opt.compare = argv[++i];
    else if (a === '--tol') opt.tol = Number(argv[++i]);
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else pos.push(a);
  }
  if (pos.length !== 3) usage('expected FIXTURE_DIR CASES.jsonl OUT.json');
  [opt.fixtureDir, opt.casesPath, opt.outPath] = pos;
  if (!(opt.tol >= 0)) usage('--tol must be a non-negative number');
  return opt;
}

const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));

function tokenizersVersion() {
  try {
    const main = new URL(import.meta.resolve('@huggingface/tokenizers'));
    return readJson(new URL('../package.json', main)).version;
  } catch {
    return '?';
  }
}

// ---------------------------------------------------------------------------
// Pair encoding
// ---------------------------------------------------------------------------

// HF tokenizers truncate_encodings, LongestFirst with a pair, direction right, stride 0.
// n1 is the shorter side; if both must shrink, the shorter gets floor(max/2) and the longer
// the rest (on a tie the second sequence is the "longer" one and gets the odd token).
export function truncateLongestFirst(a, b, maxLength) {
  if (a.length + b.length <= maxLength) return [a, b];
  let n1 = a.length;
  let n2 = b.length;
  const swap = n1 > n2;
  if (swap) [n1, n2] = [n2, n1];
  n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1);
  if (n1 + n2 > maxLength) {
    n1 = Math.floor(maxLength / 2);
    n2 = n1 + (maxLength % 2);
  }
  if (swap) [n1, n2] = [n2, n1];
  return [a.slice(0, n1), b.slice(0, n2)];
}

// Frames (a, b) with the post_processor of tokenizer.json; returns {ids, type_ids}.
function makeFramer(tokenizerJson) {
  const pp = tokenizerJson.post_processor;
  if (!pp) throw new Error('tokenizer.json has no post_processor');
  if (pp.type === 'RobertaProcessing' || pp.type === 'BertProcessing') {
    const cls = pp.cls[1];
    const sep = pp.sep[1];
    if (pp.type === 'RobertaProcessing') {
      // <s> A </s> </s> B </s>; RoBERTa has a single token type.
      return (a, b) => {
        const ids = [cls, ...a, sep, sep, ...b, sep];
        return { ids, type_ids: ids.map(() => 0) };
      };
    }
    return (a, b) => ({
      ids: [cls, ...a, sep, ...b, sep],
      type_ids: [0, ...a.map(() => 0), 0, ...b.map(() => 1), 1],
    });
  }
  if (pp.type === 'TemplateProcessing') {
    return (a, b) => {
      const ids = [];
      const type_ids = [];
      for (const piece of pp.pair) {
        if (piece.SpecialToken) {
          const st = pp.special_tokens[piece.SpecialToken.id];
          for (const id of st.ids) { ids.push(id); type_ids.push(piece.SpecialToken.type_id); }
        } else {
          const seq = piece.Sequence.id === 'A' ? a : b;
          for (const id of seq) { ids.push(id); type_ids.push(piece.Sequence.type_id); }
        }
      }
      return { ids, type_ids };
    };
  }
  throw new Error(`unsupported post_processor ${pp.type}`);
}

function sameArray(x, y) {
  return x.length === y.length && x.every((v, i) => Number(v) === Number(y[i]));
}

// ---------------------------------------------------------------------------
// ONNX runs
// ---------------------------------------------------------------------------

async function runBatch(session, encs, padId) {
  const n = Math.max(...encs.map((e) => e.ids.length));
  const b = encs.length;
  const ids = new BigInt64Array(b * n).fill(BigInt(padId));
  const mask = new BigInt64Array(b * n);
  const types = new BigInt64Array(b * n);
  encs.forEach((e, r) => {
    e.ids.forEach((id, j) => {
      ids[r * n + j] = BigInt(id);
      mask[r * n + j] = 1n;
      types[r * n + j] = BigInt(e.type_ids[j]);
    });
  });
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, [b, n]),
    attention_mask: new ort.Tensor('int64', mask, [b, n]),
    token_type_ids: new ort.Tensor('int64', types, [b, n]),
  };
  const out = (await session.run(feeds)).logits;
  const labels = out.dims[1];
  return encs.map((_, r) => Array.from(out.data.slice(r * labels, (r + 1) * labels)));
}

const maxAbsDiff = (xs, ys) => Math.max(0, ...xs.flatMap((x, i) => x.map((v, j) => Math.abs(v - ys[i][j]))));

// ---------------------------------------------------------------------------

function formatResult(result) {
  // One case per line: short diffs when a case changes.
  const head = JSON.stringify({ fixture: result.fixture, max_length: result.max_length });
  const lines = result.cases.map((c) => '  ' + JSON.stringify(c));
  return `${head.slice(0, -1)},"cases":[\n${lines.join(',\n')}\n]}\n`;
}

function compareWith(result, committedPath, tol) {
  const committed = readJson(committedPath);
  const errors = [];
  if (committed.max_length !== result.max_length) errors.push(`max_length ${committed.max_length} != ${result.max_length}`);
  if (committed.cases.length !== result.cases.length) errors.push(`${committed.cases.length} cases != ${result.cases.length}`);
  let worst = 0;
  result.cases.forEach((c, i) => {
    const k = committed.cases[i];
    if (!k) return;
    if (k.instruction !== c.instruction || k.response !== c.response) errors.push(`case ${i} (${c.id}): texts differ`);
    if (!sameArray(k.ids, c.ids)) errors.push(`case ${i} (${c.id}): ids differ`);
    if (!sameArray(k.type_ids, c.type_ids)) errors.push(`case ${i} (${c.id}): type_ids differ`);
    const d = maxAbsDiff([k.logits], [c.logits]);
    worst = Math.max(worst, d);
    if (!(d <= tol)) errors.push(`case ${i} (${c.id}): logits differ by ${d}`);
  });
  return { errors, worst };
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const dir = opt.fixtureDir;
  const tokenizerJson = readJson(path.join(dir, 'tokenizer.json'));
  const tokenizerConfig = readJson(path.join(dir, 'tokenizer_config.json'));
  const modelConfig = readJson(path.join(dir, 'config.json'));
  const maxLength = tokenizerConfig.model_max_length;
  if (!Number.isInteger(maxLength)) throw new Error(`${dir}/tokenizer_config.json: model_max_length missing`);
  const padId = modelConfig.pad_token_id ?? 0;

  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const frame = makeFramer(tokenizerJson);
  const nSpecial = frame([], []).ids.length;
  const budget = maxLength - nSpecial;

  const cases = fs.readFileSync(opt.casesPath, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try { return JSON.parse(l); } catch (e) { throw new Error(`${opt.casesPath}:${i + 1}: ${e.message}`); }
  });

  const hf = createRequire(import.meta.url)('tokenizers').Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  hf.setTruncation(maxLength, { strategy: 'LongestFirst' });
  let truncated = 0;
  const encs = [];
  for (const c of cases) {
    const a = tokenizer.encode(c.instruction, { add_special_tokens: false }).ids;
    const b = tokenizer.encode(c.response, { add_special_tokens: false }).ids;
    const [ta, tb] = truncateLongestFirst(a, b, budget);
    let enc = frame(ta, tb);
    if (ta.length + tb.length < a.length + b.length) {
      truncated++;
      const h = await hf.encode(c.instruction, c.response, { addSpecialTokens: true });
      if (h.getIds().length !== enc.ids.length) throw new Error(`case ${c.id}: HF truncated to ${h.getIds().length} tokens, not ${enc.ids.length}`);
      enc = { ids: h.getIds(), type_ids: h.getTypeIds() };
    } else if (c.instruction !== '' && c.response !== '') {
      // Our framing must equal the tokenizer's own pair encoding. Two known differences of
      // tokenizers.js from HF tokenizers (Rust) are left out of the check: an empty text_pair
      // is dropped (Rust frames it: [CLS] A [SEP] [SEP]), and RobertaProcessing gets type id 1
      // on the second sequence (Rust: "every encoding is type_id=0"; RoBERTa has 1 type).
      const ref = tokenizer.encode(c.instruction, { text_pair: c.response, return_token_type_ids: true });
      const typesChecked = tokenizerJson.post_processor.type !== 'RobertaProcessing';
      if (!sameArray(ref.ids, enc.ids) || (typesChecked && !sameArray(ref.token_type_ids, enc.type_ids))) {
        throw new Error(`case ${c.id}: pair framing differs from the tokenizer's: ${JSON.stringify(ref)} vs ${JSON.stringify(enc)}`);
      }
    }
    if (enc.ids.length > maxLength) throw new Error(`case ${c.id}: ${enc.ids.length} tokens > ${maxLength}`);
    encs.push(enc);
  }

  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
    intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'disabled',
  });
  const single = [];
  for (const e of encs) single.push((await runBatch(session, [e], padId))[0]);
  const all = await runBatch(session, encs, padId);
  const checks = [['all cases as one batch', maxAbsDiff(all, single)]];
  const groups = new Map();
  cases.forEach((c, i) => { if (c.group) groups.set(c.group, [...(groups.get(c.group) || []), i]); });
  for (const [g, idx] of groups) {
    const got = await runBatch(session, idx.map((i) => encs[i]), padId);
    checks.push([`group ${g} (${idx.length} pairs)`, maxAbsDiff(got, idx.map((i) => single[i]))]);
  }

  const result = {
    fixture: path.basename(path.resolve(dir)),
    max_length: maxLength,
    cases: cases.map((c, i) => ({
      id: c.id,
      instruction: c.instruction,
      response: c.response,
      ...(c.group ? { group: c.group } : {}),
      ids: encs[i].ids,
      type_ids: encs[i].type_ids,
      logits: single[i],
    })),
  };
  fs.mkdirSync(path.dirname(path.resolve(opt.outPath)), { recursive: true });
  fs.writeFileSync(opt.outPath, formatResult(result));

  const versions = `onnxruntime-node ${ort.env.versions.node}, @huggingface/tokenizers ${tokenizersVersion()}`;
  console.log(`${result.fixture}: ${cases.length} cases (${truncated} truncated to ${maxLength}), ${versions}`);
  let ok = true;
  for (const [what, d] of checks) {
    const pass = d <= opt.tol;
    ok &&= pass;
    console.log(`  padded batch vs batch 1, ${what}: max |diff| ${d.toExponential(2)} ${pass ? 'ok' : 'FAIL'}`);
  }
  if (opt.compare) {
    const { errors, worst } = compareWith(result, opt.compare, opt.tol);
    console.log(`  vs ${opt.compare}: max |logit diff| ${worst.toExponential(2)}, ${errors.length ? 'FAIL' : 'ok'}`);
    for (const e of errors) console.log(`    ${e}`);
    ok &&= errors.length === 0;
  }
  console.log(`  wrote ${opt.outPath}`);
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(`error: ${e.message}`); process.exit(1); });
