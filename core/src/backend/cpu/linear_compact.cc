// The panel GEMM behind CompactLinear: for each panel of 16 output channels
// (one thread's task), widen the weights once into a [K x 16] f32 scratch,
// then run every block of kRowBlock input rows against it with a register-
// blocked outer-product loop the compiler vectorizes 16 wide.
#include "backend/cpu/linear_compact.h"

#include <algorithm>
#include <cstring>

#include "backend/cpu/multiversion.h"
#include "cappy/cappy.h"

namespace cappy::cpu {

namespace {

constexpr int kRowBlock = 6;  // rows per register block: 6 x 16 accumulators

// out[r, 0..ncols) = bias + x[r] · panel for the rows [0, rows) of x.
CAPPY_MULTIVERSION
void panel_gemm(const float* x, std::size_t rows, int k_dim, const float* panel, const float* bias,
                float* out, std::size_t out_stride, int ncols) {
  for (std::size_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const std::size_t valid = std::min<std::size_t>(kRowBlock, rows - r0);
    // Missing rows of the last block repeat the last row; their results are dropped.
    const float* xr[kRowBlock];
    for (int i = 0; i < kRowBlock; ++i)
      xr[i] = x + (r0 + std::min<std::size_t>(i, valid - 1)) * static_cast<std::size_t>(k_dim);
    float acc[kRowBlock][kPanelWidth];
    for (int i = 0; i < kRowBlock; ++i)
      for (int j = 0; j < kPanelWidth; ++j) acc[i][j] = bias[j];
    for (int k = 0; k < k_dim; ++k) {
      const float* w = panel + static_cast<std::size_t>(k) * kPanelWidth;
#pragma GCC unroll 6
      for (int i = 0; i < kRowBlock; ++i) {
        const float xv = xr[i][k];
#pragma omp simd
        for (int j = 0; j < kPanelWidth; ++j) acc[i][j] += xv * w[j];
      }
    }
    for (std::size_t i = 0; i < valid; ++i)
      std::memcpy(out + (r0 + i) * out_stride, acc[i], sizeof(float) * static_cast<std::size_t>(ncols));
  }
}

bool is_compact(DType t) { return t == DType::F16 || t == DType::BF16 || t == DType::Q8_0; }

// The weight's parts (one, or Q|K|V) as one row pointer per output channel,
// or empty when the weight is not stored compact.
std::vector<const std::uint8_t*> compact_rows(const WeightStore& store, const WeightRef& ref,
                                              DType* dtype) {
  std::vector<std::int64_t> part = ref.shape;
  part[0] /= static_cast<std::int64_t>(ref.parts.size());
  std::vector<const std::uint8_t*> rows;
  for (std::size_t p = 0; p < ref.parts.size(); ++p) {
    const TensorView& t = store.get(ref.parts[p], part);
    if (!is_compact(t.dtype)) return {};
    if (p == 0) *dtype = t.dtype;
    if (t.dtype != *dtype) return {};  // mixed parts: let the f32 path widen them
    const std::size_t row_bytes = t.nbytes / static_cast<std::size_t>(part[0]);
    for (std::int64_t r = 0; r < part[0]; ++r) rows.push_back(t.data + r * row_bytes);
  }
  return rows;
}

}  // namespace

CompactLinear::CompactLinear(DType dtype, std::vector<const std::uint8_t*> rows,
                             std::vector<float> bias, int in_features, std::shared_ptr<const void> owner,
                             Q8Kernel q8_kernel, Bf16Kernel bf16_kernel)
    : dtype_(dtype), rows_(std::move(rows)), bias_(std::move(bias)), in_(in_features),
      owner_(std::move(owner)), q8_kernel_(q8_kernel), bf16_kernel_(bf16_kernel) {
  if (!is_compact(dtype_))
    throw Error(std::string("compact linear layer: unsupported dtype ") + dtype_name(dtype_));
  if (dtype_ == DType::Q8_0 && in_ % static_cast<int>(kQ8BlockElems) != 0)
    throw Error("compact linear layer: Q8_0 rows must be a multiple of 32 long");
  if (bias_.size() != rows_.size()) throw Error("compact linear layer: bias and weight disagree");
  // The last panel reads a whole panel's biases.
  bias_.resize(rows_.size() + std::max(kQ8IntPanel, kBf16Panel), 0.0f);
}

void CompactLinear::run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) const {
  if (dtype_ == DType::Q8_0 && q8_kernel_ != Q8Kernel::Portable) return run_q8_int(in, rows, out, pool);
  if (dtype_ == DType::BF16 && bf16_kernel_ != Bf16Kernel::Widen) return run_bf16_dot(in, rows, out, pool);
  const std::size_t n = rows_.size();
  const std::size_t panels = (n + kPanelWidth - 1) / kPanelWidth;
  const auto unpack = dtype_ == DType::F16    ? unpack_panel_f16
                      : dtype_ == DType::BF16 ? unpack_panel_bf16
                                              : unpack_panel_q8;
  pool.parallel_for(panels, 1, [&](std::size_t p0, std::size_t p1) {
    thread_local std::vector<float> panel;
    panel.resize(static_cast<std::size_t>(in_) * kPanelWidth);
    for (std::size_t p = p0; p < p1; ++p) {
      const std::size_t o0 = p * kPanelWidth;
      const int count = static_cast<int>(std::min<std::size_t>(kPanelWidth, n - o0));
      unpack(rows_.data() + o0, count, in_, panel.data());
      panel_gemm(in, rows, in_, panel.data(), bias_.data() + o0, out + o0, n, count);
    }
  });
}

// Quantizes the input rows and packs every panel of 32 output channels once,
// then multiplies in tasks of (a chunk of rows) x (a group of panels), both
// small enough to stay in the core's cache together. (Each panel against all
// rows, the previous order, streamed the whole quantized input from memory
// once per panel: 128 times for the FFN's 4,096 channels.)
void CompactLinear::run_q8_int(const float* in, std::size_t rows, float* out,
                               const ThreadPool& pool) const {
  constexpr std::size_t kChunkRows = 96;  // a multiple of every kernel's row tile (6, 3)
  constexpr std::size_t kGroupPanels = 4;
  thread_local Q8Activations acts;             // the calling thread's; workers only read them
  thread_local std::vector<std::uint8_t> packed;  // likewise, once packed
  acts.resize(rows, in_, q8_kernel_int8(q8_kernel_));
  Q8Activations& a = acts;
  pool.parallel_for(rows, 16, [&](std::size_t r0, std::size_t r1) { quantize_rows(in, r0, r1, a); });
  const std::size_t n = rows_.size();
  const std::size_t panels = (n + kQ8IntPanel - 1) / kQ8IntPanel, panel_bytes = q8_panel_bytes(q8_kernel_, in_);
  packed.resize(panels * panel_bytes);
  std::uint8_t* const panel0 = packed.data();
  const auto channels = [&](std::size_t p) { return static_cast<int>(std::min<std::size_t>(kQ8IntPanel, n - p * kQ8IntPanel)); };
  pool.parallel_for(panels, 1, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t p = p0; p < p1; ++p)
      pack_q8_panel(q8_kernel_, rows_.data() + p * kQ8IntPanel, channels(p), in_, panel0 + p * panel_bytes);
  });
  const std::size_t groups = (panels + kGroupPanels - 1) / kGroupPanels;
  const std::size_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  // Consecutive tasks share a group of panels and walk the row chunks.
  pool.parallel_for(groups * chunks, 1, [&](std::size_t t0, std::size_t t1) {
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t r0 = t % chunks * kChunkRows, r1 = std::min(rows, r0 + kChunkRows);
      const std::size_t first = t / chunks * kGroupPanels, last = std::min(panels, first + kGroupPanels);
      for (std::size_t p = first; p < last; ++p) {
        const std::size_t o0 = p * kQ8IntPanel;
        q8_panel_gemm(q8_kernel_, a, r0, r1, panel0 + p * panel_bytes, bias_.data() + o0, out + o0, n, channels(p));
      }
    }
  });
}

// Rounds the input rows to bf16 once, then each thread takes panels of 32
// output channels: interleaves one into its scratch and runs every row on it.
void CompactLinear::run_bf16_dot(const float* in, std::size_t rows, float* out,
                                 const ThreadPool& pool) const {
  thread_local Bf16Activations acts;  // the calling thread's; workers only read it
  acts.resize(rows, in_);
  Bf16Activations& a = acts;
  pool.parallel_for(rows, 16, [&](std::size_t r0, std::size_t r1) { round_rows_bf16(in, r0, r1, a); });
  const std::size_t n = rows_.size();
  const std::size_t panels = (n + kBf16Panel - 1) / kBf16Panel;
  pool.parallel_for(panels, 1, [&](std::size_t p0, std::size_t p1) {
    thread_local std::vector<std::uint16_t> panel;
    panel.resize(bf16_panel_bytes(in_) / sizeof(std::uint16_t));
    for (std::size_t p = p0; p < p1; ++p) {
      const std::size_t o0 = p * kBf16Panel;
      const int count = static_cast<int>(std::min<std::size_t>(kBf16Panel, n - o0));
      pack_bf16_panel(rows_.data() + o0, count, in_, panel.data());
      bf16_panel_gemm(bf16_kernel_, a, rows, panel.data(), bias_.data() + o0, out + o0, n, count);
    }
  });
}

std::unique_ptr<CompactLinear> make_compact_linear(const WeightStore& store, const WeightRef& weight,
                                                   const WeightRef& bias, Q8Kernel q8_kernel,
                                                   Bf16Kernel bf16_kernel) {
  DType dtype = DType::F32;
  std::vector<const std::uint8_t*> rows = compact_rows(store, weight, &dtype);
  if (rows.empty()) return nullptr;
  std::vector<float> b;
  std::vector<std::int64_t> part = bias.shape;
  part[0] /= static_cast<std::int64_t>(bias.parts.size());
  for (const auto& name : bias.parts) {
    std::vector<float> v = store.get_f32(name, part);
    b.insert(b.end(), v.begin(), v.end());
  }
  return std::make_unique<CompactLinear>(dtype, std::move(rows), std::move(b),
                                         static_cast<int>(weight.shape[1]), store.bytes_owner(),
                                         q8_kernel, bf16_kernel);
}

CompactRows::CompactRows(const TensorView& table, std::shared_ptr<const void> owner)
    : dtype_(table.dtype), data_(table.data), rows_(table.shape.at(0)),
      cols_(static_cast<int>(table.shape.at(1))), row_bytes_(table.nbytes / table.shape.at(0)),
      owner_(std::move(owner)) {}

void CompactRows::gather(std::int64_t row, float* out) const {
  const std::uint8_t* src = data_ + static_cast<std::size_t>(row) * row_bytes_;
  if (dtype_ == DType::Q8_0) {
    for (int c = 0; c < cols_; c += static_cast<int>(kQ8BlockElems))
      dequantize_q8_block(src + c / kQ8BlockElems * kQ8BlockBytes, out + c);
    return;
  }
  const auto widen = dtype_ == DType::BF16 ? bf16_to_float : half_to_float;
  for (int c = 0; c < cols_; ++c) {  // F16, BF16
    std::uint16_t h;
    std::memcpy(&h, src + 2 * c, 2);
    out[c] = widen(h);
  }
}

std::unique_ptr<CompactRows> make_compact_rows(const WeightStore& store, const WeightRef& weight) {
  if (weight.parts.size() != 1) return nullptr;
  const TensorView& t = store.get(weight.parts[0], weight.shape);
  if (!is_compact(t.dtype)) return nullptr;
  if (t.shape.size() != 2 || t.shape[0] == 0) return nullptr;
  return std::make_unique<CompactRows>(t, store.bytes_owner());
}

void embed_rows_compact(const CompactRows& word, const float* position, const float* token_type,
                        const std::int32_t* ids, const std::int32_t* positions,
                        const std::int32_t* types, int cols, std::size_t r0, std::size_t r1, float* out) {
  for (std::size_t t = r0; t < r1; ++t) {
    float* o = out + t * cols;
    word.gather(ids[t], o);
    const float* p = position + static_cast<std::size_t>(positions[t]) * cols;
    const float* ty = token_type + static_cast<std::size_t>(types[t]) * cols;
    for (int c = 0; c < cols; ++c) o[c] = o[c] + p[c] + ty[c];  // (w + p) + t, as embed_rows
  }
}

}  // namespace cappy::cpu
