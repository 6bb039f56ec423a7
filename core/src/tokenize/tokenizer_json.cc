// HF tokenizer.json: the model, its added tokens, normalizer, pre-tokenizer
// and post-processor, for the pipelines this runtime implements. Anything
// else is refused with the field that names it, so a checkpoint never gets
// silently different ids.
#include <nlohmann/json.hpp>

#include "cappy/cappy.h"
#include "util/json_file.h"
#include "tokenize/base64.h"
#include "tokenize/byte_level_bpe_tokenizer.h"
#include "tokenize/char_bpe_model.h"
#include "tokenize/loaders.h"
#include "tokenize/normalizers.h"
#include "tokenize/pipeline_tokenizer.h"
#include "tokenize/precompiled_normalizer.h"
#include "tokenize/unigram_model.h"
#include "tokenize/wordpiece_tokenizer.h"
#include "util/utf8.h"

namespace cappy {
namespace {

using nlohmann::json;

struct Context {
  std::string path;
  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    throw Error(path + ": " + field + ": " + message);
  }
};

std::string type_of(const json& object) {
  const auto it = object.find("type");
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool get_bool(const json& object, const char* key, bool fallback, const Context& ctx, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) ctx.fail(where + "." + key, "not a boolean");
  return it->get<bool>();
}

// Optional string; empty when null or absent.
std::string get_string(const json& object, const char* key, const Context& ctx, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) ctx.fail(where + "." + key, "not a string");
  return it->get<std::string>();
}

Vocab read_vocab(const json& model, const Context& ctx) {
  const auto it = model.find("vocab");
  if (it == model.end() || !it->is_object()) ctx.fail("model.vocab", "not an object of token -> id");
  Vocab vocab;
  for (const auto& [token, id] : it->items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() > INT32_MAX) {
      ctx.fail("model.vocab", "token \"" + token + "\" has no valid id");
    }
    vocab.add(token, id.get<std::int32_t>());
  }
  return vocab;
}

std::vector<std::pair<std::string, std::string>> read_merges(const json& model, const Context& ctx) {
  const auto it = model.find("merges");
  if (it == model.end() || !it->is_array()) ctx.fail("model.merges", "not an array");
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& merge = (*it)[i];
    const std::string where = "model.merges[" + std::to_string(i) + "]";
    // Older files write "a b"; newer ones ["a", "b"] (tokens may contain spaces).
    if (merge.is_string()) {
      const std::string& s = merge.get_ref<const std::string&>();
      const std::size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
        ctx.fail(where, "not two tokens separated by one space");
      }
      merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      ctx.fail(where, "not a merge");
    }
  }
  return merges;
}

std::vector<AddedToken> read_added_tokens(const json& root, const Context& ctx) {
  std::vector<AddedToken> tokens;
  const auto it = root.find("added_tokens");
  if (it == root.end() || it->is_null()) return tokens;
  if (!it->is_array()) ctx.fail("added_tokens", "not an array");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& entry = (*it)[i];
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    if (!entry.is_object()) ctx.fail(where, "not an object");
    AddedToken token;
    token.content = get_string(entry, "content", ctx, where);
    const auto id = entry.find("id");
    if (id == entry.end() || !id->is_number_integer() || id->get<std::int64_t>() < 0 ||
        id->get<std::int64_t>() > INT32_MAX) {
      ctx.fail(where + ".id", "missing or not a valid id");
    }
    token.id = id->get<std::int32_t>();
    token.single_word = get_bool(entry, "single_word", false, ctx, where);
    token.lstrip = get_bool(entry, "lstrip", false, ctx, where);
    token.rstrip = get_bool(entry, "rstrip", false, ctx, where);
    token.special = get_bool(entry, "special", false, ctx, where);
    // HF's default: special tokens are matched in the raw text.
    token.normalized = get_bool(entry, "normalized", !token.special, ctx, where);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::int32_t single_id(const json& pair, const std::string& where, const Context& ctx) {
  // RobertaProcessing / BertProcessing write ["</s>", 2].
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_integer()) ctx.fail(where, "not [token, id]");
  return pair[1].get<std::int32_t>();
}

// TemplateProcessing's "pair" (or "single") list split around $A and $B.
void read_template(const json& processor, PairTemplate& t, const Context& ctx) {
  const auto specials = processor.find("special_tokens");
  const auto ids_of = [&](const std::string& name, const std::string& where) {
    if (specials == processor.end() || !specials->contains(name)) ctx.fail(where, "unknown special token " + name);
    const json& ids = (*specials)[name]["ids"];
    if (!ids.is_array()) ctx.fail("post_processor.special_tokens." + name + ".ids", "not an array");
    return ids.get<std::vector<std::int32_t>>();
  };
  for (const char* which : {"single", "pair"}) {
    const bool is_pair = std::string(which) == "pair";
    const auto list = processor.find(which);
    if (list == processor.end() || !list->is_array()) ctx.fail(std::string("post_processor.") + which, "not an array");
    // Specials go to the group after the last sequence seen.
    std::vector<std::int32_t>* groups[3][2] = {
        {is_pair ? &t.pair_prefix : &t.single_prefix, is_pair ? &t.pair_prefix_types : &t.single_prefix_types},
        {is_pair ? &t.pair_middle : &t.single_suffix, is_pair ? &t.pair_middle_types : &t.single_suffix_types},
        {&t.pair_suffix, &t.pair_suffix_types}};
    int sequences_seen = 0;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      const std::string where = std::string("post_processor.") + which + "[" + std::to_string(i) + "]";
      if (item.contains("SpecialToken")) {
        const json& special = item["SpecialToken"];
        const std::vector<std::int32_t> ids = ids_of(special.value("id", ""), where);
        const std::int32_t type = special.value("type_id", 0);
        groups[sequences_seen][0]->insert(groups[sequences_seen][0]->end(), ids.begin(), ids.end());
        groups[sequences_seen][1]->insert(groups[sequences_seen][1]->end(), ids.size(), type);
      } else if (item.contains("Sequence")) {
        const json& sequence = item["Sequence"];
        const std::string id = sequence.value("id", "");
        const std::int32_t type = sequence.value("type_id", 0);
        const char* expected = sequences_seen == 0 ? "A" : "B";
        if (id != expected || sequences_seen == (is_pair ? 2 : 1)) {
          ctx.fail(where, "templates other than $A then $B are not supported");
        }
        if (!is_pair) {
          t.single_type = type;
        } else if (sequences_seen == 0) {
          t.type_a = type;
        } else {
          t.type_b = type;
        }
        ++sequences_seen;
      } else {
        ctx.fail(where, "neither SpecialToken nor Sequence");
      }
    }
    if (sequences_seen != (is_pair ? 2 : 1)) ctx.fail(std::string("post_processor.") + which, "missing $A or $B");
  }
}

PairTemplate read_post_processor(const json& root, const Context& ctx) {
  PairTemplate t;  // no post-processor: no special tokens
  const auto it = root.find("post_processor");
  if (it == root.end() || it->is_null()) return t;
  const json* processor = &*it;
  if (type_of(*processor) == "Sequence") {
    // Newer files chain ByteLevel (offsets only) with the real processor.
    const json* found = nullptr;
    for (const json& p : processor->value("processors", json::array())) {
      if (type_of(p) != "ByteLevel") {
        if (found != nullptr) ctx.fail("post_processor", "more than one template processor in Sequence");
        found = &p;
      }
    }
    if (found == nullptr) return t;
    processor = found;
  }
  const std::string type = type_of(*processor);
  if (type == "RobertaProcessing") {
    t = PairTemplate::roberta(single_id((*processor)["cls"], "post_processor.cls", ctx),
                              single_id((*processor)["sep"], "post_processor.sep", ctx));
  } else if (type == "BertProcessing") {
    t = PairTemplate::bert(single_id((*processor)["cls"], "post_processor.cls", ctx),
                           single_id((*processor)["sep"], "post_processor.sep", ctx));
  } else if (type == "TemplateProcessing") {
    read_template(*processor, t, ctx);
  } else if (type != "ByteLevel") {
    ctx.fail("post_processor.type", "\"" + type + "\" is not supported");
  }
  return t;
}

std::int32_t find_pad_id(const json& root, const Vocab& vocab, const std::vector<AddedToken>& added) {
  if (const auto padding = root.find("padding"); padding != root.end() && padding->is_object()) {
    if (const auto id = padding->find("pad_id"); id != padding->end() && id->is_number_integer()) {
      return id->get<std::int32_t>();
    }
  }
  for (const char* pad : {"<pad>", "[PAD]"}) {
    for (const AddedToken& token : added) {
      if (token.content == pad) return token.id;
    }
    if (const std::int32_t id = vocab.find(pad); id >= 0) return id;
  }
  return 0;
}

std::unique_ptr<Normalizer> read_normalizer(const json& n, const std::string& where, const Context& ctx);
void read_pre_tokenizer(const json& p, const std::string& where, const Context& ctx,
                        std::vector<std::unique_ptr<PreTokenizer>>& out);

// The ByteLevel pre-tokenizer of a byte-level BPE file (alone, or the only
// step of a Sequence), or null.
const json* byte_level_pre_tokenizer(const json& root) {
  const auto pre = root.find("pre_tokenizer");
  if (pre == root.end() || !pre->is_object()) return nullptr;
  if (type_of(*pre) == "ByteLevel") return &*pre;
  if (type_of(*pre) == "Sequence" && (*pre)["pretokenizers"].is_array() && (*pre)["pretokenizers"].size() == 1 &&
      type_of((*pre)["pretokenizers"][0]) == "ByteLevel") {
    return &(*pre)["pretokenizers"][0];
  }
  return nullptr;
}


// The normalizer and pre-tokenizers of a word-level pipeline (char BPE,
// Unigram). Metaspace's prepend_scheme "first" needs to know where a word is
// in the original text; this runtime knows it only when no normalizer
// changed it, so that combination is refused here.
struct TextPipeline {
  std::unique_ptr<Normalizer> normalizer;
  std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers;
};

TextPipeline read_text_pipeline(const json& root, const Context& ctx) {
  TextPipeline pipeline;
  if (const auto n = root.find("normalizer"); n != root.end() && !n->is_null()) {
    pipeline.normalizer = read_normalizer(*n, "normalizer", ctx);
  }
  if (const auto p = root.find("pre_tokenizer"); p != root.end() && !p->is_null()) {
    read_pre_tokenizer(*p, "pre_tokenizer", ctx, pipeline.pre_tokenizers);
  }
  if (!pipeline.normalizer) return pipeline;
  for (const auto& pre : pipeline.pre_tokenizers) {
    if (const auto* m = dynamic_cast<const Metaspace*>(pre.get()); m && m->prepend() == Metaspace::Prepend::First) {
      ctx.fail("pre_tokenizer.prepend_scheme", "\"first\" with a normalizer is not supported");
    }
  }
  return pipeline;
}

// BPE over characters: any normalizer and pre-tokenizer of the pipeline
// (Metaspace, WhitespaceSplit, ...), byte_fallback, continuing_subword_prefix,
// end_of_word_suffix (char_bpe_model.h).
std::unique_ptr<Tokenizer> load_char_bpe(const json& root, const json& model, const Context& ctx) {
  Vocab vocab = read_vocab(model, ctx);
  CharBpeModel::Options options;
  if (const std::string unk = get_string(model, "unk_token", ctx, "model"); !unk.empty()) {
    options.unk_id = vocab.find(unk);
    if (*options.unk_id < 0) ctx.fail("model.unk_token", "\"" + unk + "\" is not in the vocabulary");
  }
  options.fuse_unk = get_bool(model, "fuse_unk", false, ctx, "model");
  options.byte_fallback = get_bool(model, "byte_fallback", false, ctx, "model");
  options.ignore_merges = get_bool(model, "ignore_merges", false, ctx, "model");
  options.continuing_subword_prefix = get_string(model, "continuing_subword_prefix", ctx, "model");
  options.end_of_word_suffix = get_string(model, "end_of_word_suffix", ctx, "model");

  TextPipeline pipeline = read_text_pipeline(root, ctx);
  std::vector<AddedToken> added = read_added_tokens(root, ctx);
  PairTemplate pair_template = read_post_processor(root, ctx);
  const std::int32_t pad = find_pad_id(root, vocab, added);
  std::shared_ptr<CharBpeModel> bpe;
  try {
    bpe = std::make_shared<CharBpeModel>(std::move(vocab), read_merges(model, ctx), std::move(options));
  } catch (const Error& e) {
    ctx.fail("model.merges", e.what());
  }
  const std::size_t size = bpe->vocab().size();
  return std::make_unique<PipelineTokenizer>(
      std::move(pipeline.normalizer), std::move(pipeline.pre_tokenizers),
      [bpe](std::string_view word, std::vector<std::int32_t>& out) { bpe->encode_word(word, out); }, size,
      std::move(added), std::move(pair_template), pad);
}

std::unique_ptr<Tokenizer> load_bpe(const json& root, const json& model, const Context& ctx) {
  if (const auto dropout = model.find("dropout");
      dropout != model.end() && !dropout->is_null() && dropout->get<double>() != 0.0) {
    ctx.fail("model.dropout", "BPE dropout makes encoding random; not supported");
  }
  const json* byte_level = byte_level_pre_tokenizer(root);
  if (byte_level == nullptr) return load_char_bpe(root, model, ctx);

  // Byte-level BPE (GPT-2, RoBERTa): its own fast tokenizer, which has none
  // of the character model's options.
  if (!get_string(model, "continuing_subword_prefix", ctx, "model").empty() ||
      !get_string(model, "end_of_word_suffix", ctx, "model").empty()) {
    ctx.fail("model", "byte-level BPE with continuing_subword_prefix or end_of_word_suffix is not supported");
  }
  if (get_bool(model, "byte_fallback", false, ctx, "model")) {
    ctx.fail("model.byte_fallback", "not supported with the ByteLevel pre-tokenizer");
  }
  if (const auto normalizer = root.find("normalizer"); normalizer != root.end() && !normalizer->is_null()) {
    ctx.fail("normalizer", "\"" + type_of(*normalizer) + "\" with a byte-level BPE model is not supported");
  }
  Vocab vocab = read_vocab(model, ctx);
  std::vector<AddedToken> added = read_added_tokens(root, ctx);
  BpeModel::Options options;
  const std::string unk = get_string(model, "unk_token", ctx, "model");
  if (!unk.empty()) {
    options.unk_id = vocab.find(unk);
    if (options.unk_id < 0) ctx.fail("model.unk_token", "\"" + unk + "\" is not in the vocabulary");
  }
  options.fuse_unk = get_bool(model, "fuse_unk", false, ctx, "model");
  options.ignore_merges = get_bool(model, "ignore_merges", false, ctx, "model");
  ByteLevelBpeTokenizer::Options pre_options;
  pre_options.add_prefix_space = get_bool(*byte_level, "add_prefix_space", true, ctx, "pre_tokenizer");
  pre_options.use_regex = get_bool(*byte_level, "use_regex", true, ctx, "pre_tokenizer");
  PairTemplate pair_template = read_post_processor(root, ctx);
  const std::int32_t pad = find_pad_id(root, vocab, added);
  BpeModel bpe(std::move(vocab), read_merges(model, ctx), options);
  return std::make_unique<ByteLevelBpeTokenizer>(std::move(bpe), std::move(added), std::move(pair_template),
                                                 pre_options, pad);
}

std::unique_ptr<Tokenizer> load_wordpiece(const json& root, const json& model, const Context& ctx) {
  std::optional<BertNormalizer> normalizer;
  if (const auto it = root.find("normalizer"); it != root.end() && !it->is_null()) {
    if (type_of(*it) != "BertNormalizer") {
      ctx.fail("normalizer", "\"" + type_of(*it) + "\" with a WordPiece model is not supported");
    }
    BertNormalizer n;
    n.clean_text = get_bool(*it, "clean_text", true, ctx, "normalizer");
    n.handle_chinese_chars = get_bool(*it, "handle_chinese_chars", true, ctx, "normalizer");
    n.lowercase = get_bool(*it, "lowercase", true, ctx, "normalizer");
    if (const auto strip = it->find("strip_accents"); strip != it->end() && !strip->is_null()) {
      if (!strip->is_boolean()) ctx.fail("normalizer.strip_accents", "not a boolean");
      n.strip_accents = strip->get<bool>();
    }
    normalizer = n;
  }
  const auto pre = root.find("pre_tokenizer");
  if (pre == root.end() || type_of(*pre) != "BertPreTokenizer") {
    ctx.fail("pre_tokenizer", "a WordPiece model needs the BertPreTokenizer");
  }
  WordPieceModel::Options options;
  if (const std::string unk = get_string(model, "unk_token", ctx, "model"); !unk.empty()) options.unk_token = unk;
  if (model.contains("continuing_subword_prefix")) {
    options.continuing_subword_prefix = get_string(model, "continuing_subword_prefix", ctx, "model");
  }
  if (const auto it = model.find("max_input_chars_per_word"); it != model.end() && !it->is_null()) {
    if (!it->is_number_unsigned()) ctx.fail("model.max_input_chars_per_word", "not a count");
    options.max_input_chars_per_word = it->get<std::size_t>();
  }
  Vocab vocab = read_vocab(model, ctx);
  std::vector<AddedToken> added = read_added_tokens(root, ctx);
  PairTemplate pair_template = read_post_processor(root, ctx);
  const std::int32_t pad = find_pad_id(root, vocab, added);
  WordPieceModel wordpiece(std::move(vocab), std::move(options));
  return std::make_unique<WordPieceTokenizer>(std::move(wordpiece), normalizer, std::move(added),
                                              std::move(pair_template), pad);
}

class PrecompiledStep final : public Normalizer {
 public:
  explicit PrecompiledStep(PrecompiledNormalizer n) : n_(std::move(n)) {}
  std::string normalize(std::string_view text) const override { return n_.normalize(text); }

 private:
  PrecompiledNormalizer n_;
};

std::unique_ptr<Normalizer> read_normalizer(const json& n, const std::string& where, const Context& ctx) {
  const std::string type = type_of(n);
  if (type == "Precompiled") {
    const auto blob = n.find("precompiled_charsmap");
    if (blob == n.end() || !blob->is_string()) ctx.fail(where + ".precompiled_charsmap", "not a base64 string");
    const std::string origin = ctx.path + ": " + where + ".precompiled_charsmap";
    return std::make_unique<PrecompiledStep>(
        PrecompiledNormalizer(decode_base64(blob->get_ref<const std::string&>(), origin), origin));
  }
  if (type == "Sequence") {
    const auto list = n.find("normalizers");
    if (list == n.end() || !list->is_array()) ctx.fail(where + ".normalizers", "not an array");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (std::size_t i = 0; i < list->size(); ++i) {
      steps.push_back(read_normalizer((*list)[i], where + ".normalizers[" + std::to_string(i) + "]", ctx));
    }
    return std::make_unique<NormalizerSequence>(std::move(steps));
  }
  if (type == "Replace") {
    const std::string content = get_string(n, "content", ctx, where);
    const auto pattern = n.find("pattern");
    if (pattern == n.end() || !pattern->is_object()) ctx.fail(where + ".pattern", "not {\"String\": ...} or {\"Regex\": ...}");
    if (const auto literal = pattern->find("String"); literal != pattern->end() && literal->is_string()) {
      return std::make_unique<ReplaceNormalizer>(ReplaceNormalizer::literal(literal->get<std::string>(), content));
    }
    if (const auto regex = pattern->find("Regex"); regex != pattern->end() && regex->is_string()) {
      std::string repeated;
      std::size_t min_repeat = 0;
      if (!ReplaceNormalizer::parse_regex(regex->get_ref<const std::string&>(), repeated, min_repeat)) {
        ctx.fail(where + ".pattern.Regex", "\"" + regex->get<std::string>() +
                                               "\" is not supported (one character repeated: \"c{n,}\" or \"c+\")");
      }
      return std::make_unique<ReplaceNormalizer>(ReplaceNormalizer::run(repeated, min_repeat, content));
    }
    ctx.fail(where + ".pattern", "not {\"String\": ...} or {\"Regex\": ...}");
  }
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(get_bool(n, "left", false, ctx, where), get_bool(n, "right", false, ctx, where));
  }
  ctx.fail(where + ".type",
           "\"" + type + "\" is not supported (Precompiled, Replace, Strip and Sequence are)");
}

void read_pre_tokenizer(const json& p, const std::string& where, const Context& ctx,
                        std::vector<std::unique_ptr<PreTokenizer>>& out) {
  const std::string type = type_of(p);
  if (type == "WhitespaceSplit") {
    out.push_back(std::make_unique<WhitespaceSplit>());
  } else if (type == "Metaspace") {
    const std::string replacement = get_string(p, "replacement", ctx, where);
    const std::u32string cps = decode_utf8(replacement);
    if (cps.size() != 1) ctx.fail(where + ".replacement", "not one character");
    // Older files say add_prefix_space; newer ones prepend_scheme.
    Metaspace::Prepend prepend = Metaspace::Prepend::Always;
    if (const std::string scheme = get_string(p, "prepend_scheme", ctx, where); !scheme.empty()) {
      if (scheme == "never") {
        prepend = Metaspace::Prepend::Never;
      } else if (scheme == "first") {
        prepend = Metaspace::Prepend::First;
      } else if (scheme != "always") {
        ctx.fail(where + ".prepend_scheme", "\"" + scheme + "\" is not supported (always, first and never are)");
      }
    } else if (!get_bool(p, "add_prefix_space", true, ctx, where)) {
      prepend = Metaspace::Prepend::Never;
    }
    out.push_back(std::make_unique<Metaspace>(cps[0], prepend, get_bool(p, "split", true, ctx, where)));
  } else if (type == "Sequence") {
    const auto list = p.find("pretokenizers");
    if (list == p.end() || !list->is_array()) ctx.fail(where + ".pretokenizers", "not an array");
    for (std::size_t i = 0; i < list->size(); ++i) {
      read_pre_tokenizer((*list)[i], where + ".pretokenizers[" + std::to_string(i) + "]", ctx, out);
    }
  } else {
    ctx.fail(where + ".type",
             "\"" + type + "\" is not supported (WhitespaceSplit, Metaspace and Sequence are)");
  }
}

std::unique_ptr<Tokenizer> load_unigram(const json& root, const json& model, const Context& ctx) {
  const auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_array()) ctx.fail("model.vocab", "not an array of [piece, score]");
  std::vector<UnigramModel::Piece> pieces;
  pieces.reserve(vocab->size());
  for (std::size_t i = 0; i < vocab->size(); ++i) {
    const json& entry = (*vocab)[i];
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number()) {
      ctx.fail("model.vocab[" + std::to_string(i) + "]", "not [piece, score]");
    }
    pieces.push_back({entry[0].get<std::string>(), entry[1].get<double>()});
  }
  std::optional<std::int32_t> unk_id;
  if (const auto unk = model.find("unk_id"); unk != model.end() && !unk->is_null()) {
    if (!unk->is_number_integer() || unk->get<std::int64_t>() < 0 ||
        unk->get<std::int64_t>() >= static_cast<std::int64_t>(pieces.size())) {
      ctx.fail("model.unk_id", "not an id of the vocabulary");
    }
    unk_id = unk->get<std::int32_t>();
  }
  const bool byte_fallback = get_bool(model, "byte_fallback", false, ctx, "model");

  TextPipeline pipeline = read_text_pipeline(root, ctx);
  std::vector<AddedToken> added = read_added_tokens(root, ctx);
  PairTemplate pair_template = read_post_processor(root, ctx);
  auto unigram = std::make_shared<UnigramModel>(std::move(pieces), unk_id, byte_fallback);
  const std::int32_t pad = find_pad_id(root, unigram->vocab(), added);
  const std::size_t size = unigram->size();
  return std::make_unique<PipelineTokenizer>(
      std::move(pipeline.normalizer), std::move(pipeline.pre_tokenizers),
      [unigram](std::string_view word, std::vector<std::int32_t>& out) { unigram->encode_word(word, out); }, size,
      std::move(added), std::move(pair_template), pad);
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_json(std::string_view text, const std::string& path) {
  const Context ctx{path};
  const json root = parse_json(text, path);
  if (!root.is_object()) throw Error(path + ": not a JSON object");
  const auto model = root.find("model");
  if (model == root.end() || !model->is_object()) ctx.fail("model", "missing");
  try {
    // Older serializations omit model.type; the fields tell the kind apart.
    std::string type = type_of(*model);
    if (type.empty()) {
      if (model->contains("merges")) {
        type = "BPE";
      } else if (model->contains("max_input_chars_per_word")) {
        type = "WordPiece";
      } else if ((*model)["vocab"].is_array()) {
        type = "Unigram";
      }
    }
    if (type == "BPE") return load_bpe(root, *model, ctx);
    if (type == "WordPiece") return load_wordpiece(root, *model, ctx);
    if (type == "Unigram") return load_unigram(root, *model, ctx);
    ctx.fail("model.type", "\"" + type + "\" is not supported (BPE, WordPiece and Unigram are)");
  } catch (const json::exception& e) {
    throw Error(path + ": unexpected structure: " + e.what());
  }
}

}  // namespace cappy
