#include "backend/cpu/dnnl_linear.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "cappy/cappy.h"

// oneDNN's threads are libgomp's (Debian builds it with the OpenMP runtime);
// declared here so the core itself is not compiled with -fopenmp.
extern "C" void omp_set_num_threads(int);

namespace cappy::cpu {
namespace {

using dnnl::memory;

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::desc row_major(memory::dim rows, memory::dim cols) {
  return memory::desc({rows, cols}, memory::data_type::f32, memory::dims{cols, 1});
}

std::string shape_name(std::size_t rows, int in, int out) {
  return std::to_string(rows) + "x" + std::to_string(in) + "x" + std::to_string(out);
}

}  // namespace

struct DnnlLinear::State {
  memory::desc weights_any, bias_desc, packed_desc;
  memory packed_weights, bias;

  // The matmul for `rows` rows (oneDNN's primitive cache makes a repeat cheap).
  dnnl::matmul::primitive_desc describe(memory::dim rows, int in, int out) const {
    return dnnl::matmul::primitive_desc(
        dnnl::matmul::desc(row_major(rows, in), weights_any, bias_desc, row_major(rows, out)), cpu_engine());
  }
};

DnnlLinear::DnnlLinear(const float* weight, const float* bias, int in_features, int out_features)
    : state_(std::make_unique<State>()), in_(in_features), out_(out_features) {
  if (in_features <= 0 || out_features <= 0)
    throw Error("linear layer: empty shape " + std::to_string(out_features) + "x" + std::to_string(in_features));
  try {
    State& s = *state_;
    s.weights_any = memory::desc({in_, out_}, memory::data_type::f32, memory::format_tag::any);
    s.bias_desc = memory::desc({1, out_}, memory::data_type::f32, memory::format_tag::ab);
    // The packed layout, asked of a typical batch; run() checks every other
    // row count wants the same one.
    s.packed_desc = s.describe(128, in_, out_).weights_desc();
    // PyTorch's [out, in] rows are the [in, out] matrix the primitive multiplies by, transposed.
    const memory::desc torch_layout({in_, out_}, memory::data_type::f32, memory::dims{1, in_});
    memory source(torch_layout, cpu_engine(), const_cast<float*>(weight));
    s.packed_weights = memory(s.packed_desc, cpu_engine());
    dnnl::stream stream(cpu_engine());
    dnnl::reorder(source, s.packed_weights).execute(stream, source, s.packed_weights);
    s.bias = memory(s.bias_desc, cpu_engine());
    memory bias_source(s.bias_desc, cpu_engine(), const_cast<float*>(bias));
    dnnl::reorder(bias_source, s.bias).execute(stream, bias_source, s.bias);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error("oneDNN could not prepare a " + std::to_string(out_features) + "x" + std::to_string(in_features) +
                " linear layer: " + e.what());
  }
}

DnnlLinear::~DnnlLinear() = default;

void DnnlLinear::run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const {
  omp_set_num_threads(pool.threads());
  for (std::size_t start = 0; start < rows; start += kChunkRows) {
    const std::size_t n = std::min(kChunkRows, rows - start);
    const float* chunk_in = in + start * in_;
    float* chunk_out = out + start * out_;
    if (n % kTailRowStep == 0) {
      multiply(chunk_in, n, chunk_out);
      continue;
    }
    // The tail, padded with zero rows to the next multiple of kTailRowStep.
    const std::size_t padded = (n + kTailRowStep - 1) / kTailRowStep * kTailRowStep;
    thread_local std::vector<float> pad_in, pad_out;
    pad_in.assign(padded * in_, 0.0f);
    pad_out.resize(padded * out_);
    std::copy(chunk_in, chunk_in + n * in_, pad_in.begin());
    multiply(pad_in.data(), padded, pad_out.data());
    std::copy(pad_out.begin(), pad_out.begin() + n * out_, chunk_out);
  }
}

void DnnlLinear::multiply(const float* in, std::size_t rows, float* out) const {
  const State& s = *state_;
  try {
    const auto rows_dim = static_cast<memory::dim>(rows);
    const dnnl::matmul::primitive_desc pd = s.describe(rows_dim, in_, out_);
    if (pd.weights_desc() != s.packed_desc)
      throw Error("oneDNN chose another weight layout for a " + shape_name(rows, in_, out_) +
                  " linear layer than the one packed at load");
    memory src(row_major(rows_dim, in_), cpu_engine(), const_cast<float*>(in));
    memory dst(row_major(rows_dim, out_), cpu_engine(), out);
    dnnl::stream stream(cpu_engine());
    dnnl::matmul(pd).execute(stream, {{DNNL_ARG_SRC, src},
                                      {DNNL_ARG_WEIGHTS, s.packed_weights},
                                      {DNNL_ARG_BIAS, s.bias},
                                      {DNNL_ARG_DST, dst}});
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error("oneDNN matmul failed on a " + shape_name(rows, in_, out_) + " linear layer: " + e.what());
  }
}

}  // namespace cappy::cpu
