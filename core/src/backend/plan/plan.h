// The GPU dispatch plan: what a GPU executor (WebGPU in JS, Vulkan in C++)
// runs for one batch shape. It names every buffer to allocate (weights by
// checkpoint tensor, the batch's inputs, activations sized for the batch) and
// lists the dispatches in order: kernel, buffer bindings, uniform params,
// pipeline constants and workgroup grid. Every decision (fusion, tiling,
// buffer reuse) is made here, so executors stay thin and the decisions are
// unit-tested without a GPU. plan_json.h writes it for JavaScript.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "batch/packed_batch.h"
#include "model/graph.h"

namespace cappy::plan {

// The batch a plan is for: packed tokens of `pairs` pairs, the longest
// `max_pair_tokens` long.
struct Shape {
  int tokens = 0;
  int pairs = 0;
  int max_pair_tokens = 0;
};
Shape shape_of(const PackedBatch& batch);

// How the linear layers' weight matrices and the word-embedding table live
// on the device (as in bundles); position and type embeddings, biases and
// LayerNorm parameters stay f32. Q8_0 is GGML's block format as bundles store
// it (per 32 weights of a row: an f16 scale, 32 int8); a matrix whose rows
// are not a multiple of 32 long falls back to F16, and a linear layer's F16 to
// F32 for odd rows (the linear kernel reads halves in pairs).
enum class WeightFormat { F32, F16, Q8_0 };

struct Options {
  WeightFormat linear_weights = WeightFormat::F32;
};

enum class Role { Weight, Input, Activation };
enum class DType { F32, F16, Q8_0, I32 };

struct Buffer {
  std::string name;                  // weights: their tensor names joined by '+'
  Role role = Role::Activation;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;   // elements: a weight's shape, [rows, cols] of an activation
  std::vector<std::string> parts;    // weights: checkpoint tensors concatenated along dim 0
  std::uint64_t bytes = 0;           // to allocate: a multiple of 16, at least 16
};

struct Param {
  std::string name;
  bool is_float = false;
  std::uint32_t u = 0;
  float f = 0;
};

struct Constant {
  std::string name;
  std::uint32_t value = 0;
};

struct Dispatch {
  std::string kernel;          // a name from kernel_specs()
  std::string label;           // what it computes ("layer0.qkv"), for debugging
  std::vector<int> bindings;   // binding i of group 0 = buffers[bindings[i]]
  std::vector<Param> params;   // the kernel's Params struct (uniform, binding bindings.size())
  std::vector<Constant> constants;
  std::array<std::uint32_t, 3> grid{1, 1, 1};
};

// Where the executor writes the batch: one i32 buffer holding
// ids[tokens] | type_ids[tokens] | positions[tokens] | offsets[pairs + 1].
struct InputLayout {
  int buffer = -1;
  std::uint32_t ids_at = 0, type_ids_at = 0, positions_at = 0, offsets_at = 0;
};

// Where the logits are: the first rows*cols floats of buffers[buffer].
struct OutputLayout {
  int buffer = -1;
  int rows = 0, cols = 0;
};

struct Plan {
  ModelSpec spec;
  Shape shape;
  Options options;
  std::vector<Buffer> buffers;
  InputLayout input;
  OutputLayout output;
  std::vector<Dispatch> dispatches;
};

// Lowers the encoder graph for one batch shape. Throws cappy::Error when the
// shape is inconsistent or beyond what the kernels support (naming which).
Plan build_plan(const Graph& graph, const Shape& shape, const Options& options = {});

// Workgroup memory the dispatch's kernel declares, in bytes (executors check
// it against the device's maxComputeWorkgroupStorageSize).
std::uint64_t workgroup_storage_bytes(const Dispatch& d);

const char* dtype_name(DType t);
const char* role_name(Role r);

}  // namespace cappy::plan
