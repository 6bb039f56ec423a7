#!/usr/bin/env bash
# Makes tests/fixtures/spm-xlmr/: a small XLM-R-style sentencepiece model
# (Unigram, <unk>=0 <s>=1 </s>=2, as XLM-R's sentencepiece.bpe.model; no real
# one is available offline) and expected.jsonl, each text's ids from Debian's
# spm_encode (the sentencepiece command-line tool). The tests map those ids
# with fairseq's rule themselves and compare with the runtime's xlm-roberta
# route. Needs the `sentencepiece` Debian package and node.
#
# Usage: tools/make_spm_fixture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/fixtures/spm-xlmr
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# Training text: the conformance corpus, one text per line (newlines inside a
# text become spaces), without CJK ideographs (the corpus has thousands of
# random ones; they stay unknown pieces here, which the tests want anyway).
node -e '
const fs = require("fs");
const lines = fs.readFileSync("tests/tokenizers/corpus.jsonl", "utf8").split("\n").filter(Boolean).map(JSON.parse);
fs.writeFileSync(process.argv[1], lines.map((t) => t.replace(/[\r\n\u0085\u2028\u2029]/g, " ").replace(/[\u4e00-\u9fff]/g, "")).join("\n") + "\n");
' "$work/train.txt"
spm_train --input="$work/train.txt" --model_prefix="$work/spm" --model_type=unigram --vocab_size=2000 \
  --character_coverage=0.98 --hard_vocab_limit=false --num_threads=1 --random_seed=7 --input_sentence_size=0 \
  --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 >"$work/train.log" 2>&1
cp "$work/spm.model" "$out/sentencepiece.bpe.model"

# Texts: hand-written ones, then corpus lines that fit on one line of
# spm_encode's input and hold no special-token text.
node -e '
const fs = require("fs");
const corpus = fs.readFileSync("tests/tokenizers/corpus.jsonl", "utf8").split("\n").filter(Boolean).map(JSON.parse);
const texts = ["Hello world!", "What is the capital of France?", "  spaces   around  ", "café naïve", "中文 日本語 한국어",
  "emoji 😀 👨‍👩‍👧", "unknown ☃ ⛄ 𝕏", "", "x"];
for (const t of corpus) {
  if (texts.length >= 120) break;
  if (/[\r\n\u0085\u2028\u2029]|<s>|<\/s>|<pad>|<unk>|<mask>/.test(t)) continue;
  texts.push(t);
}
fs.writeFileSync(process.argv[1], texts.join("\n") + "\n");
fs.writeFileSync(process.argv[2], JSON.stringify(texts));
' "$work/texts.txt" "$work/texts.json"
spm_encode --model="$out/sentencepiece.bpe.model" --output_format=id <"$work/texts.txt" >"$work/ids.txt"
node -e '
const fs = require("fs");
const texts = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const ids = fs.readFileSync(process.argv[2], "utf8").split("\n").slice(0, texts.length)
  .map((l) => (l.trim() ? l.trim().split(" ").map(Number) : []));
if (ids.length !== texts.length) throw new Error("spm_encode gave " + ids.length + " lines for " + texts.length + " texts");
fs.writeFileSync(process.argv[3], texts.map((t, i) => JSON.stringify({ text: t, spm_ids: ids[i] })).join("\n") + "\n");
' "$work/texts.json" "$work/ids.txt" "$out/expected.jsonl"
echo '{"model_max_length": 64}' >"$out/tokenizer_config.json"
echo "$out: $(wc -c <"$out/sentencepiece.bpe.model") byte model, $(wc -l <"$out/expected.jsonl") texts"
