"""A sentencepiece tokenizer for a RoBERTa scorer, with XLM-R's ids (what the runtime reads).

spm_train (Debian package sentencepiece) learns the model from text; the
checkpoint carries it as sentencepiece.bpe.model with model_type "xlm-roberta",
whose ids follow fairseq's dictionary, as HF's XLMRobertaTokenizer maps them:
<s>=0 <pad>=1 </s>=2 <unk>=3, every other sentencepiece id i -> i + 1, <mask> last.
A pair is <s> A </s></s> B </s>, truncated longest-first to max_length.
"""

import json
import os
import subprocess

import sentencepiece

BOS, PAD, EOS, UNK = 0, 1, 2, 3
FAIRSEQ_OFFSET = 1
MODEL_FILE = "sentencepiece.bpe.model"


def train_spm(text_path, out_dir, vocab_size, seed_sentences=2000000):
    """Run spm_train on text_path; write out_dir/sentencepiece.bpe.model and the tokenizer configs."""
    os.makedirs(out_dir, exist_ok=True)
    prefix = os.path.join(out_dir, "spm")
    subprocess.run(["spm_train", "--input=" + text_path, "--model_prefix=" + prefix,
                    "--vocab_size=%d" % vocab_size, "--model_type=unigram", "--character_coverage=1.0",
                    "--input_sentence_size=%d" % seed_sentences, "--shuffle_input_sentence=true",
                    "--num_threads=1", "--unk_id=0", "--bos_id=1", "--eos_id=2", "--pad_id=-1",
                    "--minloglevel=1"], check=True)
    os.replace(prefix + ".model", os.path.join(out_dir, MODEL_FILE))
    os.remove(prefix + ".vocab")
    write_tokenizer_configs(out_dir)


def write_tokenizer_configs(out_dir, model_max_length=512):
    specials = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
                "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(dict(specials, tokenizer_class="XLMRobertaTokenizer", model_max_length=model_max_length),
                  f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out_dir, "special_tokens_map.json"), "w") as f:
        json.dump(specials, f, indent=2, sort_keys=True)
        f.write("\n")


class XlmrSentencePiece:
    def __init__(self, tokenizer_dir):
        self.sp = sentencepiece.SentencePieceProcessor(model_file=os.path.join(tokenizer_dir, MODEL_FILE))
        self.mask_id = self.sp.get_piece_size() + FAIRSEQ_OFFSET
        self.vocab_size = self.mask_id + 1

    def encode(self, text):
        return [UNK if i == self.sp.unk_id() else i + FAIRSEQ_OFFSET for i in self.sp.encode(text)]

    def encode_pair(self, a, b, max_length=512):
        ta, tb = self.encode(a), self.encode(b)
        budget = max_length - 4
        while len(ta) + len(tb) > budget:  # longest_first: trim the longer side, ties from the second
            if len(ta) > len(tb):
                ta.pop()
            else:
                tb.pop()
        return [BOS] + ta + [EOS, EOS] + tb + [EOS]


XLMR_CONFIG = {"model_type": "xlm-roberta", "architectures": ["XLMRobertaForSequenceClassification"],
               "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD}
