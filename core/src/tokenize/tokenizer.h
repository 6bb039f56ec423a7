// The core's tokenizer interface: text -> ids, pair encoding with the model
// family's special tokens and HF's longest_first truncation.
//
// One interface for every tokenizer kind (byte-level BPE, WordPiece, and
// later sentencepiece / Unigram) and for every build (native, wasm).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cappy/cappy.h"

namespace cappy {

class ModelFiles;

// How a pair (or a single text) is wrapped in special tokens, e.g.
// RoBERTa: <s> A </s></s> B </s>, all type 0;
// BERT:    [CLS] A [SEP] B [SEP], type 0 then type 1 from B on.
struct PairTemplate {
  std::vector<std::int32_t> single_prefix, single_suffix;   // <s> A </s>
  std::vector<std::int32_t> pair_prefix, pair_middle, pair_suffix;
  std::int32_t type_a = 0;         // type id of A and the specials before/around it
  std::int32_t type_b = 0;         // type id of B and the specials after it
  // Per-special type ids where a TemplateProcessing gives them; an empty list
  // means: single specials and A-side pair specials type_a, pair_suffix type_b.
  std::vector<std::int32_t> single_prefix_types, single_suffix_types;
  std::vector<std::int32_t> pair_prefix_types, pair_middle_types, pair_suffix_types;
  std::int32_t single_type = 0;    // type id of the text in a single encoding

  // The two families' templates (cls/sep are token ids).
  static PairTemplate roberta(std::int32_t cls, std::int32_t sep);
  static PairTemplate bert(std::int32_t cls, std::int32_t sep);
  // Special-token counts, used by truncation to compute the budget.
  std::size_t added_single() const { return single_prefix.size() + single_suffix.size(); }
  std::size_t added_pair() const {
    return pair_prefix.size() + pair_middle.size() + pair_suffix.size();
  }
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Ids of one text without special tokens (what HF calls
  // encode(text, add_special_tokens=False)). Invalid UTF-8 throws Error.
  std::vector<std::int32_t> encode_ids(std::string_view text) const { return encode(text, nullptr); }

  // The same; when `word_ends` is given, also where the ids of each
  // pre-token the model encoded end (HF's splits; added tokens are not
  // listed), which HF's pair truncation looks at (see encode_pair).
  virtual std::vector<std::int32_t> encode(std::string_view text, std::vector<std::size_t>* word_ends) const = 0;

  virtual const PairTemplate& pair_template() const = 0;
  virtual std::size_t vocab_size() const = 0;
  virtual std::int32_t pad_id() const = 0;

  // Pair encoding with special tokens; when max_length > 0 the two texts are
  // truncated with HF's longest_first rule so the result fits max_length.
  Encoding encode_pair(std::string_view a, std::string_view b, std::size_t max_length) const;
  // Single-text encoding with special tokens, truncated from the right.
  Encoding encode_single(std::string_view text, std::size_t max_length) const;
};

// HF tokenizers' longest_first rule (truncation.rs) for a pair of lengths
// that must fit `budget` tokens (max length minus the special tokens).
// Returns the lengths to keep; each side keeps its first tokens.
struct KeptLengths {
  std::size_t a, b;
};
KeptLengths longest_first(std::size_t len_a, std::size_t len_b, std::size_t budget);

// How long HF's tokenize_with_limit leaves a text of `length` ids when it
// stops at max_length: the end of the first pre-token (word_ends, as
// Tokenizer::encode gives them) that reaches max_length, else the whole text.
std::size_t length_seen_by_truncation(std::size_t length, const std::vector<std::size_t>& word_ends,
                                      std::size_t max_length);

// Loads the tokenizer of an HF checkpoint directory: tokenizer.json wins over
// the older files (vocab.json + merges.txt, vocab.txt), as in HF.
// model_type ("roberta", "bert", ...) picks the pair template for the older
// files. Reads tokenizer_config.json (do_lower_case, model_max_length).
struct LoadedTokenizer {
  std::unique_ptr<Tokenizer> tokenizer;
  std::size_t model_max_length = 0;  // 0 when the directory does not say
};
LoadedTokenizer load_tokenizer(const ModelFiles& files, const std::string& model_type);
LoadedTokenizer load_tokenizer(const std::string& directory, const std::string& model_type);

}  // namespace cappy
