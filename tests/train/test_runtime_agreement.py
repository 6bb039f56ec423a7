"""What training writes is what the native runtime reads: token ids and scores agree.

Needs the cappy binary (CAPPY_BIN; ctest sets it). A sentencepiece model trained
here by spm_train, exported as tokenizer.json by spm_tokenizer.py, must give the
runtime the ids the training side computes; a checkpoint written by the training
module must score the same in `cappy score` as in PyTorch.
"""
import json
import os
import subprocess
import tempfile
import unittest

import torch

from tests.train import paths  # noqa: F401
from train import scorer_model, spm_tokenizer
from train.tokenizers import PairEncoder

CAPPY = os.environ.get("CAPPY_BIN")

CORPUS = [
    "a financial institution that accepts deposits and channels the money into lending activities",
    "sloping land (especially the slope beside a body of water)",
    "What does \"bank\" mean in the sentence \"he cashed a check at the bank\"?",
    "the café served crème brûlée; naïve visitors paid 12.50 euros",
    "Use the word \"run\" in a sentence, meaning move fast by using one's feet.",
    "Definition: a domesticated carnivorous mammal\nWord:",
] * 20

PAIRS = [
    ("What does \"bank\" mean?", "a financial institution"),
    ("  leading and   repeated   spaces  ", "tabs\tand\nnewlines\r\n too"),
    ("Café NAÏVE crème", "ﬁ ligature, full-width ＡＢＣ and ① circled"),
    ("unseen characters: 你好 ✓ — Ω", "emoji 🙂 and digits 1234567890"),
    ("Definition: a long gloss " + "word " * 300, "a long answer " * 200),
    ("", "empty instruction"),
]


def cappy(*args, stdin):
    r = subprocess.run([CAPPY, *args], input=stdin.encode("utf-8"), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=False)
    if r.returncode != 0:
        raise AssertionError("cappy %s failed: %s" % (args[0], r.stderr.decode()))
    return [json.loads(l) for l in r.stdout.decode("utf-8").splitlines() if l.strip()]


@unittest.skipUnless(CAPPY, "CAPPY_BIN is not set (ctest sets it)")
class RuntimeAgreementTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        text = os.path.join(cls.tmp.name, "text.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(CORPUS) + "\n")
        cls.tok_dir = os.path.join(cls.tmp.name, "tok")
        spm_tokenizer.train_spm(text, cls.tok_dir, vocab_size=100)
        cls.model_dir = os.path.join(cls.tmp.name, "model")
        encode = PairEncoder(cls.tok_dir, "roberta")
        cls.encode = encode
        model, c = scorer_model.new_scorer(encode.tok.vocab_size, hidden=32, layers=2, heads=4, intermediate=64,
                                           seed=1)
        # Non-trivial weights: HF's init gives near-constant scores that would hide mistakes.
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.1 * torch.randn_like(p))
        scorer_model.save_checkpoint(model, c, cls.model_dir, tokenizer_dir=cls.tok_dir,
                                     config_overrides=spm_tokenizer.XLMR_CONFIG)
        cls.model = model.eval()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_pair_ids_match_cappy_tokenize(self):
        lines = "".join(json.dumps({"text": a, "pair": b}) + "\n" for a, b in PAIRS)
        native = cappy("tokenize", "--model", self.model_dir, stdin=lines)
        for (a, b), got in zip(PAIRS, native):
            self.assertEqual(got["ids"], self.encode(a, b, 512), (a, b))

    def test_unknown_characters_map_to_unk(self):
        ids = self.encode.tok.encode("你")
        self.assertIn(spm_tokenizer.UNK, ids)

    def test_scores_match_cappy_score(self):
        lines = "".join(json.dumps({"instruction": a, "responses": [b, a]}) + "\n" for a, b in PAIRS)
        native = cappy("score", "--model", self.model_dir, stdin=lines)
        with torch.no_grad():
            for (a, b), got in zip(PAIRS, native):
                for resp, score in zip((b, a), got["scores"]):
                    ids = torch.tensor([self.encode(a, resp, 512)])
                    ref = float(self.model(ids, torch.ones_like(ids), torch.zeros_like(ids))[0, 0])
                    self.assertAlmostEqual(score, ref, delta=1e-4)


@unittest.skipUnless(CAPPY, "CAPPY_BIN is not set (ctest sets it)")
class ShippedModelTest(unittest.TestCase):
    MODEL = os.path.join(paths.ROOT, "models", "cappy-mini.cappy")

    def test_default_model_loads_and_scores(self):
        self.assertLessEqual(os.path.getsize(self.MODEL), 10 * 1024 * 1024)
        out = cappy("score", "--model", self.MODEL, stdin=json.dumps(
            {"instruction": "Give an antonym of \"visible\".", "responses": ["invisible", "seeable"]}) + "\n")
        self.assertEqual(len(out[0]["scores"]), 2)
        self.assertTrue(all(abs(x) < 100 for x in out[0]["scores"]))

    def test_default_model_runs_with_the_int16_activations_its_bundle_records(self):
        # The bundle records int16 activations (scripts/train-mini; stop 17's model missed the q8 max
        # |dscore| target with int8, docs/accuracy.md): by default it must score as the int16 kernels do.
        with open(os.path.join(paths.ROOT, "tests", "fixtures", "eval-set.jsonl"), encoding="utf-8") as f:
            samples = f.read()

        def scores(kernel):
            env = {k: v for k, v in os.environ.items() if k != "CAPPY_Q8_KERNEL"}
            if kernel:
                env["CAPPY_Q8_KERNEL"] = kernel
            r = subprocess.run([CAPPY, "score", "--model", self.MODEL, "--threads", "1"], input=samples.encode("utf-8"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=True)
            return [x for l in r.stdout.decode("utf-8").splitlines() for x in json.loads(l)["scores"]]

        default, int16, int8 = scores(None), scores("reference"), scores("reference-int8")
        self.assertLess(max(abs(a - b) for a, b in zip(default, int16)), 1e-4)
        self.assertGreater(max(abs(a - b) for a, b in zip(int8, int16)), 1e-3)  # the widths do differ


if __name__ == "__main__":
    unittest.main()
