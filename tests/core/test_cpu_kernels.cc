#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/attention.h"
#include "backend/cpu/kernels.h"

namespace cappy {
namespace {

TEST(CpuKernels, ErfIsAccurateEverywhere) {
  double worst = 0;
  for (double x = -6; x <= 6; x += 1e-3) worst = std::max(worst, std::abs(cpu::erf_approx(float(x)) - std::erf(x)));
  EXPECT_LT(worst, 2e-7);
}

TEST(CpuKernels, ExpMatchesLibm) {
  std::vector<float> xs;
  for (float x = -80; x <= 80; x += 0.37f) xs.push_back(x);
  std::vector<float> ys = xs;
  cpu::exp_inplace(ys.data(), ys.size());
  for (std::size_t i = 0; i < xs.size(); ++i)
    EXPECT_NEAR(ys[i] / std::exp(double(xs[i])), 1.0, 3e-7) << xs[i];
}

TEST(CpuKernels, GeluIsTheErfForm) {
  std::vector<float> x = {-5.f, -1.f, -0.1f, 0.f, 0.3f, 1.f, 2.5f, 9.f};
  std::vector<float> y = x;
  cpu::gelu_inplace(y.data(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(y[i], 0.5 * x[i] * (1 + std::erf(x[i] / std::sqrt(2.0))), 2e-6) << x[i];
}

TEST(CpuKernels, LayerNormWithResidual) {
  const int cols = 37;  // not a multiple of any vector width
  std::mt19937 rng(3);
  std::normal_distribution<float> d(5.f, 3.f);
  std::vector<float> a(2 * cols), r(2 * cols), g(cols), b(cols), out(2 * cols);
  for (auto* v : {&a, &r, &g, &b})
    for (auto& x : *v) x = d(rng);
  cpu::layer_norm_rows(a.data(), r.data(), g.data(), b.data(), 1e-5f, cols, 0, 2, out.data());
  for (int row = 0; row < 2; ++row) {
    double mean = 0, var = 0;
    for (int c = 0; c < cols; ++c) mean += a[row * cols + c] + r[row * cols + c];
    mean /= cols;
    for (int c = 0; c < cols; ++c) var += std::pow(a[row * cols + c] + r[row * cols + c] - mean, 2);
    var /= cols;
    for (int c = 0; c < cols; ++c) {
      double want = (a[row * cols + c] + r[row * cols + c] - mean) / std::sqrt(var + 1e-5) * g[c] + b[c];
      EXPECT_NEAR(out[row * cols + c], want, 1e-4 * (1 + std::abs(want)));
    }
  }
}

// Attention of every head against a double-precision reference, for pair
// lengths around the kernel's blocks (4 queries, 32 keys) and head dims on
// both of its paths (multiples of 16: tiled; others: one dot per pair).
void check_attention(int n, int heads, int d) {
  SCOPED_TRACE("n=" + std::to_string(n) + " heads=" + std::to_string(heads) + " d=" + std::to_string(d));
  const int hidden = heads * d;
  std::mt19937 rng(11 + n + d);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> qkv(static_cast<std::size_t>(n) * 3 * hidden), out(static_cast<std::size_t>(n) * hidden, -1.f);
  // Scratch filled with garbage: the kernel must not depend on its contents.
  std::vector<float> scratch(cpu::attention_scratch_floats(n, d), std::nanf(""));
  for (auto& x : qkv) x = dist(rng);
  for (int h = 0; h < heads; ++h) cpu::attention_head(qkv.data(), n, hidden, h, d, out.data(), scratch.data());
  for (int h = 0; h < heads; ++h)
    for (int i = 0; i < n; ++i) {
      std::vector<double> s(n);
      double max = -1e300, sum = 0;
      for (int j = 0; j < n; ++j) {
        double dot = 0;
        for (int c = 0; c < d; ++c) dot += qkv[i * 3 * hidden + h * d + c] * qkv[j * 3 * hidden + hidden + h * d + c];
        s[j] = dot / std::sqrt(double(d));
        max = std::max(max, s[j]);
      }
      for (int j = 0; j < n; ++j) sum += s[j] = std::exp(s[j] - max);
      for (int c = 0; c < d; ++c) {
        double want = 0;
        for (int j = 0; j < n; ++j) want += s[j] / sum * qkv[j * 3 * hidden + 2 * hidden + h * d + c];
        ASSERT_NEAR(out[i * hidden + h * d + c], want, 1e-5) << "row " << i << " head " << h << " col " << c;
      }
    }
}

TEST(CpuKernels, AttentionHeadMatchesReference) {
  check_attention(13, 3, 5);   // plain path
  check_attention(1, 2, 64);   // one token
  for (int n : {3, 4, 5, 31, 32, 33, 70}) check_attention(n, 2, 64);
  check_attention(37, 3, 32);  // minilm's head dim: one column tile of 16 twice
  check_attention(9, 2, 80);   // 64 + 16: both column tiles
}

}  // namespace
}  // namespace cappy
