#!/usr/bin/env node
// Tokenizer conformance: every line of corpus.jsonl (>= 5,000 Unicode-heavy
// texts, tools/gen_tokenizer_corpus.mjs) through `cappy tokenize`, for every
// supported kind, as single texts and as pairs (line i with line i+1), with
// and without truncation, against independent implementations:
//
//   HF    HF's Rust library (npm `tokenizers`, its Node binding): the
//         definition of the tokenizer.json kinds. Ids AND type ids must be
//         identical on every line, truncation done by HF itself
//         (setTruncation LongestFirst). No exceptions.
//   JS    @huggingface/tokenizers (Tokenizers.js): ids without special
//         tokens, template and longest_first applied here (it has no
//         truncation). Where it differs from the project, HF must agree with
//         the project (so the JS oracle is the one that is wrong), the
//         difference must fall in one of its documented bugs (README.md),
//         and the line must be listed in js_oracle_exceptions.json.
//   SPM   spm_encode (Debian's sentencepiece tool) for the sentencepiece
//         model files: every line it can take (no line breaks inside, no
//         special-token text, which the project cuts out first as HF's slow
//         tokenizers do) must give the same ids after the kind's id mapping.
//   T5-JSON  the t5 sentencepiece route against the t5 tokenizer.json
//         route: two definitions (sentencepiece vs HF's conversion) that
//         differ on some lines by design; the lines must equal
//         spm_vs_tokenizer_json.json (README.md says why they differ).
//
// Usage: CAPPY_BIN=build/bin/cappy node tests/tokenizers/conformance.mjs [--update] [--only=TEXT]
//   --update rewrites the two exception lists from this run (review the diff).
//   --only=TEXT runs only the kinds whose name contains TEXT (while developing;
//   the exception lists are then not checked).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const shared = join(root, '..', 'shared', 'data', 'tokenizers');
const bin = process.env.CAPPY_BIN;
assert.ok(bin, 'set CAPPY_BIN to the cappy executable');
const update = process.argv.includes('--update');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const selected = (kind) => !only || kind.name.includes(only);
const require = createRequire(import.meta.url);
const HF = require('tokenizers');  // HF's Rust library
const { Tokenizer: JsTokenizer } = await import('@huggingface/tokenizers');

const corpusPath = join(here, 'corpus.jsonl');
const corpus = readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
const failures = [];
const fail = (message) => {
  failures.push(message);
  if (failures.length <= 30) console.error('FAIL ' + message);
};
const show = (s) => JSON.stringify(s).slice(0, 160);

// The corpus is what its generator writes.
{
  const scratch = mkdtempSync(join(tmpdir(), 'cappy-corpus-'));
  execFileSync(process.execPath, [join(root, 'tools', 'gen_tokenizer_corpus.mjs'), join(scratch, 'c.jsonl')]);
  if (readFileSync(join(scratch, 'c.jsonl'), 'utf8') !== readFileSync(corpusPath, 'utf8')) {
    fail('corpus.jsonl differs from what tools/gen_tokenizer_corpus.mjs writes');
  }
  rmSync(scratch, { recursive: true, force: true });
}
assert.ok(corpus.length >= 5000, `corpus has ${corpus.length} lines`);

const scratch = mkdtempSync(join(tmpdir(), 'cappy-conformance-'));
function copyDir(name, source, files) {
  const dir = join(scratch, name);
  execFileSync('mkdir', ['-p', dir]);
  for (const f of files) if (existsSync(join(source, f))) copyFileSync(join(source, f), join(dir, f));
  return dir;
}

// Inputs: singles (line i), pairs (line i, line i+1).
const singles = corpus.map((text) => ({ text }));
const pairs = corpus.map((text, i) => ({ text, pair: corpus[(i + 1) % corpus.length] }));
// Truncation lengths small enough to cut most lines of the corpus.
const TRUNCATION = { single: 24, pair: 40 };

function cappyTokenize(kind, inputs, maxLength) {
  const args = ['tokenize', '--model', kind.dir, '--max-length', String(maxLength)];
  if (kind.modelType) args.push('--model-type', kind.modelType);
  const r = spawnSync(bin, args, { input: inputs.map((o) => JSON.stringify(o)).join('\n') + '\n', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `cappy tokenize (${kind.name}) failed: ${r.stderr}`);
  const out = r.stdout.toString('utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  assert.equal(out.length, inputs.length, `${kind.name}: ${out.length} output lines for ${inputs.length} inputs`);
  return out;
}

// HF's longest_first (truncation.rs), for oracles without truncation.
function longestFirst(a, b, budget) {
  if (a + b <= budget) return [a, b];
  const swapped = a > b;
  let n1 = swapped ? b : a;
  let n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = Math.floor(budget / 2);
    n2 = n1 + (budget % 2);
  }
  if (swapped) [n1, n2] = [n2, n1];
  return [Math.min(n1, a), Math.min(n2, b)];
}
// Where HF's tokenize_with_limit stops a text of raw ids at maxLength: the
// end of the first model-made word (HF's word ids) that reaches maxLength,
// else the whole text. Added tokens are not break points; a token is one
// when its id is an added token's and the text it covers is that token
// (a model's own [UNK] covers other text).
function lengthSeenByTruncation(text, raw, maxLength, added) {
  const { ids, wordIds, offsets } = raw;
  const chars = [...text];
  const isAdded = (p) => added.has(ids[p]) && chars.slice(offsets[p][0], offsets[p][1]).join('').trim() === added.get(ids[p]);
  for (let p = 0; p < ids.length; p++) {
    const wordEnds = p + 1 === ids.length || wordIds[p + 1] !== wordIds[p];
    if (wordEnds && p + 1 >= maxLength && !isAdded(p)) return p + 1;
  }
  return ids.length;
}
// Applies a kind's template (special ids) and truncation to raw ids; `seen`
// are the lengths HF's pair rule sees (lengthSeenByTruncation).
function assemble(t, a, b, maxLength, seen) {
  if (b === undefined) {
    const keep = maxLength ? Math.min(a.length, maxLength - t.single[0].length - t.single[1].length) : a.length;
    return [...t.single[0], ...a.slice(0, keep), ...t.single[1]];
  }
  const added = t.pair[0].length + t.pair[1].length + t.pair[2].length;
  const [ka, kb] = maxLength ? longestFirst(seen[0], seen[1], maxLength - added) : [a.length, b.length];
  return [...t.pair[0], ...a.slice(0, ka), ...t.pair[1], ...b.slice(0, kb), ...t.pair[2]];
}
const same = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);

// ---- The kinds -------------------------------------------------------------
const rob = join(shared, 'roberta-base');
const bert = join(shared, 'bert-base-uncased');
const t5 = join(shared, 't5');
const KINDS = [
  { name: 'roberta-base tokenizer.json', dir: rob, json: join(rob, 'tokenizer.json'), config: join(rob, 'tokenizer_config.json'),
    template: { single: [[0], [2]], pair: [[0], [2, 2], [2]] } },
  { name: 'roberta-base vocab.json+merges.txt', dir: copyDir('roberta-legacy', rob, ['vocab.json', 'merges.txt', 'tokenizer_config.json']),
    modelType: 'roberta', json: join(rob, 'tokenizer.json'), config: join(rob, 'tokenizer_config.json'),
    template: { single: [[0], [2]], pair: [[0], [2, 2], [2]] }, jsName: 'roberta-base tokenizer.json' },
  { name: 'bert-base-uncased tokenizer.json', dir: bert, json: join(bert, 'tokenizer.json'),
    template: { single: [[101], [102]], pair: [[101], [102], [102]] } },
  { name: 'bert-base-uncased vocab.txt', dir: copyDir('bert-legacy', bert, ['vocab.txt']), modelType: 'bert',
    json: join(bert, 'tokenizer.json'), template: { single: [[101], [102]], pair: [[101], [102], [102]] },
    jsName: 'bert-base-uncased tokenizer.json' },
  { name: 't5 tokenizer.json', dir: t5, json: join(t5, 'tokenizer.json'), config: join(t5, 'tokenizer_config.json'),
    template: { single: [[], [1]], pair: [[], [1], [1]] } },
  // XLM-R's tokenizer.json pipeline (Precompiled + Replace(" {2,}", " "),
  // Metaspace alone, <s> A </s></s> B </s>) on T5's vocabulary: no XLM-R
  // tokenizer.json is available offline; HF runs the same file.
  xlmrStyleKind(),
  // BPE that is not byte-level (tools/make_bpe_fixtures.py): sentencepiece-style
  // with byte_fallback and fuse_unk under Metaspace, and subword BPE with
  // continuing_subword_prefix, end_of_word_suffix and ignore_merges.
  { name: 'BPE sentencepiece-style tokenizer.json (byte_fallback)', dir: fixture('bpe-spm'), json: join(fixture('bpe-spm'), 'tokenizer.json'),
    template: { single: [[1], [2]], pair: [[1], [2], [2]] } },
  bpeMissingBytesKind(),
  bpeFirstKind(),
  { name: 'BPE subword tokenizer.json (##, </w>, ignore_merges)', dir: fixture('bpe-subword'), json: join(fixture('bpe-subword'), 'tokenizer.json'),
    jsName: 'none', template: { single: [[2], [3]], pair: [[2], [3], [3]] } },
].filter(selected);
function fixture(name) {
  return join(root, 'tests', 'fixtures', name);
}
// The sentencepiece-style BPE as newer HF exports write it (Llama-style,
// legacy=false): Metaspace prepends only at the very start of the text
// (prepend_scheme "first"), so not after a leading added token.
function bpeFirstKind() {
  const json = JSON.parse(readFileSync(join(fixture('bpe-spm'), 'tokenizer.json'), 'utf8'));
  json.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  const dir = join(scratch, 'bpe-first');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  return { name: 'BPE sentencepiece-style tokenizer.json, Metaspace prepend_scheme first', dir,
           json: join(dir, 'tokenizer.json'), template: { single: [[1], [2]], pair: [[1], [2], [2]] } };
}
// The sentencepiece-style BPE without the byte tokens that lead 4-byte UTF-8
// (<0xF0>..<0xF4>) and with Metaspace splitting words: characters above
// U+FFFF missing from the vocabulary become <unk> (fused), next to
// byte-fallback ones, which HF orders in its own way (char_bpe_model.h).
function bpeMissingBytesKind() {
  const json = JSON.parse(readFileSync(join(fixture('bpe-spm'), 'tokenizer.json'), 'utf8'));
  for (const b of ['F0', 'F1', 'F2', 'F3', 'F4']) delete json.model.vocab[`<0x${b}>`];
  json.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true };
  const dir = join(scratch, 'bpe-missing-bytes');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  return { name: 'BPE sentencepiece-style tokenizer.json, split words, no <0xF0>..<0xF4> (unk + byte_fallback)', dir,
           json: join(dir, 'tokenizer.json'), template: { single: [[1], [2]], pair: [[1], [2], [2]] } };
}
function xlmrStyleKind() {
  const json = JSON.parse(readFileSync(join(t5, 'tokenizer.json'), 'utf8'));
  json.normalizer = { type: 'Sequence', normalizers: [json.normalizer, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] };
  json.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', add_prefix_space: true };
  json.post_processor = { type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<pad>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<pad>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } },
           { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    special_tokens: { '<pad>': { id: '<pad>', ids: [0], tokens: ['<pad>'] }, '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } } };
  const dir = join(scratch, 'xlmr-style');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  return { name: 'XLM-R-style tokenizer.json (t5 vocabulary)', dir, json: join(dir, 'tokenizer.json'), jsName: 'none',
           template: { single: [[0], [1]], pair: [[0], [1, 1], [1]] } };
}

// ---- HF's Rust library ------------------------------------------------------
async function hfEncode(json, inputs, maxLength, special) {
  const tok = HF.Tokenizer.fromFile(json);
  if (maxLength) tok.setTruncation(maxLength, { strategy: 'LongestFirst' });
  // encodeBatch takes single texts only; pairs go one by one, concurrently.
  const batch = inputs.every((input) => input.pair === undefined)
    ? await tok.encodeBatch(inputs.map((input) => input.text), { addSpecialTokens: special })
    : await Promise.all(inputs.map((input) => tok.encode(input.text, input.pair ?? null, { addSpecialTokens: special })));
  return batch.map((e) => ({ ids: e.getIds(), type_ids: e.getTypeIds(), tokens: e.getTokens(), wordIds: e.getWordIds(), offsets: e.getOffsets() }));
}

// ---- Tokenizers.js and its documented bugs (README.md) -------------------------
function jsTokenizer(kind) {
  return new JsTokenizer(JSON.parse(readFileSync(kind.json, 'utf8')),
                         kind.config ? JSON.parse(readFileSync(kind.config, 'utf8')) : {});
}
// Each: which kind it hits, and whether it explains a line where
// Tokenizers.js and HF give different raw ids.
const JS_BUGS = {
  'precompiled-nfkc': {
    kind: 't5 tokenizer.json',
    // The two normalize differently: the text their tokens spell differs.
    explains: (text, hfTokens, jsTokens) => hfTokens.join('') !== jsTokens.join(''),
  },
  'final-sigma': {
    kind: 'bert-base-uncased tokenizer.json',
    explains: (text) => /\u03a3/.test(text),
  },
  'cjk-astral': {
    kind: 'bert-base-uncased tokenizer.json',
    // CJK ideographs above U+FFFF (extensions B-F): its BertPreTokenizer
    // tests UTF-16 code units, so they are not split into words of their own.
    explains: (text) => /[\u{20000}-\u{2FA1F}]/u.test(text),
  },
  'unk-byte-fallback-order': {
    kind: 'BPE sentencepiece-style tokenizer.json, split words, no <0xF0>..<0xF4> (unk + byte_fallback)',
    // Where byte-fallback tokens follow an unknown character, HF emits them
    // before the waiting <unk> (which may fuse with later unknowns);
    // Tokenizers.js emits the <unk> first. Without the <unk>s both agree.
    explains: (text, hfTokens, jsTokens) =>
      hfTokens.filter((t) => t !== '<unk>').join('\u0000') === jsTokens.filter((t) => t !== '<unk>').join('\u0000'),
  },
  'whitespace-class': {
    kind: 'roberta-base tokenizer.json',
    explains: (text) => /[\u0085\ufeff]/.test(text),
  },
};

const jsExceptions = [];  // {kind, line, bug, text}

for (const kind of KINDS) {
  const started = Date.now();
  // Raw ids (no special tokens) of every line from both oracles. Lines where
  // they disagree are Tokenizers.js exceptions, each explained by a bug.
  const hfRaw = await hfEncode(kind.json, singles, 0, false);
  const jsName = kind.jsName ?? kind.name;
  let jsRaw = null;
  const jsWrong = new Set();
  const added = new Map(JSON.parse(readFileSync(kind.json, 'utf8')).added_tokens.map((t) => [t.id, t.content]));
  if (!kind.jsName) {
    const js = jsTokenizer(kind);
    jsRaw = corpus.map((t) => js.encode(t, { add_special_tokens: false }));
    for (let k = 0; k < corpus.length; k++) {
      if (same(jsRaw[k].ids, hfRaw[k].ids)) continue;
      jsWrong.add(k);
      const bug = Object.entries(JS_BUGS).find(([, b]) => b.kind === jsName && b.explains(corpus[k], hfRaw[k].tokens, jsRaw[k].tokens));
      if (!bug) {
        fail(`${kind.name}: line ${k + 1}: Tokenizers.js differs from HF without a documented cause ${show(corpus[k])}\n  HF ${JSON.stringify(hfRaw[k].ids)}\n  JS ${JSON.stringify(jsRaw[k].ids)}`);
      } else {
        jsExceptions.push({ kind: kind.name, line: k + 1, bug: bug[0], text: corpus[k].slice(0, 80) });
      }
    }
  }
  for (const [mode, inputs] of [['single', singles], ['pair', pairs]]) {
    for (const maxLength of [0, TRUNCATION[mode]]) {
      const label = `${kind.name}, ${mode}s${maxLength ? `, max_length ${maxLength}` : ''}`;
      const ours = cappyTokenize(kind, inputs, maxLength);
      const hf = await hfEncode(kind.json, inputs, maxLength, true);
      let differing = 0, jsCompared = 0;
      for (let i = 0; i < inputs.length; i++) {
        if (!same(ours[i].ids, hf[i].ids) || !same(ours[i].type_ids, hf[i].type_ids)) {
          differing++;
          fail(`${label}: line ${i + 1} ${show(inputs[i])}\n  ours ${JSON.stringify(ours[i])}\n  HF   ${JSON.stringify({ ids: hf[i].ids, type_ids: hf[i].type_ids })}`);
        }
        // Tokenizers.js: its raw ids with the template and longest_first
        // applied here (its type ids follow its RoBERTa pair bug: not compared).
        if (!jsRaw) continue;
        const partner = (i + 1) % corpus.length;
        if (jsWrong.has(i) || (inputs[i].pair !== undefined && jsWrong.has(partner))) continue;
        jsCompared++;
        // The lengths HF's pair rule sees come from HF's word ids (Tokenizers.js
        // has none); the raw ids are Tokenizers.js's, equal to HF's here.
        const seen = [lengthSeenByTruncation(corpus[i], hfRaw[i], maxLength, added),
                      lengthSeenByTruncation(corpus[partner], hfRaw[partner], maxLength, added)];
        const want = assemble(kind.template, jsRaw[i].ids, inputs[i].pair === undefined ? undefined : jsRaw[partner].ids, maxLength, seen);
        if (!same(ours[i].ids, want)) {
          fail(`${label}: line ${i + 1}: differs from Tokenizers.js ${show(inputs[i])}\n  ours ${JSON.stringify(ours[i].ids)}\n  JS   ${JSON.stringify(want)}`);
        }
      }
      console.log(`${label}: ${inputs.length} lines, ${differing} differ from HF` +
                  (jsRaw ? `; ${jsCompared} compared with Tokenizers.js (the rest are its documented bugs)` : ''));
    }
  }
  console.log(`  ${kind.name}: ${((Date.now() - started) / 1000).toFixed(1)} s` +
              (jsRaw ? `, ${jsWrong.size} lines where Tokenizers.js is wrong` : ''));
}

// ---- sentencepiece model files against spm_encode ----------------------------
const SPM_KINDS = [
  { name: 't5 spiece.model', dir: copyDir('t5-spm', t5, ['spiece.model', 'tokenizer_config.json']), modelType: 't5',
    model: join(t5, 'spiece.model'), map: (id) => id, specials: /<pad>|<\/s>|<unk>|<extra_id_/,
    template: { single: [[], [1]], pair: [[], [1], [1]] } },
  { name: 'XLM-R-style sentencepiece.bpe.model (fixture)', dir: join(root, 'tests', 'fixtures', 'spm-xlmr'),
    modelType: 'xlm-roberta', model: join(root, 'tests', 'fixtures', 'spm-xlmr', 'sentencepiece.bpe.model'),
    map: (id) => (id === 0 ? 3 : id + 1), specials: /<s>|<\/s>|<pad>|<unk>|<mask>/,
    template: { single: [[0], [2]], pair: [[0], [2, 2], [2]] } },
].filter(selected);
for (const kind of SPM_KINDS) {
  // spm_encode reads lines: texts with a line break inside cannot be given to
  // it, and special-token text is cut out by the project before sentencepiece.
  const eligible = corpus.map((t) => !/[\n\r]/.test(t) && !kind.specials.test(t));
  const lines = corpus.filter((_, k) => eligible[k]);
  const input = join(scratch, 'spm-input.txt');
  writeFileSync(input, lines.join('\n') + '\n');
  const spm = (format) => execFileSync('spm_encode', [`--model=${kind.model}`, `--output_format=${format}`, `--input=${input}`],
                                       { maxBuffer: 1 << 30 }).toString('utf8').split('\n');
  const encoded = spm('id');
  const pieces = spm('piece');
  const reference = new Map();  // corpus index -> {ids (mapped), wordEnds}
  let at = 0;
  corpus.forEach((_, k) => {
    if (!eligible[k]) return;
    // Fields are separated by U+0020, which no piece contains (not trim():
    // a piece may be another kind of space).
    const fields = (line) => line.split(' ').filter((f) => f !== '');
    const ids = fields(encoded[at]).map(Number).map(kind.map);
    // Words as HF's converted tokenizers split them: a piece starting with
    // U+2581 starts one.
    const pieceList = fields(pieces[at++]);
    assert.equal(pieceList.length, ids.length, `${kind.name}: line ${k + 1}: spm_encode gave ${pieceList.length} pieces for ${ids.length} ids`);
    const wordEnds = [];
    pieceList.forEach((piece, p) => { if (p > 0 && piece.startsWith('\u2581')) wordEnds.push(p); });
    if (ids.length) wordEnds.push(ids.length);
    reference.set(k, { ids, wordEnds });
  });
  const seenLength = (ref, maxLength) => ref.wordEnds.find((e) => e >= maxLength) ?? ref.ids.length;
  for (const [mode, inputs] of [['single', singles], ['pair', pairs]]) {
    for (const maxLength of [0, TRUNCATION[mode]]) {
      const label = `${kind.name}, ${mode}s${maxLength ? `, max_length ${maxLength}` : ''}`;
      const ours = cappyTokenize(kind, inputs, maxLength);
      let compared = 0;
      for (let i = 0; i < inputs.length; i++) {
        const partner = (i + 1) % corpus.length;
        const pair = inputs[i].pair !== undefined;
        if (!reference.has(i) || (pair && !reference.has(partner))) continue;
        compared++;
        const seen = pair ? [seenLength(reference.get(i), maxLength), seenLength(reference.get(partner), maxLength)] : null;
        const want = assemble(kind.template, reference.get(i).ids, pair ? reference.get(partner).ids : undefined, maxLength, seen);
        if (!same(ours[i].ids, want)) {
          fail(`${label}: line ${i + 1} ${show(inputs[i])}\n  ours        ${JSON.stringify(ours[i].ids)}\n  spm_encode  ${JSON.stringify(want)}`);
        }
      }
      console.log(`${label}: ${compared} of ${inputs.length} lines compared with spm_encode`);
    }
  }
}

// ---- t5: sentencepiece route against the tokenizer.json route ----------------
if (!only) {
  const spmKind = SPM_KINDS[0];
  const viaSpm = cappyTokenize(spmKind, singles, 0);
  const viaJson = cappyTokenize(KINDS.find((k) => k.name === 't5 tokenizer.json'), singles, 0);
  const differing = [];
  corpus.forEach((_, k) => { if (!same(viaSpm[k].ids, viaJson[k].ids)) differing.push(k + 1); });
  const listPath = join(here, 'spm_vs_tokenizer_json.json');
  if (update) {
    writeFileSync(listPath, JSON.stringify({ note: 'corpus lines where t5 spiece.model (sentencepiece) and t5 tokenizer.json (HF) give different ids; README.md says why', lines: differing }, null, 1) + '\n');
  } else {
    const listed = JSON.parse(readFileSync(listPath, 'utf8')).lines;
    if (!same(listed, differing)) fail(`t5 sentencepiece vs tokenizer.json: the differing lines changed (${differing.length} now, ${listed.length} listed); rerun with --update and review`);
  }
  console.log(`t5 spiece.model vs t5 tokenizer.json: ${corpus.length - differing.length} of ${corpus.length} lines identical (the ${differing.length} others: README.md)`);
}

// ---- the documented Tokenizers.js exceptions ----------------------------------
if (!only) {
  const listPath = join(here, 'js_oracle_exceptions.json');
  if (update) {
    writeFileSync(listPath, JSON.stringify({ note: 'corpus lines where Tokenizers.js gives other raw ids than HF\'s Rust library, which agrees with the project; README.md describes each bug', exceptions: jsExceptions }, null, 1) + '\n');
  } else {
    const listed = JSON.parse(readFileSync(listPath, 'utf8')).exceptions;
    const key = (e) => `${e.kind}:${e.line}:${e.bug}`;
    if (JSON.stringify(listed.map(key)) !== JSON.stringify(jsExceptions.map(key))) {
      fail(`the Tokenizers.js exceptions changed (${jsExceptions.length} now, ${listed.length} listed); rerun with --update and review`);
    }
  }
  const counts = {};
  for (const e of jsExceptions) counts[`${e.kind}: ${e.bug}`] = (counts[`${e.kind}: ${e.bug}`] ?? 0) + 1;
  console.log('Tokenizers.js exceptions:', JSON.stringify(counts));
}

rmSync(scratch, { recursive: true, force: true });
console.log(failures.length === 0 ? 'conformance: all identical' : `conformance: ${failures.length} failures`);
console.log(`${failures.length === 0 ? 1 : 0} passed, ${failures.length === 0 ? 0 : 1} failed`);
process.exit(failures.length === 0 ? 0 : 1);
