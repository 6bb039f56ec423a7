// The stages of HF's tokenizer pipeline that a generic tokenizer chains:
// normalizers (text -> text) and pre-tokenizers (words -> smaller words).
// The specialized tokenizers (byte-level BPE, WordPiece) inline their stages;
// these are for the sentencepiece-style pipelines (Precompiled, WhitespaceSplit,
// Metaspace) and for whatever tokenizer.json combines from them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cappy {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // `text` is valid UTF-8; so is the result.
  virtual std::string normalize(std::string_view text) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `words` by their pieces, in order; no piece is empty.
  virtual void split(std::vector<std::string>& words) const = 0;
  // The same, keeping `first_at_start` up to date: whether words[0] starts
  // at the very start of the input text (HF's offsets_original().0 == 0),
  // which Metaspace's prepend_scheme "first" looks at. The default is for
  // pre-tokenizers that never drop the start of the first word.
  virtual void split_tracking_start(std::vector<std::string>& words, bool& first_at_start) const { split(words); }
};

// HF's WhitespaceSplit: splits on White_Space characters and drops them.
class WhitespaceSplit final : public PreTokenizer {
 public:
  void split(std::vector<std::string>& words) const override;
  void split_tracking_start(std::vector<std::string>& words, bool& first_at_start) const override;
};

// HF's Metaspace: ' ' becomes the replacement (U+2581 "▁"), the replacement is
// prepended to a word that does not start with it (prepend_scheme "always";
// "first": only to a word at the very start of the text; "never"), and with
// `split_words` each word is cut before every replacement character.
class Metaspace final : public PreTokenizer {
 public:
  enum class Prepend { Always, First, Never };
  Metaspace(char32_t replacement, Prepend prepend, bool split_words);
  Metaspace(char32_t replacement, bool prepend, bool split_words)
      : Metaspace(replacement, prepend ? Prepend::Always : Prepend::Never, split_words) {}
  void split(std::vector<std::string>& words) const override;
  void split_tracking_start(std::vector<std::string>& words, bool& first_at_start) const override;
  Prepend prepend() const { return prepend_; }

 private:
  std::string replacement_;
  Prepend prepend_;
  bool split_words_;
};

// Normalizers applied one after the other (HF's normalizers.Sequence).
class NormalizerSequence final : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  std::string normalize(std::string_view text) const override;

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace cappy
