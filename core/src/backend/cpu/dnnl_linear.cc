#include "backend/cpu/dnnl_linear.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <string>

#include "cappy/cappy.h"

// oneDNN's threads are libgomp's (Debian builds it with the OpenMP runtime);
// declared here so the core itself is not compiled with -fopenmp.
extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads();

namespace cappy::cpu {
namespace {

using dnnl::memory;

// Sets this thread's OpenMP thread count for its lifetime, then restores it.
class OmpThreadsFor {
 public:
  explicit OmpThreadsFor(int threads) : saved_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~OmpThreadsFor() { omp_set_num_threads(saved_); }
  OmpThreadsFor(const OmpThreadsFor&) = delete;
  OmpThreadsFor& operator=(const OmpThreadsFor&) = delete;

 private:
  int saved_;
};

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

// Output channels [first, first + width) with their packed weights and bias.
struct DnnlLinear::Slice {
  int first = 0, width = 0;
  memory::desc weights_any, bias_desc, packed_desc;
  memory packed_weights, bias;

  dnnl::matmul::primitive_desc describe(memory::dim rows, int in) const {
    return dnnl::matmul::primitive_desc(
        dnnl::matmul::desc(row_major(rows, in), weights_any, bias_desc, row_major(rows, width)),
        cpu_engine());
  }
};

DnnlLinear::DnnlLinear(const float* weight, const float* bias, int in_features, int out_features)
    : in_(in_features), out_(out_features) {
  if (in_features <= 0 || out_features <= 0)
    throw Error("linear layer: empty shape " + std::to_string(out_features) + "x" + std::to_string(in_features));
  // oneDNN picks the packed layout by the threads it may use: ask for the
  // layout of the single-threaded calls run() makes.
  const OmpThreadsFor single_threaded(1);
  try {
    dnnl::stream stream(cpu_engine());
    for (int first = 0; first < out_; first += kSliceColumns) {
      auto s = std::make_unique<Slice>();
      s->first = first;
      s->width = std::min(kSliceColumns, out_ - first);
      s->weights_any = memory::desc({in_, s->width}, memory::data_type::f32, memory::format_tag::any);
      s->bias_desc = memory::desc({1, s->width}, memory::data_type::f32, memory::format_tag::ab);
      // The packed layout, asked of a full chunk; multiply() checks every
      // other row count wants the same one.
      s->packed_desc = s->describe(kChunkRows, in_).weights_desc();
      // PyTorch's [out, in] rows are the [in, out] matrix the primitive
      // multiplies by, transposed; a slice is a run of whole rows.
      const memory::desc torch_layout({in_, s->width}, memory::data_type::f32, memory::dims{1, in_});
      memory source(torch_layout, cpu_engine(), const_cast<float*>(weight + std::size_t(first) * in_));
      s->packed_weights = memory(s->packed_desc, cpu_engine());
      dnnl::reorder(source, s->packed_weights).execute(stream, source, s->packed_weights);
      s->bias = memory(s->bias_desc, cpu_engine());
      std::copy(bias + first, bias + first + s->width, static_cast<float*>(s->bias.get_data_handle()));
      slices_.push_back(std::move(s));
    }
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error("oneDNN could not prepare a " + std::to_string(out_features) + "x" + std::to_string(in_features) +
                " linear layer: " + e.what());
  }
}

DnnlLinear::~DnnlLinear() = default;

void DnnlLinear::run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const {
  const std::size_t chunks = (rows + kChunkRows - 1) / kChunkRows, slices = slices_.size();
  // Consecutive tasks share a row chunk (kept in cache) and walk the slices.
  pool.parallel_for(chunks * slices, 1, [&](std::size_t t0, std::size_t t1) {
    omp_set_num_threads(1);  // this thread's calls into oneDNN stay on this thread
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t start = t / slices * kChunkRows;
      const Slice& slice = *slices_[t % slices];
      run_task(slice, in + start * in_, std::min(kChunkRows, rows - start), out + start * out_ + slice.first);
    }
  });
}

void DnnlLinear::run_task(const Slice& slice, const float* in, std::size_t rows, float* out) const {
  // The tail chunk is padded with zero rows to the next multiple of
  // kTailRowStep. The product lands in a dense scratch first: oneDNN 2.6's
  // brgemm takes no row stride for the output (it would fall back to its
  // sgemm, whose blocking follows the row count).
  const std::size_t padded = (rows + kTailRowStep - 1) / kTailRowStep * kTailRowStep;
  thread_local std::vector<float> pad_in, product;
  if (padded != rows) {
    pad_in.assign(padded * in_, 0.0f);
    std::copy(in, in + rows * in_, pad_in.begin());
    in = pad_in.data();
  }
  if (padded == rows && slice.width == out_) return multiply(slice, in, rows, out);
  product.resize(padded * slice.width);
  multiply(slice, in, padded, product.data());
  for (std::size_t r = 0; r < rows; ++r)
    std::copy_n(product.data() + r * slice.width, slice.width, out + r * out_);
}

void DnnlLinear::multiply(const Slice& slice, const float* in, std::size_t rows, float* out) const {
  try {
    const auto rows_dim = static_cast<memory::dim>(rows);
    const dnnl::matmul::primitive_desc pd = slice.describe(rows_dim, in_);
    if (pd.weights_desc() != slice.packed_desc)
      throw Error("oneDNN chose another weight layout for a " + shape_name(rows, in_, slice.width) +
                  " linear layer than the one packed at load");
    memory src(row_major(rows_dim, in_), cpu_engine(), const_cast<float*>(in));
    memory dst(row_major(rows_dim, slice.width), cpu_engine(), out);
    dnnl::stream stream(cpu_engine());
    dnnl::matmul(pd).execute(stream, {{DNNL_ARG_SRC, src},
                                      {DNNL_ARG_WEIGHTS, slice.packed_weights},
                                      {DNNL_ARG_BIAS, slice.bias},
                                      {DNNL_ARG_DST, dst}});
    stream.wait();
  } catch (const dnnl::error& e) {
    throw Error("oneDNN matmul failed on a " + shape_name(rows, in_, slice.width) + " linear layer: " + e.what());
  }
}

}  // namespace cappy::cpu
