// bfloat16 weights end to end: the rounding of `cappy convert --dtype bf16`,
// the BF16 linear kernels (bf16_gemm.h: VDPBF16PS where the CPU has
// AVX512_BF16, the plain C++ kernel on the same rounded data, and the f32
// widening kernel) against double-precision references over every tail, the
// bundle's tensor kinds and scores against f32, and corrupt BF16 tensors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <tuple>

#include "backend/cpu/bf16_gemm.h"
#include "backend/cpu/linear_compact.h"
#include "bundle_test_util.h"
#include "compact_layer_util.h"
#include "convert/converter.h"
#include "model/bundle.h"
#include "model/gguf.h"
#include "model/gguf_writer.h"
#include "model/model_files.h"
#include "model/weight_store.h"
#include "test_support.h"

namespace cappy {
namespace {

using cpu::Bf16Kernel;

// --- Rounding ----------------------------------------------------------------

TEST(Bf16, EveryBf16RoundTripsThroughFloat) {
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const float f = bf16_to_float(static_cast<std::uint16_t>(b));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(f)))) << "bf16 0x" << std::hex << b;
      continue;
    }
    ASSERT_EQ(float_to_bf16(f), b) << "bf16 0x" << std::hex << b;
  }
}

float from_bits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16(from_bits(0x3f808000)), 0x3f80);  // tie -> even (down)
  EXPECT_EQ(float_to_bf16(from_bits(0x3f818000)), 0x3f82);  // tie -> even (up)
  EXPECT_EQ(float_to_bf16(from_bits(0x3f808001)), 0x3f81);  // above the tie
  EXPECT_EQ(float_to_bf16(from_bits(0x3f807fff)), 0x3f80);  // below the tie
  EXPECT_EQ(float_to_bf16(from_bits(0xbf808001)), 0xbf81);  // negative, symmetric
  EXPECT_EQ(float_to_bf16(from_bits(0x7f7fffff)), 0x7f80);  // past the largest bf16 -> inf
  EXPECT_EQ(float_to_bf16(-std::numeric_limits<float>::infinity()), 0xff80);
  EXPECT_EQ(float_to_bf16(from_bits(0x00018000)), 0x0002);  // subnormals round too
  // A NaN whose payload lives in the low half must not become infinity.
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(from_bits(0x7f800001)))));
}

// --- Kernels -----------------------------------------------------------------

using test::CompactLayer;
using test::open_store;

// Random weights stored as BF16 (the values make_compact_layer draws for any dtype).
CompactLayer make_bf16_layer(int in, int out, int parts, unsigned seed) {
  return test::make_compact_layer(DType::BF16, in, out, parts, seed);
}

std::vector<Bf16Kernel> supported_kernels() {
  std::vector<Bf16Kernel> out;
  for (Bf16Kernel k : {Bf16Kernel::Widen, Bf16Kernel::Reference, Bf16Kernel::Avx512Bf16})
    if (cpu::bf16_kernel_supported(k)) out.push_back(k);
  return out;
}

// Runs the layer on `kernel`; checks it against the double-precision product
// of the stored weights with the inputs as the kernel sees them (f32 for
// widen, rounded to bf16 for the dot-product kernels), and the dot-product
// kernels against the widening kernel within the activations' rounding.
void check(int in, int out, int parts, std::size_t rows, int threads, Bf16Kernel kernel) {
  SCOPED_TRACE("in " + std::to_string(in) + " out " + std::to_string(out) + " parts " +
               std::to_string(parts) + " rows " + std::to_string(rows) + " threads " +
               std::to_string(threads) + " kernel " + cpu::bf16_kernel_name(kernel));
  CompactLayer l = make_bf16_layer(in, out, parts, static_cast<unsigned>(in * 131 + out * 7 + rows));
  const WeightStore store = open_store(l.bundle);
  auto linear = cpu::make_compact_linear(store, l.weight, l.bias, cpu::default_q8_kernel(), kernel);
  ASSERT_NE(linear, nullptr);
  EXPECT_EQ(linear->out_features(), out);
  EXPECT_EQ(linear->bf16_kernel(), kernel);

  const std::vector<float> x = test::uniform_inputs(rows * in);
  std::vector<float> y(rows * out, -999.0f);
  cpu::ThreadPool pool(threads);
  linear->run(x.data(), rows, y.data(), pool);

  const bool rounds = kernel != Bf16Kernel::Widen;
  double worst_vs_widen = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (int o = 0; o < out; ++o) {
      double want = l.b[o], exact = l.b[o], scale = std::fabs(l.b[o]);
      for (int k = 0; k < in; ++k) {
        const float xv = x[r * in + k];
        const double w = l.w[static_cast<std::size_t>(o) * in + k];
        want += (rounds ? bf16_to_float(float_to_bf16(xv)) : xv) * w;
        exact += xv * w;
        scale += std::fabs(xv * w);
      }
      // f32 accumulation over `in` terms: well inside 1e-5 of the sum of |terms|.
      ASSERT_NEAR(y[r * out + o], want, 1e-5 * (1 + scale)) << "row " << r << " out " << o;
      // Rounding the inputs to bf16 moves each term by at most 2^-9 of itself.
      ASSERT_NEAR(y[r * out + o], exact, 1e-5 * (1 + scale) + (rounds ? scale / 512 : 0.0));
      worst_vs_widen = std::max(worst_vs_widen, std::fabs(y[r * out + o] - exact));
    }
  // The dot-product kernels really do round the inputs (a test that could not fail otherwise).
  if (rounds && rows * out * in > 1000) EXPECT_GT(worst_vs_widen, 1e-6);
}

TEST(Bf16Linear, EveryKernelMatchesTheDoubleReferenceOverEveryTail) {
  for (Bf16Kernel kernel : supported_kernels()) {
    for (std::size_t rows : {1u, 6u, 11u, 12u, 13u, 25u})
      for (int out : {1, 16, 17, 32, 33, 70}) check(64, out, 1, rows, 1, kernel);
    for (int in : {1, 3, 37, 128}) check(in, 40, 1, 7, 1, kernel);  // odd rows: a padded pair
    check(96, 96, 3, 9, 2, kernel);    // fused Q|K|V on two threads
    check(256, 130, 1, 30, 2, kernel);
  }
}

TEST(Bf16Linear, DotProductKernelsAgreeWithThePlainKernel) {
  if (!cpu::bf16_kernel_supported(Bf16Kernel::Avx512Bf16)) GTEST_SKIP() << "no AVX512_BF16 here";
  CompactLayer l = make_bf16_layer(300, 70, 1, 5);
  const WeightStore store = open_store(l.bundle);
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> uni(-2, 2);
  const std::size_t rows = 29;
  std::vector<float> x(rows * 300);
  for (auto& v : x) v = uni(rng);
  std::vector<float> simd(rows * 70), plain(rows * 70);
  cpu::ThreadPool pool(2);
  cpu::make_compact_linear(store, l.weight, l.bias, cpu::default_q8_kernel(), Bf16Kernel::Avx512Bf16)
      ->run(x.data(), rows, simd.data(), pool);
  cpu::make_compact_linear(store, l.weight, l.bias, cpu::default_q8_kernel(), Bf16Kernel::Reference)
      ->run(x.data(), rows, plain.data(), pool);
  for (std::size_t i = 0; i < simd.size(); ++i)
    ASSERT_NEAR(simd[i], plain[i], 1e-5 * (1 + std::fabs(plain[i]))) << "element " << i;
  // And against the widening kernel (f32 inputs): apart by the inputs' rounding
  // to bf16 only, at most 2^-9 of each term.
  std::vector<float> wide(rows * 70);
  cpu::make_compact_linear(store, l.weight, l.bias, cpu::default_q8_kernel(), Bf16Kernel::Widen)
      ->run(x.data(), rows, wide.data(), pool);
  double worst = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (int o = 0; o < 70; ++o) {
      double terms = 0;
      for (int k = 0; k < 300; ++k) terms += std::fabs(x[r * 300 + k] * l.w[static_cast<std::size_t>(o) * 300 + k]);
      const std::size_t i = r * 70 + o;
      ASSERT_NEAR(simd[i], wide[i], terms / 512 + 1e-5 * (1 + terms)) << "row " << r << " out " << o;
      worst = std::max(worst, std::fabs(static_cast<double>(simd[i]) - wide[i]));
    }
  EXPECT_GT(worst, 1e-5) << "the inputs' rounding should show";
}

TEST(Bf16Linear, KernelChoiceFollowsTheEnvironment) {
  ASSERT_EQ(setenv("CAPPY_BF16_KERNEL", "reference", 1), 0);
  EXPECT_EQ(cpu::default_bf16_kernel(), Bf16Kernel::Reference);
  ASSERT_EQ(setenv("CAPPY_BF16_KERNEL", "widen", 1), 0);
  EXPECT_EQ(cpu::default_bf16_kernel(), Bf16Kernel::Widen);
  ASSERT_EQ(setenv("CAPPY_BF16_KERNEL", "amx", 1), 0);
  test::expect_error([] { cpu::default_bf16_kernel(); },
                     "CAPPY_BF16_KERNEL=amx: unknown kernel (widen, reference, avx512bf16)",
                     "accepted an unknown kernel");
  ASSERT_EQ(unsetenv("CAPPY_BF16_KERNEL"), 0);
  const Bf16Kernel best = cpu::default_bf16_kernel();
  EXPECT_EQ(best, cpu::bf16_kernel_supported(Bf16Kernel::Avx512Bf16) ? Bf16Kernel::Avx512Bf16
                                                                      : Bf16Kernel::Widen);
}

TEST(Bf16Linear, EmbeddingRowsGatherTheStoredValues) {
  CompactLayer l = make_bf16_layer(20, 5, 1, 11);
  const WeightStore store = open_store(l.bundle);
  auto rows = cpu::make_compact_rows(store, {{"w0"}, {5, 20}});
  ASSERT_NE(rows, nullptr);
  float got[20];
  rows->gather(3, got);
  for (int c = 0; c < 20; ++c) EXPECT_EQ(got[c], l.w[3 * 20 + c]);
}

// --- Bundles -----------------------------------------------------------------

std::string convert_bf16(const std::string& name) {
  const std::string out = test::temp_dir("bf16-" + name) + "/" + name + ".cappy";
  ConvertOptions o;
  o.format = WeightFormat::BF16;
  convert_checkpoint(test::fixture("converter/small-roberta"), out, o);
  return out;
}

TEST(Bf16Bundle, MatricesAreBf16RoundedFromTheSourceAndTheRestStaysF32) {
  const std::string bundle = convert_bf16("kinds");
  const std::string bytes = test::read_file(bundle);
  const GgufFile g = parse_gguf(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "b");
  EXPECT_EQ(g.string(kBundleWeightsDtypeKey, "b"), "bf16");
  const WeightStore src = WeightStore::open_directory(test::fixture("converter/small-roberta"));
  int matrices = 0;
  for (const TensorView& t : g.tensors) {
    const std::vector<float> want = src.get_f32(t.name, t.shape);
    if (t.shape.size() != 2) {  // biases and LayerNorm, as the f16 bundle keeps them
      EXPECT_EQ(t.dtype, DType::F32) << t.name;
      continue;
    }
    ++matrices;
    ASSERT_EQ(t.dtype, DType::BF16) << t.name;
    ASSERT_EQ(t.nbytes, want.size() * 2) << t.name;
    for (std::size_t i = 0; i < want.size(); ++i) {
      std::uint16_t stored;
      std::memcpy(&stored, t.data + 2 * i, 2);
      ASSERT_EQ(stored, float_to_bf16(want[i])) << t.name << " element " << i;
    }
  }
  // 6 per layer, the head's 2, word/position/type embeddings.
  EXPECT_EQ(matrices, 2 * 6 + 2 + 3);
}

// Scores of the bf16 bundle against the f32 weights, on each kernel this CPU has.
TEST(Bf16Bundle, ScoresCloseToF32OnEveryKernel) {
  const std::string bundle = convert_bf16("scores");
  const auto pairs = test::fixture_pairs("tiny-roberta");
  const auto want = test::score_all(*Scorer::load(test::fixture("converter/small-roberta"), test::two_threads()), pairs);
  for (Bf16Kernel kernel : supported_kernels()) {
    SCOPED_TRACE(cpu::bf16_kernel_name(kernel));
    ASSERT_EQ(setenv("CAPPY_BF16_KERNEL", cpu::bf16_kernel_name(kernel), 1), 0);
    const auto got = test::score_all(*Scorer::load(bundle, test::two_threads()), pairs);
    ASSERT_EQ(got.size(), want.size());
    float worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
    // bf16 keeps 8 significant bits (f16: 11), so its tolerance is 8x f16's 2e-3.
    EXPECT_LE(worst, 1.6e-2f);
    EXPECT_GT(worst, 0.0f) << "the weights changed, so some score should have moved";
  }
  ASSERT_EQ(unsetenv("CAPPY_BF16_KERNEL"), 0);
}

TEST(Bf16Bundle, Bf16SourceConvertsToTheSameWeights) {
  // A checkpoint whose safetensors hold BF16 (as a bf16-trained model's do),
  // written from the bf16 bundle's tensors, converts back to the same bytes.
  const std::string first = test::read_file(convert_bf16("first"));
  const GgufFile g1 = parse_gguf(reinterpret_cast<const std::uint8_t*>(first.data()), first.size(), "1");
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const TensorView& t : g1.tensors) {
    header[t.name] = {{"dtype", dtype_name(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {data.size(), data.size() + t.nbytes}}};
    data.append(reinterpret_cast<const char*>(t.data), t.nbytes);
  }
  const std::string h = header.dump();
  std::string st(8, '\0');
  for (int i = 0; i < 8; ++i) st[i] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
  const std::string src = test::checkpoint_dir("bf16-source", "converter/small-roberta");
  test::write_file(src + "/model.safetensors", st + h + data);

  const std::string out = src + "/again.cappy";
  ConvertOptions o;
  o.format = WeightFormat::BF16;
  convert_checkpoint(src, out, o);
  const std::string again = test::read_file(out);
  const GgufFile g2 = parse_gguf(reinterpret_cast<const std::uint8_t*>(again.data()), again.size(), "2");
  ASSERT_EQ(g1.tensors.size(), g2.tensors.size());
  for (std::size_t i = 0; i < g1.tensors.size(); ++i) {
    ASSERT_EQ(g1.tensors[i].name, g2.tensors[i].name);
    ASSERT_EQ(g1.tensors[i].dtype, g2.tensors[i].dtype);
    ASSERT_EQ(g1.tensors[i].nbytes, g2.tensors[i].nbytes);
    EXPECT_EQ(std::memcmp(g1.tensors[i].data, g2.tensors[i].data, g1.tensors[i].nbytes), 0) << g1.tensors[i].name;
  }
}

// --- Corrupt BF16 tensors ----------------------------------------------------

void expect_rejected(const std::string& bytes, const std::string& needle) {
  try {
    parse_gguf(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "bad.gguf");
    ADD_FAILURE() << "accepted; expected: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.gguf"), std::string::npos) << e.what();
  }
}

// A GGUF v3 with BF16 (GGML type 30) tensors {name, elements, offset}, then `data` bytes.
std::string bf16_gguf(const std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>>& tensors,
                      std::size_t data) {
  std::string s = "GGUF";
  auto le = [&](std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  le(3, 4), le(tensors.size(), 8), le(0, 8);
  for (const auto& [name, n, offset] : tensors) {
    le(name.size(), 8), s += name;
    le(1, 4), le(n, 8), le(30, 4), le(offset, 8);
  }
  while (s.size() % 32) s.push_back('\0');
  return s + std::string(data, '\0');
}

TEST(Bf16Corrupt, DataShorterThanTwoBytesPerElement) {
  // 1000 BF16 elements need 2000 bytes; 1000 (what an 8-bit reading would take) is too few.
  expect_rejected(bf16_gguf({{"t", 1000, 0}}, 1000), "bytes [0, 2000) are outside the data section of 1000 bytes");
}

TEST(Bf16Corrupt, TensorsOverlapAtTwoBytesPerElement) {
  expect_rejected(bf16_gguf({{"a", 32, 0}, {"b", 32, 32}}, 128), "tensors \"a\" and \"b\" overlap");
}

TEST(Bf16Corrupt, ABf16WeightOfTheWrongSizeForTheConfig) {
  // small-roberta's bf16 bundle with one matrix one column short: its byte
  // size no longer matches what the config implies, and loading says so.
  const std::string good = test::read_file(convert_bf16("corrupt-src"));
  const GgufFile g = parse_gguf(reinterpret_cast<const std::uint8_t*>(good.data()), good.size(), "g");
  GgufWriter w;
  for (const auto& [key, v] : g.metadata)
    if (key.rfind(kBundleFilePrefix, 0) == 0 || key == "general.architecture")
      w.add_string(key, std::string(v.str));
  w.add_u32(kBundleVersionKey, kBundleVersion);
  const std::string victim = "roberta.encoder.layer.1.output.dense.weight";
  for (const TensorView& t : g.tensors) {
    std::vector<std::int64_t> shape = t.shape;
    if (t.name == victim) shape.back() -= 1;
    const TensorView* v = &t;
    w.add_tensor(t.name, t.dtype, shape, [v](std::uint8_t* out) { std::memcpy(out, v->data, 2); });
  }
  try {
    Scorer::load_bundle(w.write_memory());
    ADD_FAILURE() << "loaded a bundle whose BF16 tensor does not match the config";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor \"" + victim + "\" has shape [64, 127] but the config implies [64, 128]"),
              std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cappy
