#!/usr/bin/python3
"""Write tests/fixtures/eval-set.jsonl: the built-in sample set of `cappy eval` and
`cappy convert --report` (100 instructions x 4 candidate responses, JSON Lines in the
`cappy score` input format). Deterministic: the same file on every run.

Each instruction has one correct answer and three others (a near miss, a wrong answer,
an off-topic or evasive one), so a trained scorer has a clear best candidate; for a
random-weight model only the agreement between weight formats is meaningful.
"""

import json
import os
import random

rng = random.Random(20231111)
items = []

# Arithmetic (25)
for _ in range(25):
    a, b = rng.randint(2, 99), rng.randint(2, 99)
    op = rng.choice(["+", "-", "*"])
    val = {"+": a + b, "-": a - b, "*": a * b}[op]
    word = {"+": "plus", "-": "minus", "*": "times"}[op]
    items.append((f"What is {a} {word} {b}?",
                  [f"{a} {word} {b} is {val}.", f"It is {val + rng.choice([-2, -1, 1, 2])}.",
                   f"The answer is {a * b + a if op != '*' else a + b}.", "I am not sure, math is hard."]))

# Capitals (25)
capitals = [("France", "Paris", "Lyon"), ("Japan", "Tokyo", "Osaka"), ("Italy", "Rome", "Milan"),
            ("Canada", "Ottawa", "Toronto"), ("Australia", "Canberra", "Sydney"),
            ("Brazil", "Brasilia", "Rio de Janeiro"), ("Germany", "Berlin", "Munich"),
            ("Spain", "Madrid", "Barcelona"), ("Turkey", "Ankara", "Istanbul"),
            ("India", "New Delhi", "Mumbai"), ("Egypt", "Cairo", "Alexandria"),
            ("Kenya", "Nairobi", "Mombasa"), ("Peru", "Lima", "Cusco"), ("Norway", "Oslo", "Bergen"),
            ("Poland", "Warsaw", "Krakow"), ("Vietnam", "Hanoi", "Ho Chi Minh City"),
            ("Morocco", "Rabat", "Casablanca"), ("Switzerland", "Bern", "Zurich"),
            ("New Zealand", "Wellington", "Auckland"), ("Nigeria", "Abuja", "Lagos"),
            ("Chile", "Santiago", "Valparaiso"), ("Portugal", "Lisbon", "Porto"),
            ("Greece", "Athens", "Thessaloniki"), ("Argentina", "Buenos Aires", "Cordoba"),
            ("South Korea", "Seoul", "Busan")]
for country, capital, city in capitals:
    other = rng.choice([c for _, c, _ in capitals if c != capital])
    items.append((f"Name the capital of {country}.",
                  [f"The capital of {country} is {capital}.", f"{city} is the capital of {country}.",
                   f"{other}.", f"{country} is a beautiful country with many cities."]))

# Word meanings (25)
words = [("happy", "glad", "sad"), ("large", "big", "small"), ("fast", "quick", "slow"),
         ("begin", "start", "finish"), ("smart", "clever", "foolish"), ("cold", "chilly", "hot"),
         ("rich", "wealthy", "poor"), ("angry", "furious", "calm"), ("tired", "weary", "rested"),
         ("brave", "courageous", "cowardly"), ("quiet", "silent", "loud"), ("easy", "simple", "hard"),
         ("old", "ancient", "new"), ("empty", "vacant", "full"), ("strong", "powerful", "weak"),
         ("wet", "damp", "dry"), ("shut", "close", "open"), ("near", "close by", "far"),
         ("correct", "right", "wrong"), ("tiny", "minute", "huge"), ("buy", "purchase", "sell"),
         ("hide", "conceal", "reveal"), ("gift", "present", "debt"), ("error", "mistake", "success"),
         ("shout", "yell", "whisper")]
for w, syn, ant in words:
    kind = rng.choice(["synonym", "antonym"])
    good, bad = (syn, ant) if kind == "synonym" else (ant, syn)
    items.append((f"Give a {kind} of the word \"{w}\".",
                  [f"A {kind} of \"{w}\" is \"{good}\".", f"\"{bad}\"", f"\"{w}\"",
                   "Words are a way to express ideas."]))

# Unit conversions (15)
for _ in range(15):
    kind = rng.choice(["km", "kg", "hours"])
    n = rng.randint(2, 40)
    if kind == "km":
        q, good, bad = f"How many meters are in {n} kilometers?", f"{n} kilometers are {n * 1000} meters.", f"{n * 100} meters."
    elif kind == "kg":
        q, good, bad = f"How many grams are in {n} kilograms?", f"There are {n * 1000} grams in {n} kilograms.", f"{n * 10} grams."
    else:
        q, good, bad = f"How many minutes are in {n} hours?", f"{n} hours have {n * 60} minutes.", f"{n * 100} minutes."
    items.append((q, [good, bad, "A kilometer is longer than a mile.", "Please ask me something else."]))

# Open instructions (10)
items += [
    ("Write a short greeting for a birthday card.",
     ["Happy birthday! Wishing you a year full of joy and good health.", "Get well soon.",
      "Birthday.", "The weather today is cloudy with a chance of rain."]),
    ("Summarize: The cat sat on the mat all afternoon and slept in the sun.",
     ["A cat napped on a mat in the sun.", "The dog ran in the park.", "Cats are mammals.",
      "The cat sat on the mat all afternoon and slept in the sun."]),
    ("Translate \"thank you\" into French.", ["Merci.", "Gracias.", "Danke.", "Thank you."]),
    ("Is water wet? Answer yes or no.", ["Yes.", "No.", "Maybe.", "Water boils at 100 degrees Celsius."]),
    ("List three primary colors.", ["Red, blue and yellow.", "Green, purple and orange.", "Red.",
                                    "Colors are light of different wavelengths."]),
    ("Which is heavier, a kilogram of iron or a kilogram of feathers?",
     ["They weigh the same: one kilogram each.", "The iron is heavier.", "The feathers are heavier.",
      "Iron is a metal."]),
    ("Suggest a name for a pet goldfish.", ["Bubbles.", "Rex the dog.", "Fish.", "Goldfish need clean water."]),
    ("What day comes after Monday?", ["Tuesday.", "Sunday.", "Friday.", "Mondays are busy."]),
    ("Complete the sentence: The early bird catches the ...", ["worm.", "train.", "cold.", "bird."]),
    ("Explain in one sentence why the sky is blue.",
     ["Air scatters blue sunlight more than red light, so the sky looks blue.",
      "Because the ocean reflects onto it.", "The sky is green.", "Look up and see."]),
]
assert len(items) == 100, len(items)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "eval-set.jsonl")
with open(out, "w") as f:
    for instruction, responses in items:
        f.write(json.dumps({"instruction": instruction, "responses": responses}) + "\n")
print("wrote", os.path.normpath(out), len(items), "instructions")
