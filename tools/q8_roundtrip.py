#!/usr/bin/python3
"""Simulate a q8 bundle in f32, to find which tensors its error comes from.

Writes a copy of an f32 HF checkpoint whose weights went through the Q8_0 round trip that
`cappy convert --dtype q8` applies (linear weights and word embeddings Q8_0: a scale
max|w|/127 per 32 weights, stored as f16; other matrices f16), except the tensors named by
KEEP_REGEX, which only go through f16 (what `--keep-f16` stores). Scoring the copy on the
f32 path isolates the weights' rounding from any kernel:

    /usr/bin/python3 tools/q8_roundtrip.py SRC OUT [KEEP_REGEX] [--scale max|refit]
    build/bin/cappy eval --model OUT --reference SRC

--scale refit refits each block's scale to its rounded values (least squares:
sum(w q) / sum(q q)) and rounds again, twice: the per-block scale with less squared error.
Prints the bundle size such a file would have.
"""
import argparse
import json
import os
import re
import struct

import numpy as np

LINEAR = re.compile(r"(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|"
                    r"output\.dense|classifier\.dense|classifier\.out_proj)\.weight$|word_embeddings\.weight$")


def f16(x):
    return x.astype(np.float16).astype(np.float32)


def q8_round_trip(w, scale_rule):
    b = w.reshape(w.shape[0], -1, 32).astype(np.float32)
    d = f16(np.abs(b).max(-1, keepdims=True) / 127.0)
    for step in range(3 if scale_rule == "refit" else 1):
        if step:  # least-squares scale for the current rounding
            qq = (q * q).sum(-1, keepdims=True)
            d = f16(np.where(qq > 0, (b * q).sum(-1, keepdims=True) / np.maximum(qq, 1), d))
        inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0)
        q = np.clip(np.rint(b * inv), -127, 127)
    return (q * d).reshape(w.shape).astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("keep", nargs="?", default="")
    ap.add_argument("--scale", choices=["max", "refit"], default="max")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.src):
        if f not in ("model.safetensors", "model.onnx") and not os.path.exists(os.path.join(a.out, f)):
            os.symlink(os.path.abspath(os.path.join(a.src, f)), os.path.join(a.out, f))
    path = os.path.join(a.src, "model.safetensors")
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    keep = re.compile(a.keep) if a.keep else None
    out_header, chunks, offset = {}, [], 0
    counts = {"q8": 0, "f16": 0, "f32": 0}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit("%s: tensor %s is %s; an f32 checkpoint is needed" % (path, name, info["dtype"]))
        lo, hi = info["data_offsets"]
        w = np.frombuffer(data[lo:hi], dtype=np.float32).reshape(info["shape"])
        if w.ndim < 2:
            kind = "f32"
        elif keep and keep.search(name):
            kind = "f16"
        elif LINEAR.search(name) and w.shape[-1] % 32 == 0:
            kind = "q8"
        else:
            kind = "f16"
        counts[kind] += w.size
        v = q8_round_trip(w, a.scale) if kind == "q8" else f16(w) if kind == "f16" else w
        raw = np.ascontiguousarray(v, dtype=np.float32).tobytes()
        out_header[name] = {"dtype": "F32", "shape": info["shape"], "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(out_header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(a.out, "model.safetensors"), "wb") as fh:
        fh.write(struct.pack("<Q", len(h)))
        fh.write(h)
        for raw in chunks:
            fh.write(raw)
    size = counts["q8"] * 34 / 32 + counts["f16"] * 2 + counts["f32"] * 4
    print("%s: %d weights Q8_0, %d f16, %d f32; as a bundle about %.1f MB of weights"
          % (a.out, counts["q8"], counts["f16"], counts["f32"], size / 1e6))


if __name__ == "__main__":
    main()
