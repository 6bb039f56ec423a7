// The public API of the Cappy runtime: load a cross-encoder scorer once, score
// (instruction, response) pairs, rerank candidates.
//
// Everything a caller needs is in this header. A Scorer is immutable after
// load() and safe to call from several threads at once; calls share one
// thread pool and run one after another (each call already uses every thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cappy {

// The one error type. Messages name the file, tensor, field or line at fault.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadOptions {
  // Worker threads for the CPU backend; 0 means one per hardware thread.
  int threads = 0;
  // Where the model runs: "cpu", "vulkan" (the best Vulkan device),
  // "vulkan:N" (the N-th, as `cappy devices` lists them) or "auto" (a real
  // GPU when a GPU backend finds one, else the CPU). GPU backends are
  // registered by the program that links them (native/vulkan).
  std::string device = "cpu";
};

struct ScoreOptions {
  // Most pairs in one forward pass: a cap only; the token budget below is
  // what normally closes a batch.
  int batch_size = 256;
  // Most tokens (summed over the pairs) in one forward pass; 0 = no limit.
  // Batches are packed (no padding), so this bounds the work per pass.
  int max_batch_tokens = 8192;
};

struct ModelInfo {
  std::string architecture;  // e.g. "RobertaForSequenceClassification"
  std::string model_type;    // "roberta", "bert", "xlm-roberta"
  std::string source;        // the path it was loaded from
  int num_layers = 0;
  int hidden_size = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int vocab_size = 0;
  int num_labels = 1;
  int max_length = 0;  // longest pair encoding, special tokens included
  std::uint64_t num_parameters = 0;
  std::string device;  // what runs it: "cpu", or "vulkan: <device name>"
};

struct Ranked {
  std::size_t index;  // position in the caller's responses
  float score;        // the raw logit (first label)
};

// A pair's token ids as the model sees them (special tokens included).
struct Encoding {
  std::vector<std::int32_t> ids;
  std::vector<std::int32_t> type_ids;
};

// One checkpoint file held in memory, by its HF name ("config.json",
// "model.safetensors", "tokenizer.json", "vocab.txt", ...).
struct ModelFile {
  std::string name;
  std::vector<std::uint8_t> bytes;
};

class Scorer {
 public:
  // path: a one-file Cappy bundle (`cappy convert`; mapped, not copied) or an
  // HF checkpoint directory (config.json, model.safetensors or a sharded
  // index, tokenizer files). Throws cappy::Error.
  static std::unique_ptr<Scorer> load(const std::string& path, const LoadOptions& options = {});
  // The same from files in memory (what the WebAssembly module is given).
  // The scorer keeps the bytes; nothing is written to disk.
  static std::unique_ptr<Scorer> load_files(std::vector<ModelFile> files,
                                            const LoadOptions& options = {});
  // A one-file bundle held in memory (what the WebAssembly module downloads).
  // The scorer keeps the bytes and uses f16/q8 weights in place.
  static std::unique_ptr<Scorer> load_bundle(std::vector<std::uint8_t> bytes,
                                             const LoadOptions& options = {});

  virtual ~Scorer() = default;

  virtual const ModelInfo& info() const = 0;

  // Raw logits, row-major [responses.size() x num_labels], in response order.
  // Invalid UTF-8 in any text throws cappy::Error naming the text.
  virtual std::vector<float> score(std::string_view instruction,
                                   const std::vector<std::string>& responses,
                                   const ScoreOptions& options = {}) const = 0;

  // The same for arbitrary pairs: instructions[i] with responses[i].
  virtual std::vector<float> score_pairs(const std::vector<std::string>& instructions,
                                         const std::vector<std::string>& responses,
                                         const ScoreOptions& options = {}) const = 0;

  // Indices best first by the first logit; top_n = 0 keeps all. Ties keep
  // the caller's order.
  virtual std::vector<Ranked> rerank(std::string_view instruction,
                                     const std::vector<std::string>& responses,
                                     std::size_t top_n = 0,
                                     const ScoreOptions& options = {}) const = 0;

  // The pair encoding used for scoring (special tokens, truncation).
  virtual Encoding encode(std::string_view instruction, std::string_view response) const = 0;

  // Logits of pairs already encoded by encode(), as score_pairs() would give
  // them, without tokenizing again: for callers that need the encodings first
  // (a server counting tokens against its batch budget).
  virtual std::vector<float> score_encoded(const std::vector<Encoding>& encodings,
                                           const ScoreOptions& options = {}) const = 0;
};

}  // namespace cappy
