"""The Python tokenizer of a checkpoint directory, for training (ids must be the runtime's).

sentencepiece.bpe.model (XLM-R ids) -> spm_tokenizer.XlmrSentencePiece;
vocab.json + merges.txt -> byte-level BPE, vocab.txt -> WordPiece: the independent
Python tokenizers that tests/fixtures/generate_fixtures.py checks against
@huggingface/tokenizers. Pairs use its Rust-style longest_first truncation.
"""

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(_ROOT, "tests", "fixtures"))
import generate_fixtures  # noqa: E402

from train.spm_tokenizer import MODEL_FILE, XlmrSentencePiece  # noqa: E402


class PairEncoder:
    def __init__(self, tokenizer_dir, arch):
        if os.path.exists(os.path.join(tokenizer_dir, MODEL_FILE)):
            self.tok = XlmrSentencePiece(tokenizer_dir)
        elif os.path.exists(os.path.join(tokenizer_dir, "vocab.json")):
            self.tok = generate_fixtures.PyByteLevelBPE(tokenizer_dir)
        elif os.path.exists(os.path.join(tokenizer_dir, "vocab.txt")):
            self.tok = generate_fixtures.PyWordPiece(tokenizer_dir)
        else:
            raise FileNotFoundError("%s: no tokenizer (%s, vocab.json + merges.txt, or vocab.txt)"
                                    % (tokenizer_dir, MODEL_FILE))
        self.arch = arch

    def __call__(self, instruction, response, max_length):
        ids, _ = generate_fixtures.py_pair_ids(self.tok, self.arch, max_length, instruction, response)
        return ids
