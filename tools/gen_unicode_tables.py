#!/usr/bin/python3
"""Writes core/src/tokenize/unicode_tables.inc from Python's unicodedata.

Run with Debian's /usr/bin/python3 (its unicodedata is the Unicode version
recorded in the output). The tables are compact sorted ranges so that the core
needs no ICU and compiles the same for wasm:

  kGeneralCategory   (first code point << 5 | category), one entry per run of
                     code points with the same general category; every
                     predicate the tokenizers need (\\p{L}, \\p{N}, Mn, P*, C*,
                     \\w) derives from it.
  kCombiningClass    (first, last, class) runs with a nonzero canonical
                     combining class, for NFD's canonical reordering.
  kDecomposition     (code point, offset, length) into kDecompositionPool: the
                     full, recursive canonical decomposition (Hangul syllables
                     are decomposed algorithmically in code instead).
  kLowercaseRange    (first, last, stride, delta): runs whose one-character
                     lowercase is code point + delta; stride 2 covers the
                     alternating upper/lower blocks.
  kLowercaseSpecial  one-to-many lowercase mappings (e.g. U+0130).

White_Space is not exposed by unicodedata; its list (PropList.txt) has been
stable since Unicode 6.3 and is written here by hand.

Usage: /usr/bin/python3 tools/gen_unicode_tables.py [output path]
"""
import os
import sys
import unicodedata

MAX_CP = 0x110000

CATEGORIES = [
    "Cn", "Cc", "Cf", "Cs", "Co",
    "Lu", "Ll", "Lt", "Lm", "Lo",
    "Mn", "Mc", "Me",
    "Nd", "Nl", "No",
    "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
    "Sm", "Sc", "Sk", "So",
    "Zs", "Zl", "Zp",
]

WHITE_SPACE = [
    (0x0009, 0x000D), (0x0020, 0x0020), (0x0085, 0x0085), (0x00A0, 0x00A0),
    (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F),
    (0x205F, 0x205F), (0x3000, 0x3000),
]

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def general_category_runs():
    runs = []
    previous = None
    for cp in range(MAX_CP):
        category = CATEGORIES.index(unicodedata.category(chr(cp)))
        if category != previous:
            runs.append((cp, category))
            previous = category
    return runs


def combining_class_runs():
    runs = []
    for cp in range(MAX_CP):
        ccc = unicodedata.combining(chr(cp))
        if ccc == 0:
            continue
        if runs and runs[-1][1] == cp - 1 and runs[-1][2] == ccc:
            runs[-1] = (runs[-1][0], cp, ccc)
        else:
            runs.append((cp, cp, ccc))
    return runs


def canonical_decomposition(cp):
    fields = unicodedata.decomposition(chr(cp)).split()
    if not fields or fields[0].startswith("<"):
        return [cp]
    out = []
    for field in fields:
        out.extend(canonical_decomposition(int(field, 16)))
    return out


def decompositions():
    table = []
    for cp in range(MAX_CP):
        if HANGUL_FIRST <= cp <= HANGUL_LAST:
            continue
        full = canonical_decomposition(cp)
        if full != [cp]:
            # Python's NFD also reorders marks; the table holds the decomposed
            # string in that order so the lookup and the check agree.
            assert [ord(c) for c in unicodedata.normalize("NFD", chr(cp))] == \
                sorted_by_ccc(full), hex(cp)
            table.append((cp, sorted_by_ccc(full)))
    return table


def sorted_by_ccc(cps):
    # Stable sort of each run of nonzero-class marks (canonical ordering).
    out = list(cps)
    i = 0
    while i < len(out):
        if unicodedata.combining(chr(out[i])) == 0:
            i += 1
            continue
        j = i
        while j < len(out) and unicodedata.combining(chr(out[j])) != 0:
            j += 1
        out[i:j] = sorted(out[i:j], key=lambda c: unicodedata.combining(chr(c)))
        i = j
    return out


def lowercase_tables():
    single = {}
    special = []
    for cp in range(MAX_CP):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        lower = chr(cp).lower()
        if lower == chr(cp):
            continue
        if len(lower) == 1:
            single[cp] = ord(lower) - cp
        else:
            special.append((cp, [ord(c) for c in lower]))
    # Greedy runs from the smallest unmapped code point: the longer of a
    # stride-1 and a stride-2 run with one delta.
    ranges = []
    remaining = dict(single)
    for first in sorted(single):
        if first not in remaining:
            continue
        delta = remaining[first]
        best_last, best_stride, best_count = first, 1, 0
        for stride in (1, 2):
            last, count = first, 1
            # A stride-2 run may only skip code points that have no mapping,
            # so that runs never interleave (lookups binary-search on first).
            while remaining.get(last + stride) == delta and \
                    (stride == 1 or last + 1 not in single):
                last += stride
                count += 1
            if count > best_count:
                best_last, best_stride, best_count = last, stride, count
        ranges.append((first, best_last, best_stride, delta))
        for cp in range(first, best_last + 1, best_stride):
            del remaining[cp]
    ranges.sort()
    return ranges, special


def check_lowercase(ranges, special):
    lookup = {}
    for first, last, stride, delta in ranges:
        for cp in range(first, last + 1, stride):
            assert cp not in lookup, hex(cp)
            lookup[cp] = [cp + delta]
    for cp, out in special:
        lookup[cp] = out
    for cp in range(MAX_CP):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        expected = [ord(c) for c in chr(cp).lower()]
        assert lookup.get(cp, [cp]) == expected, hex(cp)
    # Lookups binary-search on `first`; runs must not interleave.
    for a, b in zip(ranges, ranges[1:]):
        assert a[1] < b[0], (hex(a[0]), hex(b[0]))


def hexlist(values, per_line, fmt):
    lines = []
    for i in range(0, len(values), per_line):
        lines.append("    " + " ".join(fmt(v) + "," for v in values[i:i + per_line]))
    return "\n".join(lines)


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "core", "src", "tokenize", "unicode_tables.inc")

    gc_runs = general_category_runs()
    ccc_runs = combining_class_runs()
    decomp = decompositions()
    lower_ranges, lower_special = lowercase_tables()
    check_lowercase(lower_ranges, lower_special)

    pool = []
    decomp_entries = []
    for cp, seq in decomp:
        decomp_entries.append((cp, len(pool), len(seq)))
        pool.extend(seq)
    special_pool = []
    special_entries = []
    for cp, seq in lower_special:
        special_entries.append((cp, len(special_pool), len(seq)))
        special_pool.extend(seq)

    parts = []
    parts.append("// Generated by tools/gen_unicode_tables.py from Python's unicodedata "
                 f"(Unicode {unicodedata.unidata_version}). Do not edit.\n"
                 "// Included by unicode.cc only.\n"
                 f"constexpr const char* kUnicodeVersion = \"{unicodedata.unidata_version}\";\n")
    parts.append("// General categories, in the order of the GeneralCategory enum.\n"
                 "// Entry: first code point << 5 | category; a run lasts until the next entry.\n"
                 f"constexpr std::uint32_t kGeneralCategory[{len(gc_runs)}] = {{\n" +
                 hexlist([(cp << 5) | c for cp, c in gc_runs], 8, lambda v: f"0x{v:07x}") +
                 "\n};\n")
    parts.append("constexpr std::uint32_t kWhiteSpace[][2] = {\n" +
                 "\n".join(f"    {{0x{a:04x}, 0x{b:04x}}}," for a, b in WHITE_SPACE) + "\n};\n")
    parts.append(f"constexpr CombiningRun kCombiningClass[{len(ccc_runs)}] = {{\n" +
                 hexlist(ccc_runs, 4, lambda r: f"{{0x{r[0]:05x}, 0x{r[1]:05x}, {r[2]}}}") +
                 "\n};\n")
    parts.append(f"constexpr char32_t kDecompositionPool[{len(pool)}] = {{\n" +
                 hexlist(pool, 10, lambda v: f"0x{v:04x}") + "\n};\n")
    parts.append(f"constexpr Decomposition kDecomposition[{len(decomp_entries)}] = {{\n" +
                 hexlist(decomp_entries, 4, lambda e: f"{{0x{e[0]:05x}, {e[1]}, {e[2]}}}") +
                 "\n};\n")
    parts.append(f"constexpr LowercaseRun kLowercaseRange[{len(lower_ranges)}] = {{\n" +
                 hexlist(lower_ranges, 3,
                         lambda r: f"{{0x{r[0]:05x}, 0x{r[1]:05x}, {r[2]}, {r[3]}}}") + "\n};\n")
    parts.append(f"constexpr char32_t kLowercaseSpecialPool[{len(special_pool)}] = {{\n" +
                 hexlist(special_pool, 10, lambda v: f"0x{v:04x}") + "\n};\n")
    parts.append(f"constexpr Decomposition kLowercaseSpecial[{len(special_entries)}] = {{\n" +
                 hexlist(special_entries, 4, lambda e: f"{{0x{e[0]:05x}, {e[1]}, {e[2]}}}") +
                 "\n};\n")
    with open(out_path, "w", encoding="ascii") as f:
        f.write("\n".join(parts))
    print(f"{out_path}: {len(gc_runs)} category runs, {len(ccc_runs)} combining runs, "
          f"{len(decomp_entries)} decompositions, {len(lower_ranges)} lowercase runs, "
          f"{len(special_entries)} special lowercase")


if __name__ == "__main__":
    main()
