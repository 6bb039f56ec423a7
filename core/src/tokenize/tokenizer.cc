#include "tokenize/tokenizer.h"

#include <algorithm>
#include <string>

namespace cappy {
namespace {

void append(Encoding& e, const std::vector<std::int32_t>& ids, const std::vector<std::int32_t>& types,
            std::int32_t default_type) {
  e.ids.insert(e.ids.end(), ids.begin(), ids.end());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    e.type_ids.push_back(types.size() == ids.size() ? types[i] : default_type);
  }
}

std::size_t budget_for(std::size_t max_length, std::size_t added, const char* what) {
  if (max_length < added) {
    throw Error("max_length " + std::to_string(max_length) + " is smaller than the " +
                std::to_string(added) + " special tokens of a " + what + " encoding");
  }
  return max_length - added;
}

}  // namespace

PairTemplate PairTemplate::roberta(std::int32_t cls, std::int32_t sep) {
  PairTemplate t;
  t.single_prefix = {cls};
  t.single_suffix = {sep};
  t.pair_prefix = {cls};
  t.pair_middle = {sep, sep};
  t.pair_suffix = {sep};
  t.type_a = 0;
  t.type_b = 0;  // RoBERTa has one token type (HF's RobertaProcessing sets every type id to 0)
  return t;
}

PairTemplate PairTemplate::bert(std::int32_t cls, std::int32_t sep) {
  PairTemplate t;
  t.single_prefix = {cls};
  t.single_suffix = {sep};
  t.pair_prefix = {cls};
  t.pair_middle = {sep};
  t.pair_suffix = {sep};
  t.type_a = 0;
  t.type_b = 1;
  return t;
}

KeptLengths longest_first(std::size_t len_a, std::size_t len_b, std::size_t budget) {
  if (len_a + len_b <= budget) return {len_a, len_b};
  // HF truncation.rs: n1 is the shorter side. The shorter side is kept whole
  // when the longer one can absorb the cut; otherwise both get half, and the
  // longer side keeps the odd token.
  const bool swapped = len_a > len_b;
  std::size_t n1 = swapped ? len_b : len_a;
  std::size_t n2;
  if (n1 > budget) {
    n2 = n1;
  } else {
    n2 = std::max(n1, budget - n1);
  }
  if (n1 + n2 > budget) {
    n1 = budget / 2;
    n2 = n1 + budget % 2;
  }
  if (swapped) std::swap(n1, n2);
  return {std::min(n1, len_a), std::min(n2, len_b)};
}

std::size_t length_seen_by_truncation(std::size_t length, const std::vector<std::size_t>& word_ends,
                                      std::size_t max_length) {
  for (const std::size_t end : word_ends) {
    if (end >= max_length) return end;
  }
  return length;
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b, std::size_t max_length) const {
  std::vector<std::size_t> words_a, words_b;
  std::vector<std::int32_t> ids_a = encode(a, max_length > 0 ? &words_a : nullptr);
  std::vector<std::int32_t> ids_b = encode(b, max_length > 0 ? &words_b : nullptr);
  const PairTemplate& t = pair_template();
  if (max_length > 0) {
    // HF tokenizers (0.23) stops tokenizing each text once max_length tokens
    // are reached, at the end of a pre-token (tokenize_with_limit), before
    // the pair rule runs; the rule sees those lengths. It only changes which
    // side keeps the odd token when both are cut (checked against HF itself
    // in tests/tokenizers/conformance.mjs).
    const KeptLengths kept = longest_first(length_seen_by_truncation(ids_a.size(), words_a, max_length),
                                           length_seen_by_truncation(ids_b.size(), words_b, max_length),
                                           budget_for(max_length, t.added_pair(), "pair"));
    ids_a.resize(kept.a);
    ids_b.resize(kept.b);
  }
  Encoding e;
  e.ids.reserve(ids_a.size() + ids_b.size() + t.added_pair());
  e.type_ids.reserve(e.ids.capacity());
  append(e, t.pair_prefix, t.pair_prefix_types, t.type_a);
  append(e, ids_a, {}, t.type_a);
  append(e, t.pair_middle, t.pair_middle_types, t.type_a);
  append(e, ids_b, {}, t.type_b);
  append(e, t.pair_suffix, t.pair_suffix_types, t.type_b);
  return e;
}

Encoding Tokenizer::encode_single(std::string_view text, std::size_t max_length) const {
  std::vector<std::int32_t> ids = encode_ids(text);
  const PairTemplate& t = pair_template();
  if (max_length > 0) {
    ids.resize(std::min(ids.size(), budget_for(max_length, t.added_single(), "single")));
  }
  Encoding e;
  append(e, t.single_prefix, t.single_prefix_types, t.single_type);
  append(e, ids, {}, t.single_type);
  append(e, t.single_suffix, t.single_suffix_types, t.single_type);
  return e;
}

}  // namespace cappy
