#include "backend/cpu/f32_linear.h"

#include "backend/cpu/kernel_choice.h"

namespace cappy::cpu {

const char* f32_gemm_name(F32Gemm g) { return g == F32Gemm::OneDnn ? "onednn" : "xnnpack"; }

F32Gemm default_f32_gemm() {
  if (const auto chosen = kernel_from_env(
          "CAPPY_F32_GEMM", {F32Gemm::OneDnn, F32Gemm::Xnnpack}, f32_gemm_name,
          [](F32Gemm g) { return g == F32Gemm::Xnnpack || CAPPY_WITH_ONEDNN; }, "GEMM",
          "this build has no oneDNN (libdnnl-dev)"))
    return *chosen;
  return CAPPY_WITH_ONEDNN ? F32Gemm::OneDnn : F32Gemm::Xnnpack;
}

F32Linear::F32Linear(const float* weight, const float* bias, int in_features, int out_features,
                     F32Gemm gemm)
    : gemm_(gemm) {
#if CAPPY_WITH_ONEDNN
  if (gemm == F32Gemm::OneDnn) {
    dnnl_ = std::make_unique<DnnlLinear>(weight, bias, in_features, out_features);
    return;
  }
#endif
  gemm_ = F32Gemm::Xnnpack;
  xnn_ = std::make_unique<XnnLinear>(weight, bias, in_features, out_features);
}

F32Linear::~F32Linear() = default;

void F32Linear::run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) {
#if CAPPY_WITH_ONEDNN
  if (dnnl_) return dnnl_->run(in, rows, out, pool);
#endif
  xnn_->run(in, rows, out, pool);
}

}  // namespace cappy::cpu
