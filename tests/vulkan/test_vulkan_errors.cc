// What the Vulkan backend refuses, and how it says so: plans larger than the
// device binds, and batches whose ids fall outside the model's tables.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/backend_registry.h"
#include "batch/packed_batch.h"
#include "cappy/cappy.h"
#include "convert/converter.h"
#include "model/config.h"
#include "model/gguf.h"
#include "model/graph.h"
#include "model/model_files.h"
#include "model/weight_store.h"
#include "test_support.h"
#include "vulkan_backend.h"
#include "vulkan_device.h"

namespace cappy {
namespace {

std::string fixture(const std::string& rel) { return std::string(CAPPY_FIXTURES_DIR) + "/" + rel; }

std::string create_error(const Graph& graph, const WeightStore& weights) {
  LoadOptions o;
  o.device = "vulkan:0";
  try {
    make_backend(graph, weights, o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// roberta-large's f32 word table (206 MB) is more than lavapipe binds (128
// MiB): the backend says so, and what to do, before reading any weight.
TEST(VulkanErrors, BuffersLargerThanTheDeviceBindsAreNamed) {
  vulkan::register_vulkan_backend();
  const vulkan::Device device(vulkan::Instance::get(), 0);
  const std::uint64_t word_table = 50265ull * 1024 * 4;
  if (device.max_binding_bytes() >= word_table) GTEST_SKIP() << "this device binds the whole table";
  const std::string config = R"({"architectures": ["RobertaForSequenceClassification"],
    "model_type": "roberta", "hidden_size": 1024, "intermediate_size": 4096,
    "num_attention_heads": 16, "num_hidden_layers": 2, "max_position_embeddings": 514,
    "vocab_size": 50265, "type_vocab_size": 1, "pad_token_id": 1, "layer_norm_eps": 1e-5})";
  const Graph graph = build_encoder_graph(parse_config(config, "config.json"));
  const std::string e = create_error(graph, WeightStore{});
  EXPECT_NE(e.find("roberta.embeddings.word_embeddings.weight needs 197 MiB"), std::string::npos) << e;
  EXPECT_NE(e.find("binds at most 128 MiB (an f16 or q8 bundle"), std::string::npos) << e;
}

TEST(VulkanErrors, MissingWeightsAreNamed) {
  vulkan::register_vulkan_backend();
  const auto files = directory_files(fixture("tiny-bert"));
  const Graph graph = build_encoder_graph(
      parse_config(std::string(files->open("config.json").text()), "config.json"));
  const std::string e = create_error(graph, WeightStore{});
  EXPECT_NE(e.find("bert.embeddings.word_embeddings.weight"), std::string::npos) << e;
}

TEST(VulkanErrors, IdsOutsideTheTablesAreErrorsNotReads) {
  vulkan::register_vulkan_backend();
  const auto files = directory_files(fixture("tiny-bert"));
  const ModelSpec spec = parse_config(std::string(files->open("config.json").text()), "config.json");
  const Graph graph = build_encoder_graph(spec);
  const WeightStore weights = WeightStore::open(*files);
  LoadOptions o;
  o.device = "vulkan:0";
  const auto backend = make_backend(graph, weights, o);
  PackedBatch batch;
  batch.ids = {101, spec.vocab_size, 102};
  batch.type_ids = {0, 0, 0};
  batch.positions = {0, 1, 2};
  batch.offsets = {0, 3};
  std::vector<float> logits(spec.num_labels);
  try {
    backend->run(batch, logits.data());
    FAIL() << "ran with an id outside the vocabulary";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("token 1 has an id, position or type outside the model's tables"),
              std::string::npos)
        << e.what();
  }
  batch.ids[1] = 2000;  // and the backend still works after
  backend->run(batch, logits.data());
  EXPECT_TRUE(std::isfinite(logits[0]));
}

// bf16 bundles run as f16 on the device; a weight f16 cannot hold (65536 here)
// is refused by name instead of becoming infinity.
TEST(VulkanErrors, Bf16WeightsBeyondF16AreRefusedByName) {
  vulkan::register_vulkan_backend();
  const std::string path = test::temp_dir("vulkan-bf16-range") + "/m.cappy";
  ConvertOptions c;
  c.format = WeightFormat::BF16;
  convert_checkpoint(fixture("tiny-bert"), path, c);
  std::string bytes = test::read_file(path);
  const GgufFile g = parse_gguf(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), path);
  const std::string victim = "bert.encoder.layer.0.intermediate.dense.weight";
  std::size_t at = 0;
  for (const TensorView& t : g.tensors)
    if (t.name == victim) at = static_cast<std::size_t>(t.data - reinterpret_cast<const std::uint8_t*>(bytes.data()));
  ASSERT_GT(at, 0u);
  bytes[at] = static_cast<char>(0x80);  // bf16 0x4780 = 65536, little-endian
  bytes[at + 1] = static_cast<char>(0x47);
  test::write_file(path, bytes);
  LoadOptions o;
  o.device = "vulkan:0";
  try {
    Scorer::load(path, o);
    FAIL() << "uploaded a bf16 weight that f16 cannot hold";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("BF16 weight \"" + victim + "\" holds 65536"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--dtype f16 or f32"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cappy
