// `cappy tokenize` as a user runs it: the ids scoring uses (the fixtures'
// expected ids, which the onnxruntime reference was fed), tokenizer-only
// directories, --max-length, and every bad input. Run by ctest with CAPPY_BIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures');
const tokenizers = join(here, '..', '..', '..', 'shared', 'data', 'tokenizers');
const bin = process.env.CAPPY_BIN;
assert.ok(bin, 'set CAPPY_BIN to the cappy executable');

function cappy(args, input) {
  const r = spawnSync(bin, args, { input, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}
const lines = (s) => s.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
const jsonl = (objects) => objects.map((o) => JSON.stringify(o)).join('\n') + '\n';

for (const fixture of ['tiny-roberta', 'tiny-bert']) {
  test(`tokenize gives the ids and type ids scoring uses (${fixture})`, () => {
    const { cases, max_length } = JSON.parse(readFileSync(join(fixtures, fixture, 'expected.json'), 'utf8'));
    const r = cappy(['tokenize', '--model', join(fixtures, fixture)],
                    jsonl(cases.map((c) => ({ text: c.instruction, pair: c.response }))));
    assert.equal(r.status, 0, r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, cases.length);
    out.forEach((o, i) => {
      assert.deepEqual(o.ids, cases[i].ids, cases[i].id);
      assert.deepEqual(o.type_ids, cases[i].type_ids, cases[i].id);
      assert.ok(o.ids.length <= max_length);
    });
  });
}

test('tokenize works on a directory with only tokenizer files, single texts and pairs', () => {
  // t5: tokenizer.json + tokenizer_config.json (model_max_length 512), no config.json.
  // Ids from HF's Rust library (npm tokenizers 0.23.2).
  const r = cappy(['tokenize', '--model', join(tokenizers, 't5')],
                  jsonl([{ text: 'Hello world!' }, { text: 'Hello world!', pair: 'The year 2024 had 365 days' }, { text: '' }]));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), [
    { ids: [8774, 296, 55, 1], type_ids: [0, 0, 0, 0] },
    { ids: [8774, 296, 55, 1, 37, 215, 460, 2266, 141, 3, 10402, 477, 1], type_ids: Array(13).fill(0) },
    { ids: [1], type_ids: [0] },
  ]);
});

test('--max-length truncates pairs longest_first and singles from the right; 0 turns truncation off', () => {
  const t5 = join(tokenizers, 't5');
  const input = jsonl([{ text: 'Hello world!', pair: 'The year 2024 had 365 days' }, { text: 'The year 2024 had 365 days' }]);
  let r = cappy(['tokenize', '--model', t5, '--max-length', '8'], input);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(lines(r.stdout).map((o) => o.ids), [[8774, 296, 55, 1, 37, 215, 460, 1], [37, 215, 460, 2266, 141, 3, 10402, 1]]);
  const long = 'word '.repeat(700);
  r = cappy(['tokenize', '--model', t5], jsonl([{ text: long }]));
  assert.equal(lines(r.stdout)[0].ids.length, 512);  // tokenizer_config.json's model_max_length
  r = cappy(['tokenize', '--model', t5, '--max-length', '0'], jsonl([{ text: long }]));
  assert.equal(lines(r.stdout)[0].ids.length, 701);
  // Fewer tokens than the specials: that line is rejected, the rest still run.
  r = cappy(['tokenize', '--model', t5, '--max-length', '1'], input);
  assert.equal(r.status, 1);
  assert.match(lines(r.stdout)[0].error, /smaller than the 2 special tokens/);
  assert.deepEqual(lines(r.stdout)[1].ids, [1]);
});

test('--model-type picks the older files\' template when there is no config.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cappy-tokenize-'));
  try {
    for (const f of ['vocab.json', 'merges.txt']) cpSync(join(tokenizers, 'roberta-base', f), join(dir, f));
    let r = cappy(['tokenize', '--model', dir, '--model-type', 'roberta'], jsonl([{ text: 'Hello world!', pair: 'x' }]));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout)[0].ids, [0, 31414, 232, 328, 2, 2, 1178, 2]);
    r = cappy(['tokenize', '--model', dir], jsonl([{ text: 'x' }]));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /has no "\[(CLS|SEP)\]", which the default \(BERT\) pair template/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tokenize reports bad lines in place, keeps lines aligned, exits 1', () => {
  const input = Buffer.concat([
    Buffer.from(JSON.stringify({ text: 'ok' }) + '\n'),
    Buffer.from('{"text": \n'),                                   // line 2: malformed JSON
    Buffer.from('{"pair": "b"}\n'),                               // line 3: no text
    Buffer.from('{"text": "a", "pair": 5}\n'),                    // line 4: pair not a string
    Buffer.from('{"text": "bad '), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n'),  // line 5: invalid UTF-8
    Buffer.from('["text"]\n'),                                    // line 6: not an object
    Buffer.from('\n'),                                            // line 7: blank, skipped
    Buffer.from(JSON.stringify({ text: 'ok', pair: null }) + '\n'),  // line 8: null pair = single
  ]);
  const r = cappy(['tokenize', '--model', join(fixtures, 'tiny-bert')], input);
  assert.equal(r.status, 1);
  const out = lines(r.stdout);
  assert.equal(out.length, 7);
  assert.ok(Array.isArray(out[0].ids));
  assert.deepEqual(out.slice(1, 6).map((o) => o.line), [2, 3, 4, 5, 6]);
  assert.match(out[1].error, /malformed JSON/);
  assert.match(out[2].error, /"text" must be a string/);
  assert.match(out[3].error, /"pair" must be a string/);
  assert.match(out[4].error, /malformed JSON.*UTF-8/);
  assert.match(out[5].error, /expected a JSON object/);
  assert.deepEqual(out[6], out[0]);
  assert.match(r.stderr, /<stdin>:2: malformed JSON|-:2: malformed JSON|:2: malformed JSON/);
});

test('tokenize fails with exit 2 on a missing model or input file', () => {
  let r = cappy(['tokenize', '--model', join(tmpdir(), 'no-such-model-dir')], jsonl([{ text: 'x' }]));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no-such-model-dir/);
  r = cappy(['tokenize', '--model', join(fixtures, 'tiny-bert'), '--input', join(tmpdir(), 'no-such-input.jsonl')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no-such-input\.jsonl/);
  // --input reads a file.
  const dir = mkdtempSync(join(tmpdir(), 'cappy-tokenize-'));
  try {
    writeFileSync(join(dir, 'in.jsonl'), jsonl([{ text: 'a' }, { text: 'b' }]));
    r = cappy(['tokenize', '--model', join(fixtures, 'tiny-bert'), '--input', join(dir, 'in.jsonl')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lines(r.stdout).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
