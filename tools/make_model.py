#!/usr/bin/python3
"""Make a random HF cross-encoder checkpoint and its reference PyTorch module.

This is the independent numerical reference for the C++ runtime. It implements
the inference semantics of HF `RobertaForSequenceClassification` (Cappy) and
`BertForSequenceClassification` (ms-marco cross-encoders) in plain PyTorch,
without `transformers`, and writes an HF checkpoint directory:

    config.json         HF-style fields (architectures, model_type, sizes, id2label ...)
    model.safetensors   written by hand (f32, or --dtype f16|bf16)
    model.onnx          with --onnx: torch.onnx.export of the same module
    tokenizer files     copied from --tokenizer-dir

Run it with Debian's interpreter (it has torch 1.13, numpy, onnx):

    /usr/bin/python3 tools/make_model.py --arch roberta --layers 2 --hidden 36 --heads 3 \\
        --intermediate 80 --max-position 40 --vocab-size 1000 --out /tmp/m --onnx
    /usr/bin/python3 tools/make_model.py --shape roberta-large \\
        --tokenizer-dir ../shared/data/tokenizers/roberta-base --out build/roberta-large --onnx

The module is also imported by tests/fixtures/generate_fixtures.py, which runs it
on the fixtures' token ids to check the ONNX export and the safetensors writer.
"""

import argparse
import json
import math
import os
import shutil
import struct
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------
# Model configuration
# ---------------------------------------------------------------------------

PRESETS = {
    # roberta-large / Cappy-large shapes (355M parameters, 1.42 GB in f32).
    "roberta-large": dict(arch="roberta", layers=24, hidden=1024, heads=16, intermediate=4096,
                          vocab_size=50265, max_position=514, num_labels=1),
    "roberta-base": dict(arch="roberta", layers=12, hidden=768, heads=12, intermediate=3072,
                         vocab_size=50265, max_position=514, num_labels=1),
    # ms-marco-MiniLM-L-6-v2 shapes.
    "minilm-l6": dict(arch="bert", layers=6, hidden=384, heads=12, intermediate=1536,
                      vocab_size=30522, max_position=512, num_labels=1),
}


class Config:
    """The handful of HF config.json fields that define the computation."""

    def __init__(self, arch, vocab_size, hidden, layers, heads, intermediate, max_position,
                 num_labels, type_vocab_size=None, layer_norm_eps=None, pad_token_id=None):
        assert arch in ("roberta", "bert"), arch
        assert hidden % heads == 0, "hidden must be a multiple of heads"
        self.arch = arch
        self.vocab_size = vocab_size
        self.hidden = hidden
        self.layers = layers
        self.heads = heads
        self.intermediate = intermediate
        self.max_position = max_position
        self.num_labels = num_labels
        # HF defaults of each family.
        self.type_vocab_size = type_vocab_size if type_vocab_size is not None else (1 if arch == "roberta" else 2)
        self.layer_norm_eps = layer_norm_eps if layer_norm_eps is not None else (1e-5 if arch == "roberta" else 1e-12)
        self.pad_token_id = pad_token_id if pad_token_id is not None else (1 if arch == "roberta" else 0)

    def to_hf_json(self):
        labels = {str(i): "LABEL_%d" % i for i in range(self.num_labels)}
        d = {
            "architectures": ["RobertaForSequenceClassification" if self.arch == "roberta"
                              else "BertForSequenceClassification"],
            "model_type": self.arch,
            "attention_probs_dropout_prob": 0.1,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "hidden_size": self.hidden,
            "initializer_range": 0.02,
            "intermediate_size": self.intermediate,
            "layer_norm_eps": self.layer_norm_eps,
            "max_position_embeddings": self.max_position,
            "num_attention_heads": self.heads,
            "num_hidden_layers": self.layers,
            "pad_token_id": self.pad_token_id,
            "position_embedding_type": "absolute",
            "type_vocab_size": self.type_vocab_size,
            "vocab_size": self.vocab_size,
            "id2label": labels,
            "label2id": {v: int(k) for k, v in labels.items()},
            "torch_dtype": "float32",
            "use_cache": True,
        }
        if self.arch == "roberta":
            d["bos_token_id"] = 0
            d["eos_token_id"] = 2
        return d

    @staticmethod
    def from_hf_json(d):
        arch = {"xlm-roberta": "roberta", "camembert": "roberta"}.get(d["model_type"], d["model_type"])
        num_labels = len(d["id2label"]) if "id2label" in d else d.get("num_labels", 2)
        return Config(arch, d["vocab_size"], d["hidden_size"], d["num_hidden_layers"],
                      d["num_attention_heads"], d["intermediate_size"], d["max_position_embeddings"],
                      num_labels, d.get("type_vocab_size"), d.get("layer_norm_eps"), d.get("pad_token_id"))


# ---------------------------------------------------------------------------
# The encoder, with HF's module tree so that state_dict() keys are HF's tensor names
# ---------------------------------------------------------------------------

class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.arch = c.arch
        self.pad = c.pad_token_id
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden)
        self.position_embeddings = nn.Embedding(c.max_position, c.hidden)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)

    def position_ids(self, input_ids):
        if self.arch == "roberta":
            # HF create_position_ids_from_input_ids: positions count non-pad tokens,
            # starting at padding_idx + 1; pad tokens get padding_idx.
            mask = input_ids.ne(self.pad).to(torch.int64)
            return torch.cumsum(mask, dim=1) * mask + self.pad
        seq = input_ids.shape[1]
        return torch.arange(seq, dtype=torch.int64, device=input_ids.device).unsqueeze(0).expand_as(input_ids)

    def forward(self, input_ids, token_type_ids):
        x = (self.word_embeddings(input_ids)
             + self.token_type_embeddings(token_type_ids)
             + self.position_embeddings(self.position_ids(input_ids)))
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c.heads
        self.head_dim = c.hidden // c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)

    def forward(self, x, additive_mask):
        b, s, h = x.shape

        def split(t):  # [b, s, h] -> [b, heads, s, head_dim]
            return t.view(b, s, self.heads, self.head_dim).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = torch.softmax(scores + additive_mask, dim=-1)
        ctx = torch.matmul(probs, v)  # [b, heads, s, head_dim]
        return ctx.transpose(1, 2).reshape(b, s, h)


class DenseLayerNorm(nn.Module):
    """HF's *SelfOutput / *Output: dense, then LayerNorm(dense(x) + residual) (post-LN)."""

    def __init__(self, c, fan_in):
        super().__init__()
        self.dense = nn.Linear(fan_in, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.layer_norm_eps)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseLayerNorm(c, c.hidden)

    def forward(self, x, additive_mask):
        return self.output(self.self(x, additive_mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.intermediate)

    def forward(self, x):
        return F.gelu(self.dense(x))  # exact erf GELU, HF "gelu"


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseLayerNorm(c, c.intermediate)

    def forward(self, x, additive_mask):
        a = self.attention(x, additive_mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c.layers)])

    def forward(self, x, additive_mask):
        for layer in self.layer:
            x = layer(x, additive_mask)
        return x


class Pooler(nn.Module):  # BERT only
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.hidden)

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class Backbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        if c.arch == "bert":
            self.pooler = Pooler(c)


class RobertaClassificationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.hidden)
        self.out_proj = nn.Linear(c.hidden, c.num_labels)

    def forward(self, x):
        return self.out_proj(torch.tanh(self.dense(x[:, 0])))  # <s> features


class CrossEncoder(nn.Module):
    """RobertaForSequenceClassification / BertForSequenceClassification, inference only."""

    def __init__(self, c):
        super().__init__()
        self.arch = c.arch
        if c.arch == "roberta":
            self.roberta = Backbone(c)
            self.classifier = RobertaClassificationHead(c)
        else:
            self.bert = Backbone(c)
            self.classifier = nn.Linear(c.hidden, c.num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        backbone = self.roberta if self.arch == "roberta" else self.bert
        x = backbone.embeddings(input_ids, token_type_ids)
        # HF get_extended_attention_mask: (1 - mask) * finfo.min, added to the scores of
        # padded keys. finfo.min (not -inf) keeps a fully padded row finite.
        m = attention_mask.to(x.dtype)[:, None, None, :]
        additive_mask = (1.0 - m) * torch.finfo(x.dtype).min
        x = backbone.encoder(x, additive_mask)
        if self.arch == "roberta":
            return self.classifier(x)
        return self.classifier(backbone.pooler(x))


def init_random(model, c, seed, std):
    """HF-like init (normal(0, std) weights), but LayerNorm and biases random too.

    Non-trivial LayerNorm gains/shifts and biases make a kernel that ignores any of
    them fail the comparison."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            elif "LayerNorm.bias" in name or name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(std * torch.randn(p.shape, generator=g))
        # HF zeroes the padding_idx rows of the word (and RoBERTa position) embeddings.
        backbone = model.roberta if c.arch == "roberta" else model.bert
        backbone.embeddings.word_embeddings.weight[c.pad_token_id].zero_()
        if c.arch == "roberta":
            backbone.embeddings.position_embeddings.weight[c.pad_token_id].zero_()


# ---------------------------------------------------------------------------
# safetensors, by hand
# ---------------------------------------------------------------------------

_ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
_ST_FROM = {"F32": (torch.float32, np.float32, 4), "F16": (torch.float16, np.float16, 2),
            "BF16": (torch.bfloat16, np.int16, 2)}


def _tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:  # numpy has no bf16: reinterpret the bits
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors, dtype=torch.float32):
    """Write {name: tensor} as safetensors: u64 LE header size, JSON header, raw data.

    Tensors are stored in name order, contiguous, little-endian, row-major. The header
    is padded with spaces to a multiple of 8 so that the data starts 8-aligned."""
    names = sorted(tensors)
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for n in names:
        t = tensors[n]
        nbytes = t.numel() * torch.tensor([], dtype=dtype).element_size()
        header[n] = {"dtype": _ST_DTYPES[dtype], "shape": list(t.shape),
                     "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for n in names:
            f.write(_tensor_bytes(tensors[n].to(dtype)))


def read_safetensors(path):
    """Read a safetensors file into {name: float32 tensor}."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        tdtype, npdtype, _ = _ST_FROM[info["dtype"]]
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=npdtype).reshape(info["shape"])
        t = torch.from_numpy(arr.copy())
        if info["dtype"] == "BF16":
            t = t.view(torch.bfloat16)
        out[name] = t.to(torch.float32)
    return out


def load_checkpoint(model_dir):
    """CrossEncoder from an HF directory (config.json + model.safetensors), eval mode, f32."""
    with open(os.path.join(model_dir, "config.json")) as f:
        c = Config.from_hf_json(json.load(f))
    model = CrossEncoder(c)
    model.load_state_dict(read_safetensors(os.path.join(model_dir, "model.safetensors")), strict=True)
    return model.eval(), c


def save_checkpoint(model, c, out, dtype=torch.float32, tokenizer_dir=None, config_overrides=None):
    """Write an HF checkpoint directory: config.json, model.safetensors, and the tokenizer
    files of tokenizer_dir (every file but a model's own). config_overrides replace fields
    of the config (e.g. model_type "xlm-roberta"). Returns the config dict written."""
    os.makedirs(out, exist_ok=True)
    if tokenizer_dir:
        for fn in sorted(os.listdir(tokenizer_dir)):
            src = os.path.join(tokenizer_dir, fn)
            if os.path.isfile(src) and fn not in ("config.json", "model.safetensors", "model.onnx"):
                shutil.copyfile(src, os.path.join(out, fn))
    cfg = c.to_hf_json()
    cfg.update(config_overrides or {})
    cfg["torch_dtype"] = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}[dtype]
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    write_safetensors(os.path.join(out, "model.safetensors"), model.state_dict(), dtype)
    return cfg


# ---------------------------------------------------------------------------
# ONNX
# ---------------------------------------------------------------------------

def export_onnx(model, c, path, opset=14):
    seq = min(8, c.max_position - 2)
    ids = torch.full((2, seq), 5 % c.vocab_size, dtype=torch.int64)
    mask = torch.ones((2, seq), dtype=torch.int64)
    types = torch.zeros((2, seq), dtype=torch.int64)
    dyn = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            model, (ids, mask, types), path,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn,
                          "logits": {0: "batch"}},
            opset_version=opset, do_constant_folding=True)


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

def make(args):
    p = dict(PRESETS[args.shape]) if args.shape else {}
    for key in ("arch", "layers", "hidden", "heads", "intermediate", "vocab_size", "max_position", "num_labels"):
        v = getattr(args, key)
        if v is not None:
            p[key] = v
    defaults = dict(arch="roberta", layers=2, hidden=64, heads=4, intermediate=128,
                    vocab_size=None, max_position=None, num_labels=1)
    for k, v in defaults.items():
        p.setdefault(k, v)
    if p["vocab_size"] is None:
        p["vocab_size"] = vocab_size_of(args.tokenizer_dir) if args.tokenizer_dir else 1000
    if p["max_position"] is None:
        p["max_position"] = 514 if p["arch"] == "roberta" else 512
    c = Config(p["arch"], p["vocab_size"], p["hidden"], p["layers"], p["heads"], p["intermediate"],
               p["max_position"], p["num_labels"], args.type_vocab_size)

    torch.manual_seed(args.seed)
    model = CrossEncoder(c).eval()
    init_random(model, c, args.seed, args.init_std)

    dtype = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}[args.dtype]
    cfg = save_checkpoint(model, c, args.out, dtype, args.tokenizer_dir)
    if args.onnx:
        # The ONNX graph holds the weights the safetensors file holds (rounded through
        # --dtype, then f32), so both describe the same function.
        if dtype != torch.float32:
            with torch.no_grad():
                for prm in model.parameters():
                    prm.copy_(prm.to(dtype).to(torch.float32))
        export_onnx(model, c, os.path.join(args.out, "model.onnx"), args.opset)
    n_params = sum(t.numel() for t in model.state_dict().values())
    print("wrote %s: %s, %d layers, hidden %d, %d heads, vocab %d, %d params, %s"
          % (args.out, cfg["architectures"][0], c.layers, c.hidden, c.heads, c.vocab_size, n_params, args.dtype))
    return model, c


def vocab_size_of(tok_dir):
    tj = os.path.join(tok_dir, "tokenizer.json")
    if os.path.exists(tj):
        with open(tj, encoding="utf-8") as f:
            t = json.load(f)
        ids = list(t["model"]["vocab"].values()) if isinstance(t["model"]["vocab"], dict) \
            else list(range(len(t["model"]["vocab"])))
        ids += [a["id"] for a in t.get("added_tokens", [])]
        return max(ids) + 1
    vj = os.path.join(tok_dir, "vocab.json")
    if os.path.exists(vj):
        with open(vj, encoding="utf-8") as f:
            return max(json.load(f).values()) + 1
    with open(os.path.join(tok_dir, "vocab.txt"), encoding="utf-8") as f:
        return sum(1 for _ in f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shape", choices=sorted(PRESETS), help="preset shape; explicit flags override it")
    ap.add_argument("--arch", choices=["roberta", "bert"])
    ap.add_argument("--layers", type=int)
    ap.add_argument("--hidden", type=int)
    ap.add_argument("--heads", type=int)
    ap.add_argument("--intermediate", type=int)
    ap.add_argument("--max-position", dest="max_position", type=int)
    ap.add_argument("--vocab-size", dest="vocab_size", type=int,
                    help="default: the tokenizer's vocabulary size, else 1000")
    ap.add_argument("--type-vocab-size", dest="type_vocab_size", type=int,
                    help="default: 1 for roberta, 2 for bert")
    ap.add_argument("--num-labels", dest="num_labels", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init-std", dest="init_std", type=float, default=0.02,
                    help="std of the random weights (HF: 0.02); tiny fixtures use more so the logits spread")
    ap.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32", help="safetensors dtype")
    ap.add_argument("--tokenizer-dir", dest="tokenizer_dir", help="tokenizer files to copy into --out")
    ap.add_argument("--onnx", action="store_true", help="also export model.onnx")
    ap.add_argument("--opset", type=int, default=14)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    make(args)


if __name__ == "__main__":
    main()
