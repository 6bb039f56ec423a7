// The public Scorer: tokenizer + packed batches + a backend.
#include <algorithm>
#include <mutex>
#include <numeric>

#include "backend/backend.h"
#include "backend/backend_registry.h"
#include "batch/packed_batch.h"
#include "cappy/cappy.h"
#include "model/bundle.h"
#include "model/config.h"
#include "model/graph.h"
#include "model/model_files.h"
#include "model/weight_store.h"
#include "tokenize/model_tokenizer.h"
#include "tokenize/tokenizer.h"
#include "util/mapped_file.h"
#include "util/utf8.h"

namespace cappy {

namespace {

std::uint64_t count_parameters(const Graph& g) {
  std::uint64_t n = 0;
  for (const Op& op : g.ops)
    for (const WeightRef& w : op.weights) {
      std::uint64_t e = 1;
      for (auto d : w.shape) e *= static_cast<std::uint64_t>(d);
      n += e;
    }
  return n;
}

class ScorerImpl final : public Scorer {
 public:
  ScorerImpl(const ModelFiles& files, const LoadOptions& options) {
    if (!files.has("config.json"))
      throw Error(files.description() + ": not a model (no config.json)");
    spec_ = parse_config(std::string(files.open("config.json").text()), files.origin("config.json"));

    LoadedTokenizer tok = load_tokenizer(files, spec_.model_type);
    tokenizer_ = std::move(tok.tokenizer);
    max_length_ = scoring_max_length(spec_, tok.model_max_length);

    Graph graph = build_encoder_graph(spec_);
    {
      // The backend copies or packs what it needs; the mapping closes after.
      WeightStore weights = WeightStore::open(files);
      backend_ = make_backend(graph, weights, options);
    }

    info_.architecture = spec_.architecture;
    info_.model_type = spec_.model_type;
    info_.source = files.description();
    info_.num_layers = spec_.num_layers;
    info_.hidden_size = spec_.hidden_size;
    info_.num_heads = spec_.num_heads;
    info_.intermediate_size = spec_.intermediate_size;
    info_.vocab_size = spec_.vocab_size;
    info_.num_labels = spec_.num_labels;
    info_.max_length = static_cast<int>(max_length_);
    info_.num_parameters = count_parameters(graph);
    info_.device = backend_->name();
  }

  const ModelInfo& info() const override { return info_; }

  Encoding encode(std::string_view instruction, std::string_view response) const override {
    return tokenizer_->encode_pair(instruction, response, max_length_);
  }

  std::vector<float> score(std::string_view instruction, const std::vector<std::string>& responses,
                           const ScoreOptions& options) const override {
    std::vector<Encoding> encodings;
    encodings.reserve(responses.size());
    for (std::size_t i = 0; i < responses.size(); ++i)
      encodings.push_back(encode_named(instruction, responses[i], i));
    return run(encodings, options);
  }

  std::vector<float> score_pairs(const std::vector<std::string>& instructions,
                                 const std::vector<std::string>& responses,
                                 const ScoreOptions& options) const override {
    if (instructions.size() != responses.size())
      throw Error("score_pairs: " + std::to_string(instructions.size()) + " instructions but " +
                  std::to_string(responses.size()) + " responses");
    std::vector<Encoding> encodings;
    encodings.reserve(responses.size());
    for (std::size_t i = 0; i < responses.size(); ++i)
      encodings.push_back(encode_named(instructions[i], responses[i], i));
    return run(encodings, options);
  }

  std::vector<float> score_encoded(const std::vector<Encoding>& encodings,
                                   const ScoreOptions& options) const override {
    return run(encodings, options);
  }

  std::vector<Ranked> rerank(std::string_view instruction, const std::vector<std::string>& responses,
                             std::size_t top_n, const ScoreOptions& options) const override {
    const std::vector<float> logits = score(instruction, responses, options);
    const std::size_t labels = static_cast<std::size_t>(spec_.num_labels);
    std::vector<Ranked> ranked(responses.size());
    for (std::size_t i = 0; i < ranked.size(); ++i) ranked[i] = {i, logits[i * labels]};
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
    if (top_n > 0 && top_n < ranked.size()) ranked.resize(top_n);
    return ranked;
  }

 private:
  // encode(), with errors (invalid UTF-8) saying which pair and side failed.
  // The tokenizer already validates; the sides are re-checked only on failure.
  Encoding encode_named(std::string_view instruction, std::string_view response,
                        std::size_t index) const {
    try {
      return encode(instruction, response);
    } catch (const Error& e) {
      try {
        validate_utf8(instruction);
      } catch (const Error& bad) {
        throw Error("instruction of pair " + std::to_string(index) + ": " + bad.what());
      }
      try {
        validate_utf8(response);
      } catch (const Error& bad) {
        throw Error("response " + std::to_string(index) + ": " + bad.what());
      }
      throw;
    }
  }

  std::vector<float> run(const std::vector<Encoding>& encodings, const ScoreOptions& options) const {
    if (options.batch_size < 1) throw Error("batch_size must be at least 1");
    if (options.max_batch_tokens < 0) throw Error("max_batch_tokens must be >= 0");
    const std::size_t labels = static_cast<std::size_t>(spec_.num_labels);
    std::vector<float> logits(encodings.size() * labels);
    std::vector<std::size_t> lengths;
    for (const auto& e : encodings) lengths.push_back(e.ids.size());
    for (const auto& group : group_batches(lengths, options.batch_size, options.max_batch_tokens)) {
      std::vector<const Encoding*> members;
      for (std::size_t i : group) members.push_back(&encodings[i]);
      const PackedBatch batch = pack_batch(members, spec_);
      std::vector<float> out(group.size() * labels);
      {
        std::lock_guard<std::mutex> lock(run_mutex_);
        backend_->run(batch, out.data());
      }
      for (std::size_t k = 0; k < group.size(); ++k)
        std::copy_n(out.begin() + k * labels, labels, logits.begin() + group[k] * labels);
    }
    return logits;
  }

  ModelSpec spec_;
  ModelInfo info_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::size_t max_length_ = 0;
  std::unique_ptr<Backend> backend_;
  mutable std::mutex run_mutex_;  // a backend runs one batch at a time
};

}  // namespace

std::unique_ptr<Scorer> Scorer::load(const std::string& path, const LoadOptions& options) {
  if (file_exists(path)) return std::make_unique<ScorerImpl>(*open_model_files(path), options);
  if (!file_exists(join_path(path, "config.json")))
    throw Error(path + ": not a model directory (no config.json)");
  return std::make_unique<ScorerImpl>(*directory_files(path), options);
}

std::unique_ptr<Scorer> Scorer::load_files(std::vector<ModelFile> files, const LoadOptions& options) {
  FileMap map;
  for (ModelFile& f : files) {
    if (f.name.empty() || f.name.find('/') != std::string::npos)
      throw Error("model file name \"" + f.name + "\" must be a plain file name");
    auto bytes = std::make_shared<const std::vector<std::uint8_t>>(std::move(f.bytes));
    if (!map.emplace(f.name, std::move(bytes)).second)
      throw Error("model file \"" + f.name + "\" given twice");
  }
  return std::make_unique<ScorerImpl>(*memory_files(std::move(map), "memory"), options);
}

std::unique_ptr<Scorer> Scorer::load_bundle(std::vector<std::uint8_t> bytes, const LoadOptions& options) {
  auto shared = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
  return std::make_unique<ScorerImpl>(*bundle_files(std::move(shared), "memory bundle"), options);
}

}  // namespace cappy
