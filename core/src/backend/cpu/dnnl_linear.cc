#include "backend/cpu/dnnl_linear.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <string>

#include "cappy/cappy.h"

// oneDNN's threads are libgomp's (Debian builds it with the OpenMP runtime);
// declared here so the core itself is not compiled with -fopenmp.
extern "C" void omp_set_num_threads(int);

namespace cappy::cpu {

DnnlLinear::DnnlLinear(const float* weight, const float* bias, int in_features, int out_features)
    : in_(in_features), out_(out_features) {
  if (in_features <= 0 || out_features <= 0)
    throw Error("linear layer: empty shape " + std::to_string(out_features) + "x" + std::to_string(in_features));
  weight_.assign(weight, weight + static_cast<std::size_t>(in_features) * out_features);
  bias_.assign(bias, bias + out_features);
}

void DnnlLinear::run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const {
  if (rows == 0) return;
  // C starts as the bias in every row; sgemm adds A·Bᵀ to it (beta = 1).
  for (std::size_t r = 0; r < rows; ++r) std::copy(bias_.begin(), bias_.end(), out + r * out_);
  omp_set_num_threads(pool.threads());
  const dnnl_status_t status =
      dnnl_sgemm('N', 'T', static_cast<dnnl_dim_t>(rows), out_, in_, 1.0f, in, in_, weight_.data(), in_,
                 1.0f, out, out_);
  if (status != dnnl_success)
    throw Error("oneDNN sgemm failed (status " + std::to_string(static_cast<int>(status)) + ") on a " +
                std::to_string(rows) + "x" + std::to_string(in_) + "x" + std::to_string(out_) + " linear layer");
}

}  // namespace cappy::cpu
