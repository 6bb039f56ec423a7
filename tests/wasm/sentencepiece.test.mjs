// sentencepiece models through the WebAssembly module (sentencepiece compiled
// from Debian's source package, scripts/fetch-sentencepiece-source): the ids
// of native `cappy tokenize` (Debian's libsentencepiece) on a slice of the
// conformance corpus, as single texts and pairs, with and without truncation;
// spm_encode's ids (Debian's sentencepiece tool, the independent reference)
// on the lines it can take; and invalid UTF-8 rejected at the same byte as
// natively.
//
// Models: T5's spiece.model (../shared/data/tokenizers/t5, SOURCES.md) and the
// XLM-R-style sentencepiece.bpe.model fixture (tests/fixtures/spm-xlmr: no real
// XLM-R model is available offline; tools/make_spm_fixture.sh made it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distUrl, fixtureDir, root } from './helpers.mjs';

const { loadTokenizer } = await import(distUrl + 'cappy.mjs');
const bin = process.env.CAPPY_BIN ?? join(root, 'build', 'bin', 'cappy');
const t5Dir = join(root, '..', 'shared', 'data', 'tokenizers', 't5');

const corpus = readFileSync(join(root, 'tests', 'tokenizers', 'corpus.jsonl'), 'utf8')
  .split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
// Every 8th line (650 of 5,200: every category of the generator appears),
// each also paired with the next line of the corpus.
const slice = corpus.map((text, i) => ({ i, text })).filter(({ i }) => i % 8 === 0);
const singles = slice.map(({ text }) => ({ text }));
const pairs = slice.map(({ i, text }) => ({ text, pair: corpus[(i + 1) % corpus.length] }));

const scratch = mkdtempSync(join(tmpdir(), 'cappy-wasm-spm-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

// The model's files alone (t5's directory also holds a tokenizer.json, which
// would win over spiece.model), for both the native CLI and the module.
function modelDir(name, source, files) {
  const dir = join(scratch, name);
  execFileSync('mkdir', ['-p', dir]);
  for (const f of files) copyFileSync(join(source, f), join(dir, f));
  return { dir, files: Object.fromEntries(files.map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))])) };
}

const KINDS = [
  { name: 't5 spiece.model', modelType: 't5', ...modelDir('t5', t5Dir, ['spiece.model', 'tokenizer_config.json']),
    model: 'spiece.model', map: (id) => id, specials: /<pad>|<\/s>|<unk>|<extra_id_/, template: [[], [1]] },
  { name: 'XLM-R-style sentencepiece.bpe.model', modelType: 'xlm-roberta',
    ...modelDir('xlmr', fixtureDir('spm-xlmr'), ['sentencepiece.bpe.model', 'tokenizer_config.json']),
    model: 'sentencepiece.bpe.model', map: (id) => (id === 0 ? 3 : id + 1),  // fairseq's ids
    specials: /<s>|<\/s>|<pad>|<unk>|<mask>/, template: [[0], [2]] },
];

function nativeTokenize(kind, inputs, maxLength) {
  assert.ok(existsSync(bin), `the native CLI is needed for this comparison: build it (scripts/build) or set CAPPY_BIN (${bin})`);
  const args = ['tokenize', '--model', kind.dir, '--model-type', kind.modelType];
  if (maxLength !== undefined) args.push('--max-length', String(maxLength));
  const r = spawnSync(bin, args, { input: inputs.map((o) => JSON.stringify(o)).join('\n') + '\n', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `cappy tokenize (${kind.name}) failed: ${r.stderr}`);
  const out = r.stdout.toString('utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  assert.equal(out.length, inputs.length);
  return out;
}

for (const kind of KINDS) {
  test(`${kind.name}: the module gives native cappy tokenize's ids and type ids`, async () => {
    const tok = await loadTokenizer(kind.files, { modelType: kind.modelType });
    try {
      assert.equal(tok.info.modelType, kind.modelType);
      // undefined: the scoring limit (tokenizer_config.json's model_max_length).
      for (const [inputs, lengths] of [[singles, [0, 24, undefined]], [pairs, [0, 40, undefined]]]) {
        for (const maxLength of lengths) {
          const native = nativeTokenize(kind, inputs, maxLength);
          let truncated = 0;
          inputs.forEach((input, k) => {
            const e = tok.encode(input.text, input.pair, maxLength === undefined ? {} : { maxLength });
            const what = `${kind.name}, ${input.pair === undefined ? 'single' : 'pair'}, max_length ${maxLength ?? 'default'}, corpus line ${slice[k].i + 1}`;
            assert.deepEqual({ ids: [...e.ids], type_ids: [...e.typeIds] }, native[k], what);
            if (maxLength && e.ids.length === maxLength) truncated++;
          });
          // The slice does exercise truncation.
          if (maxLength) assert.ok(truncated > inputs.length / 4, `${kind.name}: only ${truncated} encodings truncated at ${maxLength}`);
        }
      }
    } finally {
      tok.dispose();
    }
  });

  test(`${kind.name}: the module gives spm_encode's ids (the kind's id mapping and template)`, async () => {
    // spm_encode reads lines; special-token text is cut out before
    // sentencepiece runs (HF's slow tokenizers do the same).
    const lines = singles.map((s) => s.text).filter((t) => !/[\n\r]/.test(t) && !kind.specials.test(t));
    assert.ok(lines.length > 300, `${lines.length} lines for spm_encode`);
    const input = join(scratch, `${kind.modelType}-spm.txt`);
    writeFileSync(input, lines.join('\n') + '\n');
    const encoded = execFileSync('spm_encode', [`--model=${join(kind.dir, kind.model)}`, '--output_format=id', `--input=${input}`],
                                 { maxBuffer: 1 << 28 }).toString('utf8').split('\n');
    const tok = await loadTokenizer(kind.files, { modelType: kind.modelType });
    try {
      lines.forEach((text, k) => {
        const spm = encoded[k].split(' ').filter((f) => f !== '').map(Number).map(kind.map);
        assert.deepEqual([...tok.encode(text, null, { maxLength: 0 }).ids], [...kind.template[0], ...spm, ...kind.template[1]],
                         `${kind.name}: ${JSON.stringify(text).slice(0, 120)}`);
      });
    } finally {
      tok.dispose();
    }
  });
}

test('invalid UTF-8 is rejected at the same byte as natively, on either side of a pair', async () => {
  const cases = [
    [0x61, 0xff, 0x62],              // a byte that never occurs in UTF-8
    [0x61, 0x62, 0xc3],              // a sequence cut short at the end
    [0xe2, 0x96, 0x81, 0xc0, 0xaf],  // an overlong encoding after a valid U+2581
    [0x78, 0xed, 0xa0, 0x80],        // an encoded surrogate
    [0xf4, 0x90, 0x80, 0x80],        // above U+10FFFF
    [0x20, 0x80, 0x20],              // a lone continuation byte
  ];
  // Natively: `cappy rerank` on plain-text lines names the byte (README.md).
  const native = cases.map((bytes) => {
    const file = join(scratch, 'bad.txt');
    writeFileSync(file, Buffer.from([...bytes, 0x0a]));
    const r = spawnSync(bin, ['rerank', '--model', fixtureDir('tiny-roberta'), '--instruction', 'q', '--input', file]);
    const m = /:1: invalid UTF-8 at byte (\d+)/.exec(r.stderr.toString());
    assert.ok(m && r.status !== 0, `cappy rerank should reject ${JSON.stringify(bytes)}: ${r.stderr}`);
    return Number(m[1]);
  });
  assert.deepEqual(native, [1, 2, 3, 1, 0, 1]);
  for (const kind of KINDS) {
    const tok = await loadTokenizer(kind.files, { modelType: kind.modelType });
    try {
      cases.forEach((bytes, k) => {
        const bad = new Uint8Array(bytes);
        const message = new RegExp(`Error: invalid UTF-8 at byte ${native[k]}$`);
        assert.throws(() => tok.encode(bad), message, `${kind.name}: ${JSON.stringify(bytes)}`);
        assert.throws(() => tok.encode('fine', bad), message);
        assert.throws(() => tok.encode(bad, 'fine'), message);
      });
      // Valid bytes give the string's ids; a lone surrogate has no UTF-8 form.
      const text = 'Grüße ▁ 😀 中文';
      assert.deepEqual(tok.encode(new TextEncoder().encode(text)), tok.encode(text));
      assert.throws(() => tok.encode('a\ud800b'), /text: invalid UTF-16 \(a lone surrogate at index 1\)/);
    } finally {
      tok.dispose();
    }
  }
});

test('loadTokenizer: clear errors for a corrupt model, a wrong source and bad arguments', async () => {
  await assert.rejects(loadTokenizer({ 'spiece.model': new Uint8Array([1, 2, 3, 4]) }, { modelType: 't5' }), /spiece\.model/);
  await assert.rejects(loadTokenizer(new Uint8Array(4)), /source must be an object or Map/);
  const tok = await loadTokenizer(KINDS[0].files, { modelType: 't5' });
  assert.throws(() => tok.encode(42), /text must be a string/);
  assert.throws(() => tok.encode('a', null, { maxLength: -1 }), /maxLength must be an integer >= 0/);
  tok.dispose();
  tok.dispose();
  assert.throws(() => tok.encode('a'), /disposed/);
});
