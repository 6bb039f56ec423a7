// The Vulkan backend against the CPU backend: every fixture, every weight
// type (the f32 checkpoint, and f16 and q8 bundles written by the converter
// behind `cappy convert`), on both kernel paths (the device's optional
// features, and CAPPY_VULKAN_PLAIN=1), through the unchanged Scorer. f32 is
// also checked against the onnxruntime reference scores of expected.json.
//
// Runs on whatever Vulkan driver VK_ICD_FILENAMES names (ctest: lavapipe),
// with the Khronos validation layer when it is installed
// (CAPPY_VULKAN_VALIDATION=1): any validation message fails the test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backend/backend_registry.h"
#include "cappy/cappy.h"
#include "convert/converter.h"
#include "test_support.h"
#include "vulkan_backend.h"
#include "vulkan_device.h"

namespace cappy {
namespace {

constexpr float kTolerance = 1e-3f;  // the bar; f32 summation order is far below it

std::string fixture(const std::string& rel) { return std::string(CAPPY_FIXTURES_DIR) + "/" + rel; }

struct Cases {
  std::vector<std::string> instructions, responses;
  std::vector<std::vector<float>> logits;  // onnxruntime's, when the fixture has them
};

Cases load_cases(const std::string& expected_json) {
  auto j = nlohmann::json::parse(test::read_file(expected_json));
  Cases c;
  for (const auto& e : j.at("cases")) {
    c.instructions.push_back(e.at("instruction"));
    c.responses.push_back(e.at("response"));
    c.logits.push_back(e.at("logits"));
  }
  return c;
}

struct Fixture {
  const char* dir;    // under tests/fixtures
  const char* cases;  // whose expected.json holds the pairs (small-roberta shares tiny-roberta's tokenizer)
  bool reference;     // expected.json's logits are this model's
};

const Fixture kFixtures[] = {
    {"tiny-roberta", "tiny-roberta", true},   // hidden 36: q8 falls back to f16 rows
    {"tiny-bert", "tiny-bert", true},         // hidden 40, 2 labels, type ids
    {"converter/small-roberta", "tiny-roberta", false},  // hidden 64, FFN 128: whole Q8_0 blocks
};

void set_env(const char* name, bool on) {
  if (on)
    ::setenv(name, "1", 1);
  else
    ::unsetenv(name);
}

// The device "--device vulkan" runs on (on a GPU machine with lavapipe
// installed too, the GPU, not device 0).
int tested_device() { return preferred_device(vulkan::Instance::get()->describe()); }

bool half_storage() {
  ::unsetenv("CAPPY_VULKAN_PLAIN");
  return vulkan::Device(vulkan::Instance::get(), tested_device()).features().half_storage;
}

struct Param {
  Fixture fixture;
  const char* dtype;  // f32 (the checkpoint directory), f16, q8, bf16 (bundles)
  bool plain;         // CAPPY_VULKAN_PLAIN: no 16-bit storage, no subgroups
};

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  std::string name = info.param.fixture.dir;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name + "_" + info.param.dtype + (info.param.plain ? "_plain" : "_features");
}

class VulkanScores : public ::testing::TestWithParam<Param> {
 protected:
  static void SetUpTestSuite() {
    vulkan::register_vulkan_backend();
    work_ = new std::string(test::temp_dir("vulkan-scores"));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*work_);
    delete work_;
  }

  // The model as the dtype asks: the fixture directory, or a bundle of it.
  static std::string model_path(const Param& p) {
    const std::string src = fixture(p.fixture.dir);
    if (std::string(p.dtype) == "f32") return src;
    std::string name = p.fixture.dir;
    for (char& ch : name)
      if (ch == '/') ch = '_';
    const std::string out = *work_ + "/" + name + "-" + p.dtype + ".cappy";
    if (!std::filesystem::exists(out)) {
      ConvertOptions o;
      parse_weight_format(p.dtype, &o.format);
      convert_checkpoint(src, out, o);
    }
    return out;
  }

  static std::string* work_;
};
std::string* VulkanScores::work_ = nullptr;

TEST_P(VulkanScores, EqualTheCpuBackend) {
  const Param& p = GetParam();
  const bool device_has_half_storage = half_storage();
  set_env("CAPPY_VULKAN_PLAIN", p.plain);
  const int messages_before = vulkan::validation_message_count();
  const std::string path = model_path(p);
  const Cases cases = load_cases(fixture(std::string(p.fixture.cases) + "/expected.json"));

  // bf16 bundles run as f16 on the device (every bf16 weight is exact in f16),
  // with f32 activations: the CPU kernel that does the same is "widen". q8 runs
  // with f32 activations too, like the CPU's "portable" kernel (the default
  // one rounds activations to int8).
  ::setenv("CAPPY_BF16_KERNEL", "widen", 1);
  ::setenv("CAPPY_Q8_KERNEL", "portable", 1);
  LoadOptions cpu_options;
  cpu_options.threads = 2;
  LoadOptions gpu_options = cpu_options;
  gpu_options.device = "vulkan";
  const auto cpu = Scorer::load(path, cpu_options);
  std::vector<float> got;
  {
    const auto gpu = Scorer::load(path, gpu_options);
    EXPECT_EQ(gpu->info().device.rfind("vulkan: ", 0), 0u) << gpu->info().device;
    // Batches of mixed lengths (the packed layout, several attention shapes)
    // and one pair per batch.
    ScoreOptions mixed;
    mixed.batch_size = 8;
    got = gpu->score_pairs(cases.instructions, cases.responses, mixed);
    ScoreOptions single;
    single.batch_size = 1;
    const std::vector<float> one_by_one =
        gpu->score_pairs({cases.instructions.begin(), cases.instructions.begin() + 3},
                         {cases.responses.begin(), cases.responses.begin() + 3}, single);
    for (std::size_t i = 0; i < one_by_one.size(); ++i) EXPECT_NEAR(one_by_one[i], got[i], kTolerance);
  }  // the device is released here, so messages at teardown count too
  // The weights ran in the bundle's format (small-roberta's rows are whole
  // Q8_0 blocks; the tiny fixtures' q8 bundles fall back to f16 rows).
  const bool blocks = std::string(p.fixture.dir) == "converter/small-roberta";
  const std::string format = std::string(p.dtype) == "q8"     ? (blocks ? "q8_0" : "f16")
                             : std::string(p.dtype) == "bf16" ? "f16"
                                                              : p.dtype;
  const std::string variant = format == "f16" && !p.plain && device_has_half_storage ? "16-bit storage" : "plain";
  const auto used = vulkan::kernel_variants_used();
  EXPECT_NE(std::find(used.begin(), used.end(), "linear " + format + ": " + variant), used.end())
      << "linear " << format << ": " << variant;
  const std::vector<float> want = cpu->score_pairs(cases.instructions, cases.responses);
  ASSERT_EQ(got.size(), want.size());
  const std::size_t labels = cpu->info().num_labels;
  float max_diff = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], kTolerance) << "pair " << i / labels << " label " << i % labels;
    max_diff = std::max(max_diff, std::abs(got[i] - want[i]));
    if (p.fixture.reference && std::string(p.dtype) == "f32")
      EXPECT_NEAR(got[i], cases.logits[i / labels][i % labels], kTolerance) << "vs onnxruntime, pair " << i / labels;
  }
  std::cout << "max |vulkan - cpu| = " << max_diff << "\n";
  EXPECT_EQ(vulkan::validation_message_count(), messages_before)
      << "validation layer: " << vulkan::last_validation_message();
  ::unsetenv("CAPPY_VULKAN_PLAIN");
  ::unsetenv("CAPPY_BF16_KERNEL");
  ::unsetenv("CAPPY_Q8_KERNEL");
}

std::vector<Param> all_params() {
  std::vector<Param> out;
  for (const Fixture& f : kFixtures)
    for (const char* dtype : {"f32", "f16", "q8", "bf16"})
      for (bool plain : {false, true}) out.push_back({f, dtype, plain});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, VulkanScores, ::testing::ValuesIn(all_params()), param_name);

// The kernel variants: with the device's features the f16 linear layers read
// halves through 16-bit storage and the LayerNorms reduce with subgroups
// (when the device offers them; lavapipe does); the plain path uses neither.
TEST(VulkanBackend, UsesTheVariantsTheDeviceOffers) {
  vulkan::register_vulkan_backend();
  const auto instance = vulkan::Instance::get();
  ASSERT_FALSE(instance->physical_devices().empty());
  const vulkan::Device probe(instance, tested_device());
  LoadOptions o;
  o.device = "vulkan:" + std::to_string(tested_device());
  const std::string dir = test::temp_dir("vulkan-variants");
  const std::string bundle = dir + "/f16.cappy";
  ConvertOptions c;
  c.format = WeightFormat::F16;
  convert_checkpoint(fixture("tiny-bert"), bundle, c);
  const auto scorer = Scorer::load(bundle, o);
  scorer->score("a question", {"an answer"});
  const auto used = vulkan::kernel_variants_used();
  auto has = [&](const std::string& v) { return std::find(used.begin(), used.end(), v) != used.end(); };
  if (probe.features().half_storage) EXPECT_TRUE(has("linear f16: 16-bit storage"));
  if (probe.features().subgroup_arithmetic) EXPECT_TRUE(has("add_layernorm: subgroup"));
  EXPECT_TRUE(has("attention: plain"));
  std::filesystem::remove_all(dir);
}

TEST(VulkanBackend, ValidationLayerIsOnWhenInstalled) {
  if (!std::getenv("CAPPY_VULKAN_VALIDATION")) GTEST_SKIP() << "CAPPY_VULKAN_VALIDATION is not set";
  const bool installed = std::filesystem::exists("/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json");
  const auto instance = vulkan::Instance::get();
  EXPECT_EQ(instance->validation(), installed);
  if (!instance->validation()) return;
  // The layer's messages reach the counter the other tests check: a buffer
  // of size 0 is invalid usage (VUID-VkBufferCreateInfo-size-00912).
  const vulkan::Device device(instance, 0);
  const int before = vulkan::validation_message_count();
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = 0;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  VkBuffer buffer = VK_NULL_HANDLE;
  ::testing::internal::CaptureStderr();
  const VkResult r = device.api().vkCreateBuffer(device.handle(), &info, nullptr, &buffer);
  const std::string said = ::testing::internal::GetCapturedStderr();
  if (r == VK_SUCCESS && buffer) device.api().vkDestroyBuffer(device.handle(), buffer, nullptr);
  EXPECT_GT(vulkan::validation_message_count(), before);
  EXPECT_NE(said.find("size"), std::string::npos) << said;
}

TEST(VulkanBackend, DeviceNumbersOutOfRangeAreErrors) {
  vulkan::register_vulkan_backend();
  LoadOptions o;
  o.device = "vulkan:99";
  try {
    Scorer::load(fixture("tiny-bert"), o);
    FAIL() << "loaded on vulkan:99";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vulkan devices (0.."), std::string::npos) << e.what();
  }
}

TEST(VulkanBackend, AutoPicksNoCpuImplementation) {
  vulkan::register_vulkan_backend();
  bool real_gpu = false;
  for (const DeviceInfo& d : list_devices())
    if (d.backend == "vulkan" && d.is_gpu) real_gpu = true;
  LoadOptions o;
  o.device = "auto";
  const auto scorer = Scorer::load(fixture("tiny-bert"), o);
  if (real_gpu)
    EXPECT_EQ(scorer->info().device.rfind("vulkan: ", 0), 0u);
  else
    EXPECT_EQ(scorer->info().device, "cpu") << "auto took a CPU implementation of Vulkan";
}

}  // namespace
}  // namespace cappy
