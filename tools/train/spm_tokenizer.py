"""A sentencepiece tokenizer for a RoBERTa scorer, with XLM-R's ids (what the runtime reads).

spm_train (Debian package sentencepiece) learns the model from text; the
checkpoint carries it as sentencepiece.bpe.model with model_type "xlm-roberta",
whose ids follow fairseq's dictionary, as HF's XLMRobertaTokenizer maps them:
<s>=0 <pad>=1 </s>=2 <unk>=3, every other sentencepiece id i -> i + 1, <mask> last.
A pair is <s> A </s></s> B </s>, truncated longest-first to max_length.
"""

import base64
import json
import os
import subprocess

import sentencepiece

BOS, PAD, EOS, UNK = 0, 1, 2, 3
FAIRSEQ_OFFSET = 1
MODEL_FILE = "sentencepiece.bpe.model"


def train_spm(text_path, out_dir, vocab_size):
    """Run spm_train on text_path; write out_dir/sentencepiece.bpe.model and the tokenizer configs."""
    os.makedirs(out_dir, exist_ok=True)
    prefix = os.path.join(out_dir, "spm")
    subprocess.run(["spm_train", "--input=" + text_path, "--model_prefix=" + prefix,
                    "--vocab_size=%d" % vocab_size, "--model_type=unigram", "--character_coverage=1.0",
                    # Every line is used (no sampling), so the model depends on the text alone.
                    "--input_sentence_size=0", "--shuffle_input_sentence=false",
                    "--num_threads=1", "--unk_id=0", "--bos_id=1", "--eos_id=2", "--pad_id=-1",
                    "--minloglevel=1"], check=True)
    os.replace(prefix + ".model", os.path.join(out_dir, MODEL_FILE))
    os.remove(prefix + ".vocab")
    write_tokenizer_configs(out_dir)
    write_tokenizer_json(out_dir)


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


def _protobuf_fields(data):
    """(field number, wire type, value) of a serialized protobuf message (varint and length-delimited)."""
    i, out = 0, []

    def varint():
        nonlocal i
        shift = value = 0
        while True:
            b = data[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    while i < len(data):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            out.append((field, wire, varint()))
        elif wire == 2:
            n = varint()
            out.append((field, wire, data[i:i + n]))
            i += n
        elif wire == 5:
            out.append((field, wire, data[i:i + 4]))
            i += 4
        elif wire == 1:
            out.append((field, wire, data[i:i + 8]))
            i += 8
        else:
            raise ValueError("unsupported protobuf wire type %d" % wire)
    return out


def precompiled_charsmap(model_path):
    """The normalizer's precompiled charsmap (ModelProto.normalizer_spec = 3, its field 2)."""
    with open(model_path, "rb") as f:
        proto = f.read()
    for field, wire, value in _protobuf_fields(proto):
        if field == 3 and wire == 2:
            for f2, w2, v2 in _protobuf_fields(value):
                if f2 == 2 and w2 == 2:
                    return v2
    return b""


def write_tokenizer_json(out_dir):
    """tokenizer.json for the sentencepiece model, as HF's XLM-R converter writes it: a Unigram
    model over fairseq's ids, the spm normalizer's precompiled charsmap, whitespace split +
    Metaspace, RoBERTa's pair template. The runtime reads this file (and it wins over the .model)."""
    model_path = os.path.join(out_dir, MODEL_FILE)
    sp = sentencepiece.SentencePieceProcessor(model_file=model_path)
    vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab += [[sp.id_to_piece(i), sp.get_score(i)] for i in range(3, sp.get_piece_size())]
    vocab.append(["<mask>", 0.0])
    charsmap = precompiled_charsmap(model_path)

    def added(i, content, lstrip=False):
        return {"id": i, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
                "normalized": False, "special": True}

    doc = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                         added(len(vocab) - 1, "<mask>", lstrip=True)],
        "normalizer": {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "WhitespaceSplit"}, {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True}]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", EOS], "cls": ["<s>", BOS],
                           "trim_offsets": True, "add_prefix_space": True},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True},
        "model": {"type": "Unigram", "unk_id": UNK, "vocab": vocab},
    }
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)


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


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Train a sentencepiece tokenizer (XLM-R ids) with spm_train")
    ap.add_argument("text", help="training text, one sentence a line")
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    train_spm(args.text, args.out, args.vocab_size)
    print("wrote %s (%d ids)" % (args.out, XlmrSentencePiece(args.out).vocab_size))


if __name__ == "__main__":
    main()
