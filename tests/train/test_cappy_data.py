"""The Cappy data builder: labels, negatives from the same task, determinism, errors."""
import json
import os
import tempfile
import unittest

from tests.train import paths  # noqa: F401
from train import cappy_data

EXAMPLES = [
    {"task": "capital", "instruction": "Capital of France?", "references": ["Paris", "paris city"],
     "candidates": ["the city of Paris", "Lyon"]},
    {"task": "capital", "instruction": "Capital of Peru?", "references": ["Lima"]},
    {"task": "capital", "instruction": "Capital of Chile?", "references": ["Santiago"]},
    {"task": "color", "instruction": "Color of the sky?", "references": ["blue"], "candidates": ["light blue"]},
]


def build(examples, seed=0):
    return cappy_data.build_pairs([cappy_data.parse_example(json.dumps(e), "x") for e in examples], seed)


class BuildPairsTest(unittest.TestCase):
    def test_labels_of_the_first_example(self):
        pairs = [p for p in build(EXAMPLES) if p[0] == "Capital of France?"]
        self.assertIn(("Capital of France?", "Paris", 1.0), pairs)
        self.assertIn(("Capital of France?", "paris city", 1.0), pairs)
        # "the city of Paris" vs "paris city": LCS "paris" or "city" = 1 of 4 and 2 tokens:
        # P = 1/4, R = 1/2, F = 1/3; vs "Paris": P = 1/4, R = 1, F = 2/5. The max is 2/5.
        labels = {r: y for _, r, y in pairs}
        self.assertAlmostEqual(labels["the city of Paris"], 0.4)
        self.assertEqual(labels["Lyon"], 0.0)
        negatives = [r for _, r, y in pairs if y == 0.0 and r != "Lyon"]
        self.assertEqual(len(negatives), 1)
        self.assertIn(negatives[0], ("Lima", "Santiago"))  # same task, another example

    def test_every_example_gets_its_pairs(self):
        pairs = build(EXAMPLES)
        # capital: 2 + 1 + 2 candidates; 1+1 ; 1+1 ; color: 1 reference + 1 candidate, no other example.
        self.assertEqual(len(pairs), 5 + 2 + 2 + 2)
        self.assertAlmostEqual(dict((r, y) for i, r, y in pairs if i == "Color of the sky?")["light blue"], 2 / 3)

    def test_a_task_with_one_example_has_no_random_negative(self):
        pairs = [p for p in build(EXAMPLES) if p[0] == "Color of the sky?"]
        self.assertEqual(sorted(r for _, r, _ in pairs), ["blue", "light blue"])

    def test_negative_never_equals_an_own_reference(self):
        same = [{"instruction": "q%d" % i, "references": ["same answer"]} for i in range(3)]
        self.assertEqual([y for _, _, y in build(same)], [1.0, 1.0, 1.0])

    def test_deterministic_per_seed(self):
        many = [{"task": "t", "instruction": "q%d" % i, "references": ["a%d" % i]} for i in range(50)]
        self.assertEqual(build(many, 3), build(many, 3))
        self.assertNotEqual(build(many, 3), build(many, 4))


class TaskFileErrorsTest(unittest.TestCase):
    def check(self, text, message):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "tasks.jsonl")
            with open(path, "w") as f:
                f.write('{"instruction": "ok", "references": ["fine"]}\n\n' + text + "\n")
            with self.assertRaises(cappy_data.TaskFileError) as e:
                cappy_data.read_task_file(path)
            self.assertIn(path + ":3: ", str(e.exception))
            self.assertIn(message, str(e.exception))

    def test_malformed_json(self):
        self.check('{"instruction": ', "malformed JSON")

    def test_not_an_object(self):
        self.check('["a"]', "JSON object")

    def test_missing_instruction(self):
        self.check('{"references": ["a"]}', '"instruction"')

    def test_references_missing_empty_or_wrong_type(self):
        self.check('{"instruction": "q"}', '"references"')
        self.check('{"instruction": "q", "references": ["  "]}', '"references"')
        self.check('{"instruction": "q", "references": "a"}', '"references" must be a list of strings')

    def test_candidates_wrong_type(self):
        self.check('{"instruction": "q", "references": ["a"], "candidates": [1]}', '"candidates"')

    def test_task_wrong_type(self):
        self.check('{"instruction": "q", "references": ["a"], "task": 3}', '"task"')

    def test_good_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "tasks.jsonl")
            with open(path, "w") as f:
                f.write("".join(json.dumps(e) + "\n" for e in EXAMPLES))
            self.assertEqual(len(cappy_data.read_task_file(path)), 4)


if __name__ == "__main__":
    unittest.main()
