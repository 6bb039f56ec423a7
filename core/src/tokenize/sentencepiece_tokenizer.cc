#include "tokenize/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include <algorithm>

#include "cappy/cappy.h"
#include "model/model_files.h"
#include "tokenize/added_tokens.h"
#include "util/utf8.h"

namespace cappy {
namespace {

// XLM-R's fairseq dictionary: four specials first, then the pieces shifted
// by one (sentencepiece's own <unk>, <s>, </s> at 0..2 are never produced by
// encoding text, except <unk>, which maps to fairseq's <unk>).
constexpr std::int32_t kFairseqBos = 0, kFairseqPad = 1, kFairseqEos = 2, kFairseqUnk = 3, kFairseqOffset = 1;

enum class IdScheme { Own, Fairseq };

class SentencePieceTokenizer final : public Tokenizer {
 public:
  SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor, IdScheme scheme,
                         std::vector<AddedToken> added, PairTemplate pair_template, std::int32_t pad_id,
                         std::size_t vocab_size, std::string origin)
      : processor_(std::move(processor)),
        scheme_(scheme),
        template_(std::move(pair_template)),
        pad_id_(pad_id),
        vocab_size_(vocab_size),
        origin_(std::move(origin)) {
    added_ = AddedVocabulary::build(std::move(added), [](std::string_view s) { return std::string(s); });
  }

  std::vector<std::int32_t> encode(std::string_view text, std::vector<std::size_t>* word_ends) const override {
    validate_utf8(text);
    std::vector<std::int32_t> ids;
    added_.encode(
        text, nullptr,
        [this, word_ends](std::string_view piece, std::vector<std::int32_t>& out) { encode_text(piece, out, word_ends); },
        ids);
    return ids;
  }
  const PairTemplate& pair_template() const override { return template_; }
  std::size_t vocab_size() const override { return vocab_size_; }
  std::int32_t pad_id() const override { return pad_id_; }

 private:
  void encode_text(std::string_view text, std::vector<std::int32_t>& out, std::vector<std::size_t>* word_ends) const {
    // One buffer per thread, reused: most texts are short, and a fresh
    // vector's growth costs as much as encoding them.
    thread_local std::vector<int> ids;
    const auto status = processor_->Encode(text, &ids);
    if (!status.ok()) throw Error(origin_ + ": sentencepiece could not encode a text: " + status.ToString());
    const std::size_t start = out.size();
    out.reserve(start + ids.size());
    for (const int id : ids) {
      // Words as HF's converted tokenizers split them (Metaspace): each
      // piece that starts with U+2581 starts a word.
      if (word_ends && out.size() > start && processor_->IdToPiece(id).starts_with("\xE2\x96\x81")) {
        word_ends->push_back(out.size());
      }
      if (scheme_ == IdScheme::Own) {
        out.push_back(id);
      } else {
        out.push_back(processor_->IsUnknown(id) ? kFairseqUnk : id + kFairseqOffset);
      }
    }
    if (word_ends && out.size() > start) word_ends->push_back(out.size());
  }

  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  IdScheme scheme_;
  AddedVocabulary added_;
  PairTemplate template_;
  std::int32_t pad_id_;
  std::size_t vocab_size_;
  std::string origin_;
};

AddedToken special(std::string content, std::int32_t id, bool lstrip = false) {
  AddedToken token;
  token.content = std::move(content);
  token.id = id;
  token.lstrip = lstrip;
  token.normalized = false;  // matched in the raw text, as HF's special tokens
  token.special = true;
  return token;
}

std::int32_t require_piece(const sentencepiece::SentencePieceProcessor& p, const char* piece,
                           const std::string& origin, const std::string& model_type) {
  const int id = p.PieceToId(piece);
  if (id < 0 || id >= p.GetPieceSize() || p.IdToPiece(id) != piece) {
    throw Error(origin + ": has no piece \"" + piece + "\", which the pair template of model_type \"" + model_type +
                "\" needs");
  }
  return id;
}

}  // namespace

bool sentencepiece_available() { return true; }

std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const ModelFiles& files, const std::string& name,
                                                        const std::string& model_type, const TokenizerConfig& config) {
  const std::string origin = files.origin(name);
  if (model_type == "camembert") {
    throw Error(origin + ": CamemBERT's sentencepiece id mapping is not supported; give the checkpoint's "
                "tokenizer.json instead");
  }
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  if (const auto status = processor->LoadFromSerializedProto(files.open(name).text()); !status.ok()) {
    throw Error(origin + ": not a sentencepiece model: " + status.ToString());
  }
  const std::int32_t pieces = processor->GetPieceSize();
  std::vector<AddedToken> added;
  PairTemplate pair_template;
  std::int32_t pad = 0;
  std::size_t vocab_size = static_cast<std::size_t>(pieces);
  IdScheme scheme = IdScheme::Own;

  if (model_type == "xlm-roberta") {
    scheme = IdScheme::Fairseq;
    const std::int32_t mask = pieces + kFairseqOffset;
    added = {special("<s>", kFairseqBos), special("<pad>", kFairseqPad), special("</s>", kFairseqEos),
             special("<unk>", kFairseqUnk), special("<mask>", mask, /*lstrip=*/true)};
    pair_template = PairTemplate::roberta(kFairseqBos, kFairseqEos);
    pad = kFairseqPad;
    vocab_size = static_cast<std::size_t>(mask) + 1;
  } else {
    // The model's own control and unknown pieces are its special tokens.
    for (std::int32_t id = 0; id < pieces; ++id) {
      if (processor->IsControl(id) || processor->IsUnknown(id)) added.push_back(special(processor->IdToPiece(id), id));
    }
    if (model_type == "albert") {
      const std::int32_t cls = require_piece(*processor, "[CLS]", origin, model_type);
      const std::int32_t sep = require_piece(*processor, "[SEP]", origin, model_type);
      pair_template = PairTemplate::bert(cls, sep);
      for (const char* extra : {"[CLS]", "[SEP]", "[MASK]"}) {
        if (const int id = processor->PieceToId(extra); id >= 0 && processor->IdToPiece(id) == extra) {
          added.push_back(special(extra, id, std::string(extra) == "[MASK]"));
        }
      }
    } else {
      const std::int32_t eos = require_piece(*processor, "</s>", origin, model_type.empty() ? "(none)" : model_type);
      pair_template.single_suffix = {eos};
      pair_template.pair_middle = {eos};
      pair_template.pair_suffix = {eos};
      for (std::size_t n = 0; n < config.extra_ids; ++n) {
        added.push_back(special("<extra_id_" + std::to_string(n) + ">",
                                static_cast<std::int32_t>(pieces + config.extra_ids - 1 - n)));
      }
      vocab_size += config.extra_ids;
    }
    if (const int id = processor->PieceToId("<pad>"); id >= 0 && processor->IdToPiece(id) == "<pad>") pad = id;
  }
  return std::make_unique<SentencePieceTokenizer>(std::move(processor), scheme, std::move(added),
                                                  std::move(pair_template), pad, vocab_size, origin);
}

}  // namespace cappy
