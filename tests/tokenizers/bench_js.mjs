#!/usr/bin/env node
// Tokenization speed of Tokenizers.js (@huggingface/tokenizers, the JS oracle)
// on the same texts as tokenizer_bench.cc: one thread, no special tokens, one
// warm-up pass, then N passes. One JSON line per tokenizer, same fields.
//
//   node tests/tokenizers/bench_js.mjs CORPUS.jsonl REPEAT NAME=DIR ...
import { readFileSync, existsSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';

const [corpusPath, repeatArg, ...specs] = process.argv.slice(2);
const texts = readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
const repeat = Number(repeatArg);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
for (const spec of specs) {
  const [name, dir] = spec.split('=');
  const config = existsSync(`${dir}/tokenizer_config.json`) ? JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')) : {};
  const tok = new Tokenizer(JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')), config);
  for (const t of texts) tok.encode(t, { add_special_tokens: false });
  let tokens = 0;
  const start = process.hrtime.bigint();
  for (let r = 0; r < repeat; r++) for (const t of texts) tokens += tok.encode(t, { add_special_tokens: false }).ids.length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ name, texts: texts.length * repeat, bytes: bytes * repeat, tokens, seconds, tokens_per_s: tokens / seconds }));
}
