// The older tokenizer files: vocab.json + merges.txt (byte-level BPE) and
// vocab.txt (WordPiece). They carry no special-token or template metadata,
// so those come from the model family, as HF's slow->fast converters do.
#include <nlohmann/json.hpp>
#include <sstream>

#include "cappy/cappy.h"
#include "model/model_files.h"
#include "util/json_file.h"
#include "tokenize/byte_level_bpe_tokenizer.h"
#include "tokenize/loaders.h"
#include "tokenize/wordpiece_tokenizer.h"

namespace cappy {
namespace {

Vocab read_vocab_json(std::string_view text, const std::string& path) {
  const nlohmann::json json = parse_json(text, path);
  if (!json.is_object()) throw Error(path + ": not a JSON object of token -> id");
  Vocab vocab;
  for (const auto& [token, id] : json.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() > INT32_MAX) {
      throw Error(path + ": token \"" + token + "\" has no valid id");
    }
    vocab.add(token, id.get<std::int32_t>());
  }
  return vocab;
}

std::vector<std::pair<std::string, std::string>> read_merges_txt(std::string_view text, const std::string& path) {
  std::istringstream in{std::string(text)};
  std::vector<std::pair<std::string, std::string>> merges;
  std::string line;
  for (std::size_t line_number = 1; std::getline(in, line); ++line_number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number == 1 && line.starts_with("#version")) continue;
    if (line.empty()) continue;
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
      throw Error(path + ":" + std::to_string(line_number) + ": a merge must be two tokens separated by one space");
    }
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  return merges;
}

Vocab read_vocab_txt(std::string_view text) {
  std::istringstream in{std::string(text)};
  Vocab vocab;
  std::string line;
  std::int32_t id = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.add(line, id++);
  }
  return vocab;
}

struct SpecialSpec {
  const char* content;
  bool lstrip;
};

// The family's specials that the vocabulary has, as added tokens.
std::vector<AddedToken> specials_in(const Vocab& vocab, std::initializer_list<SpecialSpec> specs, bool normalized) {
  std::vector<AddedToken> tokens;
  for (const SpecialSpec& spec : specs) {
    const std::int32_t id = vocab.find(spec.content);
    if (id < 0) continue;
    AddedToken token;
    token.content = spec.content;
    token.id = id;
    token.lstrip = spec.lstrip;
    token.normalized = normalized;
    token.special = true;
    tokens.push_back(token);
  }
  return tokens;
}

std::int32_t require(const Vocab& vocab, const char* token, const std::string& path, const std::string& model_type) {
  const std::int32_t id = vocab.find(token);
  if (id < 0) {
    const std::string which = model_type.empty() ? "the default (BERT) pair template, used when no model_type is known,"
                                                  : "the pair template of model_type \"" + model_type + "\"";
    throw Error(path + ": has no \"" + token + "\", which " + which + " needs");
  }
  return id;
}

PairTemplate family_template(const Vocab& vocab, const std::string& path, const std::string& model_type) {
  if (uses_roberta_template(model_type)) {
    return PairTemplate::roberta(require(vocab, "<s>", path, model_type), require(vocab, "</s>", path, model_type));
  }
  return PairTemplate::bert(require(vocab, "[CLS]", path, model_type), require(vocab, "[SEP]", path, model_type));
}

std::int32_t find_pad(const Vocab& vocab) {
  for (const char* pad : {"<pad>", "[PAD]"}) {
    if (const std::int32_t id = vocab.find(pad); id >= 0) return id;
  }
  return 0;
}

}  // namespace

std::unique_ptr<Tokenizer> load_legacy_tokenizer(const ModelFiles& files, const std::string& model_type,
                                                 const TokenizerConfig& config) {
  const std::string vocab_json = files.origin("vocab.json");
  const std::string merges_txt = files.origin("merges.txt");
  const std::string vocab_txt = files.origin("vocab.txt");
  if (files.has("vocab.json") && files.has("merges.txt")) {
    Vocab vocab = read_vocab_json(files.open("vocab.json").text(), vocab_json);
    // RoBERTa's specials; <mask> takes the space before it (HF's
    // RobertaTokenizer declares it lstrip=True).
    std::vector<AddedToken> added = specials_in(
        vocab, {{"<s>", false}, {"<pad>", false}, {"</s>", false}, {"<unk>", false}, {"<mask>", true}}, true);
    PairTemplate pair_template = family_template(vocab, vocab_json, model_type);
    const std::int32_t pad = find_pad(vocab);
    ByteLevelBpeTokenizer::Options options;
    options.add_prefix_space = config.add_prefix_space;
    BpeModel model(std::move(vocab), read_merges_txt(files.open("merges.txt").text(), merges_txt), BpeModel::Options{});
    return std::make_unique<ByteLevelBpeTokenizer>(std::move(model), std::move(added), std::move(pair_template),
                                                   options, pad);
  }
  if (files.has("vocab.txt")) {
    Vocab vocab = read_vocab_txt(files.open("vocab.txt").text());
    std::vector<AddedToken> added = specials_in(
        vocab, {{"[PAD]", false}, {"[UNK]", false}, {"[CLS]", false}, {"[SEP]", false}, {"[MASK]", false}}, false);
    PairTemplate pair_template = family_template(vocab, vocab_txt, model_type);
    const std::int32_t pad = find_pad(vocab);
    BertNormalizer normalizer;
    normalizer.lowercase = config.do_lower_case;
    normalizer.strip_accents = config.strip_accents;
    normalizer.handle_chinese_chars = config.tokenize_chinese_chars;
    WordPieceModel model(std::move(vocab), WordPieceModel::Options{});
    return std::make_unique<WordPieceTokenizer>(std::move(model), normalizer, std::move(added),
                                                std::move(pair_template), pad);
  }
  throw Error(files.description() + ": no tokenizer files (tokenizer.json, a sentencepiece model: sentencepiece.bpe.model, spiece.model or tokenizer.model, vocab.json + merges.txt, or vocab.txt)");
}

}  // namespace cappy
