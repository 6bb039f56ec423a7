#!/usr/bin/python3
"""Write the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/): small valid
inputs of each reader, so libFuzzer starts from the real structure. Needs Debian's
torch, numpy and python3-msgpack:  /usr/bin/python3 tests/fuzz/make_seeds.py
"""

import io
import json
import os
import struct
import zipfile

import msgpack
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors():
    a = np.arange(6, dtype=np.float32).tobytes()
    b = np.array([1, -2], dtype=np.float16).tobytes()
    h = json.dumps({"__metadata__": {"format": "pt"},
                    "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                    "b": {"dtype": "F16", "shape": [2], "data_offsets": [24, 28]}}).encode()
    put("fuzz_safetensors", "small.safetensors", struct.pack("<Q", len(h)) + h + a + b)


def gguf_string(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def gguf():
    kv = [("general.alignment", 4, struct.pack("<I", 32)),
          ("general.architecture", 8, gguf_string("cappy")),
          ("cappy.bundle_version", 4, struct.pack("<I", 1)),
          ("cappy.file.config.json", 8, gguf_string('{"model_type": "roberta"}')),
          ("cappy.file.spiece.model", 9, struct.pack("<IQ", 0, 3) + b"\x01\x02\x03")]
    q8 = struct.pack("<e", 0.5) + bytes(range(32))
    tensors = [("w", [32, 2], 8, q8 * 2), ("h", [4], 1, np.ones(4, np.float16).tobytes()),
               ("f", [2, 2], 0, np.ones(4, np.float32).tobytes())]
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
    for k, t, v in kv:
        out += gguf_string(k) + struct.pack("<I", t) + v
    data, offsets = b"", []
    for name, dims, t, raw in tensors:
        data += b"\0" * ((-len(data)) % 32)
        offsets.append(len(data))
        data += raw
    for (name, dims, t, raw), off in zip(tensors, offsets):
        out += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", t, off)
    out += b"\0" * ((-len(out)) % 32)
    put("fuzz_gguf_bundle", "small.cappy", out + data)


def torch_files():
    w = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    shared = torch.arange(4, dtype=torch.float32)
    sd = {"w": w, "wt": w.t(), "a": shared[:2], "b": shared[2:],
          "p": torch.nn.Parameter(torch.ones(2), requires_grad=False),
          "h": torch.ones(3, dtype=torch.float16), "i": torch.arange(3)}
    buf = io.BytesIO()
    torch.save(sd, buf)
    put("fuzz_torch_zip", "small.bin", buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
        put("fuzz_pickle", "state_dict.pkl", z.read(pkl))


def flax():
    def arr(a):
        return msgpack.ExtType(1, msgpack.packb((a.shape, a.dtype.name, a.tobytes("C")), use_bin_type=True))
    tree = {"bert": {"embeddings": {"word_embeddings": {"embedding": arr(np.ones((3, 2), np.float32))}},
                     "LayerNorm": {"scale": arr(np.ones(2, np.float16)), "bias": arr(np.zeros(2, np.float32))}},
            "classifier": {"kernel": arr(np.arange(6, dtype=np.float32).reshape(2, 3)),
                           "bias": arr(np.zeros(3, np.float32))}}
    put("fuzz_flax_msgpack", "small.msgpack", msgpack.packb(tree, use_bin_type=True))


if __name__ == "__main__":
    safetensors()
    gguf()
    torch_files()
    flax()
