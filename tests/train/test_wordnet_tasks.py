"""WordNet reading and the instruction tasks built from it (WordNet 3.0 from Debian's wordnet-base)."""
import unittest

from tests.train import paths  # noqa: F401
from train import wordnet, wordnet_tasks

ABLE = ('00001740 00 a 01 able 0 005 = 05200169 n 0000 = 05616246 n 0000 + 05616246 n 0101 '
        '+ 05200169 n 0101 ! 00002098 a 0101 | (usually followed by `to\') having the necessary means or '
        'skill or know-how or authority to do something; "able to swim"; "she was able to program her '
        'computer"  \n')


class ParseTest(unittest.TestCase):
    def test_data_line(self):
        s = wordnet.parse_data_line(ABLE, "data.adj:30")
        self.assertEqual(s.key, ("a", 1740))
        self.assertEqual(s.lemmas, ["able"])
        self.assertEqual(s.definition, "(usually followed by `to') having the necessary means or skill or "
                                       "know-how or authority to do something")
        self.assertEqual(s.examples, ["able to swim", "she was able to program her computer"])
        self.assertEqual(s.pointers[-1], ("!", ("a", 2098), 1, 1))
        self.assertEqual(s.related("="), [("n", 5200169), ("n", 5616246)])

    def test_satellite_markers_and_multiword_lemmas(self):
        s = wordnet.parse_data_line("00012345 00 s 02 long(a) 0 drawn_out 0 000 | lasting a while  \n", "x")
        self.assertEqual((s.key, s.pos, s.lemmas), (("a", 12345), "s", ["long", "drawn out"]))
        self.assertEqual(s.examples, [])

    def test_malformed_line_names_its_origin(self):
        with self.assertRaises(ValueError) as e:
            wordnet.parse_data_line("00001740 00 a 03 able 0 | x\n", "data.adj:30")
        self.assertIn("data.adj:30", str(e.exception))

    def test_degradations(self):
        import random
        rng = random.Random(0)
        t = wordnet_tasks.truncated("one two three four five six", rng)
        self.assertTrue("one two three four five six".startswith(t) and 2 <= len(t.split()) < 6)
        s = wordnet_tasks.shuffled("one two three four", rng)
        self.assertNotEqual(s, "one two three four")
        self.assertEqual(sorted(s.split()), sorted("one two three four".split()))
        self.assertIsNone(wordnet_tasks.truncated("too short", rng))

    def test_graded_corruptions(self):
        import random
        from train.rouge import rouge_l_max
        gold = "a building where people worship together on holy days"
        got = wordnet_tasks.graded_corruptions(gold, random.Random(0), 6)
        again = wordnet_tasks.graded_corruptions(gold, random.Random(0), 6)
        self.assertEqual(got, again)
        self.assertEqual(len(got), 6)
        self.assertEqual(len(set(got)), 6)
        self.assertNotIn(gold, got)
        prefixes = sorted((c for c in got if gold.startswith(c)), key=len)
        self.assertEqual([len(p.split()) for p in prefixes], [3, 4, 7, 8])  # 30%, 50%, 75%, 90% of 9 words, rounded
        labels = [rouge_l_max(p, [gold]) for p in prefixes]
        self.assertEqual(labels, sorted(labels))  # the more of the answer is left, the higher its label
        reordered = [c for c in got if c not in prefixes]
        self.assertEqual(len(reordered), 2)
        for c in reordered:
            self.assertEqual(sorted(c.split()), sorted(gold.split()))
            self.assertLess(rouge_l_max(c, [gold]), 1.0)
        self.assertEqual(len(wordnet_tasks.graded_corruptions(gold, random.Random(0), 2)), 2)
        more = wordnet_tasks.graded_corruptions(gold, random.Random(0), 6, full_shuffles=2)
        self.assertEqual(more[:6], got)  # the full shuffles come after, and change nothing before them
        self.assertEqual(len(more), 8)
        for c in more[6:]:
            self.assertEqual(sorted(c.split()), sorted(gold.split()))
            self.assertNotIn(c, got)
        self.assertEqual(wordnet_tasks.graded_corruptions("too short now", random.Random(0), 4), [])


class GenerateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.wn = wordnet.WordNet()
        cls.train, cls.heldout = wordnet_tasks.generate(cls.wn, 0, 10, 40, 15)

    def test_real_wordnet_facts(self):
        bank = [self.wn.synsets[k].definition for k in self.wn.senses_of("bank", "n")]
        self.assertEqual(len(bank), 10)
        self.assertIn("a financial institution that accepts deposits and channels the money into lending "
                      "activities", bank)
        good = self.wn.synsets[self.wn.senses_of("good", "a")[0]]
        self.assertIn("bad", self.wn.lemma_pointer_targets(good, "!", good.lemmas.index("good") + 1))

    def test_every_task_in_both_splits(self):
        for task in wordnet_tasks.TASKS:
            self.assertEqual(sum(e["task"] == task for e in self.train), 40, task)
            self.assertEqual(sum(e["task"] == task for e in self.heldout), 15, task)

    def test_split_by_word(self):
        held = {e["word"].lower() for e in self.heldout}
        self.assertTrue(all(wordnet_tasks.is_heldout(w, 10) for w in held))
        for e in self.train:
            self.assertFalse(wordnet_tasks.is_heldout(e["word"], 10), e)
            self.assertNotIn(e["word"].lower(), held)
            if e["task"] not in ("define", "sentence"):  # one-word answers are words too
                self.assertFalse(any(wordnet_tasks.is_heldout(r, 10) for r in e["references"]), e)

    def test_examples_are_well_formed(self):
        for e in self.train + self.heldout:
            self.assertIn(e["gold"], e["references"])
            refs = {r.lower() for r in e["references"]}
            self.assertGreaterEqual(len(e["candidates"]), 2)
            self.assertFalse(refs & {c.lower() for c in e["candidates"]}, e)
            self.assertEqual(len({c.lower() for c in e["candidates"]}), len(e["candidates"]))
            self.assertIn(e["word"], e["instruction"] if e["task"] != "pick_word" else e["gold"])

    def test_answers_do_not_leak_into_instructions(self):
        for e in self.train + self.heldout:
            if e["task"] in ("define", "sentence"):
                self.assertNotIn(e["gold"], e["instruction"], e)

    def test_the_headword_stands_alone_in_the_instruction(self):
        # A word glued to a quote or bracket ("happy") is other sentencepiece tokens than the word
        # alone, so a scorer could not match it with the same word in a response.
        import re
        for e in self.train + self.heldout:
            if e["task"] == "pick_word":
                continue
            m = re.search(r"(^|[ \n])%s([ ,.:;?]|$)" % re.escape(e["word"]), e["instruction"])
            self.assertIsNotNone(m, e["instruction"])
        for task, templates in wordnet_tasks.TEMPLATES.items():
            for t in templates:
                self.assertNotRegex(t, r"[\"'(\[]\{", "%s: %s" % (task, t))

    def test_pretraining_glosses_leave_out_every_held_out_word(self):
        texts = wordnet_tasks.training_glosses(self.wn, 10)
        self.assertGreater(len(texts), 50000)
        heads = {e[:e.index(")") + 1] for e, _ in texts}  # "lemmas (part of speech)"
        # No synset with a held-out word, so no held-out example's gold gloss (define) or the gloss
        # in its instruction (the other tasks): its entry (lemmas, part of speech) is not there.
        for s in self.wn.synsets.values():
            if any(wordnet_tasks.is_heldout(l, 10) for l in s.lemmas):
                head = "%s (%s)" % (", ".join(s.lemmas), wordnet.POS_NAMES[s.pos])
                self.assertNotIn(head, heads)
        for entry, _ in texts:
            words = entry.rsplit(" (", 1)[0].split(", ")
            self.assertFalse(any(wordnet_tasks.is_heldout(w, 10) for w in words), entry)
            for part in entry.split(", ")[1:]:
                for prefix in ("a kind of ", "the opposite of "):
                    if part.startswith(prefix):
                        self.assertFalse(wordnet_tasks.is_heldout(part[len(prefix):], 10), entry)
        self.assertIn(("dog, domestic dog, Canis familiaris (noun), a kind of canine",
                       "a member of the genus Canis (probably descended from the common wolf) that has been "
                       "domesticated by man since prehistoric times; occurs in many breeds; the dog barked all "
                       "night"), texts)

    def test_corruptions_are_added_to_training_examples_only(self):
        train, heldout = wordnet_tasks.generate(self.wn, 0, 10, 40, 15, train_corruptions=4, train_shuffles=1)
        self.assertEqual(heldout, self.heldout)
        self.assertEqual(len(train), len(self.train))
        grew = 0
        for plain, more in zip(self.train, train):
            added = more.pop(wordnet_tasks.CORRUPTIONS_KEY, 0)
            self.assertEqual(more["candidates"][:len(more["candidates"]) - added], plain["candidates"])
            if more["task"] in wordnet_tasks.CORRUPTED_TASKS:
                grew += added > 0
                self.assertLessEqual(added, 5)
                self.assertEqual(len({c.lower() for c in more["candidates"]}), len(more["candidates"]))
                self.assertFalse({r.lower() for r in more["references"]} & {c.lower() for c in more["candidates"]})
            else:
                self.assertEqual(added, 0)
                self.assertEqual(more, plain)
        self.assertGreater(grew, 60)  # of the 80 define and sentence examples

    def test_the_files_written(self):
        import json
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            plain, damaged = os.path.join(tmp, "plain"), os.path.join(tmp, "damaged")
            common = ["--max-train-per-task", "20", "--max-heldout-per-task", "5"]
            wordnet_tasks.main(["--out", plain] + common)
            wordnet_tasks.main(["--out", damaged, "--train-corruptions", "3"] + common)
            read = lambda d, f: open(os.path.join(d, f), encoding="utf-8").read()  # noqa: E731
            self.assertEqual(read(plain, "heldout.jsonl"), read(damaged, "heldout.jsonl"))
            self.assertEqual(read(plain, "text.txt"), read(damaged, "text.txt"))  # so the same tokenizer
            rows = [json.loads(l) for l in read(damaged, "train.jsonl").splitlines()]
            self.assertFalse([r for r in rows if wordnet_tasks.CORRUPTIONS_KEY in r])
            plain_rows = [json.loads(l) for l in read(plain, "train.jsonl").splitlines()]
            added = sum(len(r["candidates"]) - len(p["candidates"]) for r, p in zip(rows, plain_rows))
            self.assertGreater(added, 60)  # 40 define and sentence examples, most with 3 copies
            info = json.loads(read(damaged, "info.json"))["training"]["task data"]
            self.assertIn("--train-corruptions 3 --train-shuffles 0", info)
            self.assertIn("%d damaged copies" % added, info)
            self.assertNotIn("damaged", json.loads(read(plain, "info.json"))["training"]["task data"])

    def test_a_negative_count_is_refused(self):
        import contextlib
        import io
        for flag in ("--train-corruptions", "--train-shuffles"):
            err = io.StringIO()
            with self.assertRaises(SystemExit) as e, contextlib.redirect_stderr(err):
                wordnet_tasks.main(["--out", "/nonexistent/never-written", flag, "-1"])
            self.assertEqual(e.exception.code, 2)
            self.assertIn("%s: must be 0 or more, not -1" % flag, err.getvalue())

    def test_deterministic(self):
        again = wordnet_tasks.generate(self.wn, 0, 10, 40, 15)
        self.assertEqual((self.train, self.heldout), again)
        other = wordnet_tasks.generate(self.wn, 1, 10, 40, 15)
        self.assertNotEqual(self.train, other[0])


if __name__ == "__main__":
    unittest.main()
