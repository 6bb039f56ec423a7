"""ROUGE-L F-measure (stemmed) against values computed by hand."""
import unittest

from tests.train import paths  # noqa: F401
from train import rouge


class TokenizeTest(unittest.TestCase):
    def test_lowercase_and_non_alphanumerics_split(self):
        self.assertEqual(rouge.tokenize("Hello, World! x-ray 3.5", stem=False),
                         ["hello", "world", "x", "ray", "3", "5"])

    def test_only_tokens_longer_than_three_are_stemmed(self):
        # Porter alone would turn "was" into "wa"; rouge_score leaves <= 3 characters alone.
        self.assertEqual(rouge.tokenize("He was running happily"), ["he", "was", "run", "happili"])

    def test_non_ascii_letters_are_separators(self):
        self.assertEqual(rouge.tokenize("café naïve", stem=False), ["caf", "na", "ve"])


class LcsTest(unittest.TestCase):
    def test_textbook_example(self):
        self.assertEqual(rouge.lcs_length("ABCBDAB", "BDCABA"), 4)

    def test_empty(self):
        self.assertEqual(rouge.lcs_length([], ["a"]), 0)


class RougeLTest(unittest.TestCase):
    def test_one_word_differs(self):
        # 6 tokens each, LCS "the cat on the mat" = 5: P = R = 5/6.
        self.assertAlmostEqual(rouge.rouge_l("the cat sat on the mat", "the cat is on the mat"), 5 / 6)

    def test_unequal_lengths(self):
        # candidate "a b c d" (4), reference "a c e" (3): LCS "a c" = 2, P = 1/2, R = 2/3, F = 4/7.
        self.assertAlmostEqual(rouge.rouge_l("a b c d", "a c e"), 4 / 7)

    def test_order_matters(self):
        # reversed: LCS is 1 of 3, F = 1/3.
        self.assertAlmostEqual(rouge.rouge_l("one two three", "three two one"), 1 / 3)

    def test_stemming_matches_inflections(self):
        # stems "run dog" vs "the dog run": LCS 1, P = 1/2, R = 1/3, F = 2/5.
        self.assertAlmostEqual(rouge.rouge_l("running dogs", "the dog runs"), 0.4)
        self.assertEqual(rouge.rouge_l("running dogs", "the dog runs", stem=False), 0.0)

    def test_identical_and_disjoint(self):
        self.assertEqual(rouge.rouge_l("Paris is the capital.", "paris is THE capital"), 1.0)
        self.assertEqual(rouge.rouge_l("cat", "dog"), 0.0)

    def test_no_tokens_is_zero(self):
        self.assertEqual(rouge.rouge_l("", "a cat"), 0.0)
        self.assertEqual(rouge.rouge_l("?!", "a cat"), 0.0)

    def test_max_over_references(self):
        self.assertAlmostEqual(rouge.rouge_l_max("a b c d", ["x y", "a c e", "a b"]), max(0.0, 4 / 7, 2 / 3))
        with self.assertRaises(ValueError):
            rouge.rouge_l_max("a", [])


if __name__ == "__main__":
    unittest.main()
