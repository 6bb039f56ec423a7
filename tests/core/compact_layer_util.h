// Compact (F16, BF16, Q8_0) linear layers for the kernel tests: random weights
// in a GGUF held in memory, their stored values widened for the references,
// and the weight store that reads them.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/bundle.h"
#include "model/gguf_writer.h"
#include "model/model_files.h"
#include "model/tensor.h"
#include "model/weight_store.h"

namespace cappy::test {

struct CompactLayer {
  std::vector<std::uint8_t> bundle;  // a GGUF holding the weight parts and biases
  std::vector<float> w;              // [out, in], as stored (dequantized)
  std::vector<float> b;
  WeightRef weight, bias;
};

// Random weights (normal, sd 0.5) stored in `dtype` (F16, BF16 or Q8_0; Q8_0
// needs `in` a multiple of 32), split into `parts` tensors along dim 0, with
// F32 biases.
inline CompactLayer make_compact_layer(DType dtype, int in, int out, int parts, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  CompactLayer l;
  GgufWriter writer;
  const int part_out = out / parts;
  for (int p = 0; p < parts; ++p) {
    std::vector<float> w(static_cast<std::size_t>(part_out) * in), b(part_out);
    for (auto& v : w) v = normal(rng);
    for (auto& v : b) v = normal(rng);
    const std::string name = "w" + std::to_string(p);
    std::uint64_t nbytes = 0;
    tensor_nbytes(dtype, {part_out, in}, &nbytes);
    std::vector<std::uint8_t> stored(nbytes);
    for (std::size_t r = 0; r < static_cast<std::size_t>(part_out); ++r)
      for (int c = 0; c < in; c += static_cast<int>(kQ8BlockElems)) {
        const float* x = w.data() + r * in + c;
        if (dtype == DType::Q8_0) {
          quantize_q8_block(x, stored.data() + (r * in + c) / kQ8BlockElems * kQ8BlockBytes);
        } else {
          for (std::size_t i = 0; i < kQ8BlockElems && c + i < static_cast<std::size_t>(in); ++i) {
            const std::uint16_t h = dtype == DType::BF16 ? float_to_bf16(x[i]) : float_to_half(x[i]);
            std::memcpy(stored.data() + 2 * (r * in + c + i), &h, 2);
          }
        }
      }
    TensorView view{name, dtype, {part_out, in}, stored.data(), stored.size(), ""};
    std::vector<float> back(w.size());
    convert_to_f32(view, back.data());
    l.w.insert(l.w.end(), back.begin(), back.end());
    l.b.insert(l.b.end(), b.begin(), b.end());
    writer.add_tensor(name, dtype, {part_out, in},
                      [stored](std::uint8_t* o) { std::memcpy(o, stored.data(), stored.size()); });
    writer.add_tensor("b" + std::to_string(p), DType::F32, {part_out},
                      [b](std::uint8_t* o) { std::memcpy(o, b.data(), b.size() * 4); });
    l.weight.parts.push_back(name);
    l.bias.parts.push_back("b" + std::to_string(p));
  }
  l.weight.shape = {out, in};
  l.bias.shape = {out};
  l.bundle = writer.write_memory();
  return l;
}

// n inputs drawn uniformly from [-1, 1], the same ones for the same seed.
inline std::vector<float> uniform_inputs(std::size_t n, unsigned seed = 3) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uni(-1, 1);
  std::vector<float> x(n);
  for (auto& v : x) v = uni(rng);
  return x;
}

// The weight store of a bundle held in memory.
inline WeightStore open_store(std::vector<std::uint8_t> bundle) {
  FileMap map;
  map[kBundleWeightsName] = std::make_shared<const std::vector<std::uint8_t>>(std::move(bundle));
  return WeightStore::open(*memory_files(map, "mem"));
}

}  // namespace cappy::test
