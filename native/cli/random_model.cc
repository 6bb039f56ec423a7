#include "random_model.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "cappy/cappy.h"
#include "convert/converter.h"
#include "model/bundle.h"
#include "model/config.h"
#include "model/graph.h"
#include "util/mapped_file.h"

namespace cappy::cli {

namespace {

struct Shape {
  const char* name;
  const char* arch;  // roberta | bert
  int layers, hidden, heads, intermediate, vocab, positions;
};

// As tools/make_model.py has them.
const Shape kShapes[] = {
    {"roberta-large", "roberta", 24, 1024, 16, 4096, 50265, 514},
    {"roberta-base", "roberta", 12, 768, 12, 3072, 50265, 514},
    {"minilm-l6", "bert", 6, 384, 12, 1536, 30522, 512},
};

std::string config_json(const Shape& s) {
  const bool roberta = std::string(s.arch) == "roberta";
  nlohmann::json j = {
      {"architectures", {roberta ? "RobertaForSequenceClassification" : "BertForSequenceClassification"}},
      {"model_type", s.arch},
      {"hidden_act", "gelu"},
      {"hidden_size", s.hidden},
      {"intermediate_size", s.intermediate},
      {"num_attention_heads", s.heads},
      {"num_hidden_layers", s.layers},
      {"max_position_embeddings", s.positions},
      {"vocab_size", s.vocab},
      {"type_vocab_size", roberta ? 1 : 2},
      {"layer_norm_eps", roberta ? 1e-5 : 1e-12},
      {"pad_token_id", roberta ? 1 : 0},
      {"id2label", {{"0", "LABEL_0"}}},
      {"label2id", {{"LABEL_0", 0}}},
  };
  return j.dump();
}

// Weights ~ uniform with HF's 0.02 standard deviation (LayerNorm gains 1,
// biases small), from a fixed xorshift stream: fast for 355M values and the
// same on every run.
struct Random {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  float next(float half_width) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (static_cast<float>(state >> 40) / static_cast<float>(1u << 24) * 2.f - 1.f) * half_width;
  }
};

// model.safetensors with every tensor the graph reads, f32.
std::vector<std::uint8_t> random_safetensors(const Graph& g) {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> tensors;
  for (const Op& op : g.ops)
    for (const WeightRef& w : op.weights) {
      std::vector<std::int64_t> shape = w.shape;
      shape[0] /= static_cast<std::int64_t>(w.parts.size());
      for (const std::string& p : w.parts) tensors.emplace_back(p, shape);
    }
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, shape] : tensors) {
    if (header.contains(name)) continue;
    std::uint64_t n = 1;
    for (auto d : shape) n *= static_cast<std::uint64_t>(d);
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + 4 * n}}};
    offset += 4 * n;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::uint8_t> out(8 + text.size() + offset);
  const std::uint64_t len = text.size();
  std::memcpy(out.data(), &len, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  Random rng;
  const float width = 0.02f * 1.7320508f;  // uniform(-a, a) has std a / sqrt(3)
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const std::uint64_t begin = it.value()["data_offsets"][0], end = it.value()["data_offsets"][1];
    float* f = reinterpret_cast<float*>(out.data() + 8 + text.size() + begin);
    const std::size_t n = (end - begin) / 4;
    const bool gain = name.find("LayerNorm.weight") != std::string::npos;
    const bool bias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    for (std::size_t i = 0; i < n; ++i) f[i] = gain ? 1.f + rng.next(0.1f) : bias ? rng.next(0.02f) : rng.next(width);
  }
  return out;
}

std::shared_ptr<const std::vector<std::uint8_t>> bytes_of(const std::string& s) {
  return std::make_shared<const std::vector<std::uint8_t>>(s.begin(), s.end());
}

}  // namespace

std::unique_ptr<ModelFiles> random_model(const std::string& shape, const std::string& dtype) {
  const Shape* s = nullptr;
  for (const Shape& k : kShapes)
    if (shape == k.name) s = &k;
  if (!s) throw Error("--shape " + shape + ": unknown (roberta-large, roberta-base, minilm-l6)");
  WeightFormat format;
  if (!parse_weight_format(dtype, &format)) throw Error("--dtype " + dtype + ": expected f32, f16, bf16 or q8");

  const std::string config = config_json(*s);
  const Graph graph = build_encoder_graph(parse_config(config, "config.json"));
  FileMap files;
  files["config.json"] = bytes_of(config);
  files["model.safetensors"] = std::make_shared<const std::vector<std::uint8_t>>(random_safetensors(graph));
  // A tokenizer the loaders accept (benchmarks feed token ids directly): the
  // fixture's, from the source tree this binary was built from.
  const std::string tok = std::string(CAPPY_SOURCE_DIR) + "/tests/fixtures/" +
                          (std::string(s->arch) == "roberta" ? "tiny-roberta" : "tiny-bert");
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
    files[f] = bytes_of(read_text_file(join_path(tok, f)));
  auto checkpoint = memory_files(std::move(files), "random " + shape);
  if (format == WeightFormat::F32) return checkpoint;
  ConvertOptions options;
  options.format = format;
  auto bundle = std::make_shared<const std::vector<std::uint8_t>>(
      prepare_bundle(*checkpoint, options, nullptr).write_memory());
  return bundle_files(std::move(bundle), "random " + shape + " " + dtype + " bundle");
}

}  // namespace cappy::cli
