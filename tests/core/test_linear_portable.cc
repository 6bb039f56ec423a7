// The portable GEMM (the WebAssembly build's linear layer) against a double
// precision reference, over shapes that exercise every edge: rows not a
// multiple of the micro-kernel's 4, columns not a multiple of its 8, K longer
// than one cache block; with threads; with the fused GELU. Natively it is also
// checked against XNNPACK, the layer it replaces.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "cappy/cappy.h"
#include "backend/cpu/linear_portable.h"
#include "backend/cpu/portable_thread_pool.h"
#include "backend/cpu/thread_pool.h"
#include "test_support.h"
#if CAPPY_WITH_XNNPACK
#include <cstdlib>
#include <string>

#include "backend/cpu/f32_linear.h"
#include "backend/cpu/xnn_linear.h"
#endif

namespace cappy {
namespace {

struct Problem {
  int rows, in, out;
  std::vector<float> x, w, b;
};

Problem make_problem(int rows, int in, int out, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  Problem p{rows, in, out, {}, {}, {}};
  p.x.resize(static_cast<std::size_t>(rows) * in);
  p.w.resize(static_cast<std::size_t>(out) * in);
  p.b.resize(out);
  for (auto* v : {&p.x, &p.w, &p.b})
    for (float& f : *v) f = d(rng);
  return p;
}

double reference(const Problem& p, int r, int o, bool gelu) {
  double acc = p.b[o];
  for (int k = 0; k < p.in; ++k) acc += double(p.x[std::size_t(r) * p.in + k]) * p.w[std::size_t(o) * p.in + k];
  return gelu ? 0.5 * acc * (1 + std::erf(acc / std::sqrt(2.0))) : acc;
}

void expect_matches_reference(const Problem& p, const std::vector<float>& y, bool gelu) {
  // f32 accumulation over K terms of unit variance: error grows like sqrt(K).
  const double tol = 1e-5 * std::sqrt(double(p.in)) * 4;
  for (int r = 0; r < p.rows; ++r)
    for (int o = 0; o < p.out; ++o) {
      const double want = reference(p, r, o, gelu);
      ASSERT_NEAR(y[std::size_t(r) * p.out + o], want, tol * (1 + std::abs(want)))
          << "rows " << p.rows << " in " << p.in << " out " << p.out << " at (" << r << ", " << o << ")";
    }
}

TEST(PortableLinear, EveryEdgeShapeMatchesTheReference) {
  cpu::ThreadPool pool(1);
  const int shapes[][3] = {{1, 1, 1},   {1, 3, 5},    {3, 7, 9},     {4, 8, 8},     {5, 17, 15},
                           {7, 36, 108}, {13, 80, 36}, {65, 300, 23}, {130, 513, 70}, {2, 1030, 8}};
  unsigned seed = 1;
  for (const auto& s : shapes)
    for (bool gelu : {false, true}) {
      const Problem p = make_problem(s[0], s[1], s[2], seed++);
      cpu::PortableLinear fc(p.w.data(), p.b.data(), p.in, p.out);
      std::vector<float> y(std::size_t(p.rows) * p.out, NAN);
      fc.run(p.x.data(), p.rows, y.data(), pool, gelu ? Activation::Gelu : Activation::None);
      expect_matches_reference(p, y, gelu);
    }
}

TEST(PortableLinear, ThreadsGiveTheSameBits) {
  const Problem p = make_problem(200, 257, 300, 7);
  cpu::PortableLinear fc(p.w.data(), p.b.data(), p.in, p.out);
  std::vector<float> one(std::size_t(p.rows) * p.out), four(one.size());
  cpu::ThreadPool single(1), pool(4);
  fc.run(p.x.data(), p.rows, one.data(), single);
  fc.run(p.x.data(), p.rows, four.data(), pool);
  EXPECT_EQ(one, four);  // each output has one owner and one summation order
  expect_matches_reference(p, one, false);
}

TEST(PortableLinear, ZeroRowsWriteNothing) {
  const Problem p = make_problem(1, 4, 4, 3);
  cpu::PortableLinear fc(p.w.data(), p.b.data(), p.in, p.out);
  cpu::ThreadPool pool(2);
  float untouched = 42.f;
  fc.run(p.x.data(), 0, &untouched, pool);
  EXPECT_EQ(untouched, 42.f);
}

TEST(PortableLinear, RejectsEmptyShapes) {
  float w = 1, b = 0;
  EXPECT_THROW(cpu::PortableLinear(&w, &b, 0, 1), Error);
  EXPECT_THROW(cpu::PortableLinear(&w, &b, 1, 0), Error);
}

#if CAPPY_WITH_XNNPACK
TEST(PortableLinear, AgreesWithXnnpack) {
  const Problem p = make_problem(77, 384, 1152, 11);  // a small model's fused QKV
  std::vector<float> x = p.x;
  x.resize(x.size() + 16);  // XNNPACK's read slack
  cpu::ThreadPool pool(2);
  cpu::PortableLinear portable(p.w.data(), p.b.data(), p.in, p.out);
  cpu::XnnLinear xnn(p.w.data(), p.b.data(), p.in, p.out);
  std::vector<float> a(std::size_t(p.rows) * p.out), b(a.size());
  portable.run(x.data(), p.rows, a.data(), pool);
  xnn.run(x.data(), p.rows, b.data(), pool);
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4 * (1 + std::abs(b[i]))) << i;
}

// The native f32 layer on each GEMM this build has (oneDNN's sgemm, XNNPACK),
// against the double reference, at edge shapes and with 1 and 2 threads.
TEST(F32Linear, EveryGemmMatchesTheReference) {
  std::vector<cpu::F32Gemm> gemms = {cpu::F32Gemm::Xnnpack};
  if (CAPPY_WITH_ONEDNN) gemms.push_back(cpu::F32Gemm::OneDnn);
  const int shapes[][3] = {{1, 1, 1}, {3, 7, 9}, {13, 80, 36}, {65, 300, 23}, {130, 513, 70}};
  unsigned seed = 21;
  for (cpu::F32Gemm g : gemms)
    for (int threads : {1, 2})
      for (const auto& s : shapes) {
        SCOPED_TRACE(std::string(cpu::f32_gemm_name(g)) + " threads " + std::to_string(threads));
        const Problem p = make_problem(s[0], s[1], s[2], seed++);
        std::vector<float> x = p.x;
        x.resize(x.size() + 16);  // XNNPACK's read slack
        cpu::F32Linear fc(p.w.data(), p.b.data(), p.in, p.out, g);
        EXPECT_EQ(fc.gemm(), g);
        cpu::ThreadPool pool(threads);
        std::vector<float> y(std::size_t(p.rows) * p.out, NAN);
        fc.run(x.data(), p.rows, y.data(), pool);
        expect_matches_reference(p, y, false);
      }
}

TEST(F32Linear, GemmChoiceFollowsTheEnvironment) {
  const char* old = std::getenv("CAPPY_F32_GEMM");
  const std::string saved = old ? old : "";
  setenv("CAPPY_F32_GEMM", "xnnpack", 1);
  EXPECT_EQ(cpu::default_f32_gemm(), cpu::F32Gemm::Xnnpack);
  setenv("CAPPY_F32_GEMM", "onednn", 1);
  if (CAPPY_WITH_ONEDNN) {
    EXPECT_EQ(cpu::default_f32_gemm(), cpu::F32Gemm::OneDnn);
  } else {
    EXPECT_THROW(cpu::default_f32_gemm(), Error);
  }
  setenv("CAPPY_F32_GEMM", "mkl", 1);
  test::expect_error([] { cpu::default_f32_gemm(); }, "CAPPY_F32_GEMM=mkl: unknown GEMM",
                     "an unknown GEMM name was accepted");
  if (old) setenv("CAPPY_F32_GEMM", saved.c_str(), 1); else unsetenv("CAPPY_F32_GEMM");
  if (!old)
    EXPECT_EQ(cpu::default_f32_gemm(), CAPPY_WITH_ONEDNN ? cpu::F32Gemm::OneDnn : cpu::F32Gemm::Xnnpack);
}

// The server and the CLI promise a pair the same score bit for bit whatever
// else is in its batch: every GEMM must give a row the same bits alone, at
// any place in a batch of any size, and with 1 or 2 threads. (oneDNN's sgemm
// failed this: its blocking followed the number of rows.)
TEST(F32Linear, EveryGemmGivesARowTheSameBitsInAnyBatch) {
  std::vector<cpu::F32Gemm> gemms = {cpu::F32Gemm::Xnnpack};
  if (CAPPY_WITH_ONEDNN) gemms.push_back(cpu::F32Gemm::OneDnn);
  const int in = 256, out = 384;  // large enough for several blocks over K and N
  const Problem p = make_problem(300, in, out, 5);
  for (cpu::F32Gemm g : gemms) {
    SCOPED_TRACE(cpu::f32_gemm_name(g));
    cpu::F32Linear fc(p.w.data(), p.b.data(), in, out, g);
    // Each row alone, on one thread, is the reference.
    cpu::ThreadPool one(1);
    std::vector<float> alone(std::size_t(p.rows) * out);
    for (int r = 0; r < p.rows; ++r) {
      std::vector<float> x(p.x.begin() + std::size_t(r) * in, p.x.begin() + std::size_t(r + 1) * in);
      x.resize(x.size() + 16);
      fc.run(x.data(), 1, alone.data() + std::size_t(r) * out, one);
    }
    for (int threads : {1, 2})
      for (int rows : {2, 7, 16, 33, 100, 300}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + ", rows " + std::to_string(rows));
        const int first = p.rows - rows;  // the batch's rows sit at other places than alone
        std::vector<float> x(p.x.begin() + std::size_t(first) * in, p.x.end());
        x.resize(x.size() + 16);
        cpu::ThreadPool pool(threads);
        std::vector<float> y(std::size_t(rows) * out);
        fc.run(x.data(), rows, y.data(), pool);
        ASSERT_EQ(0, std::memcmp(y.data(), alone.data() + std::size_t(first) * out, y.size() * sizeof(float)));
      }
  }
}
#endif

template <class Pool>
void expect_every_tile_once() {
  for (int threads : {1, 2, 3, 8}) {
    Pool pool(threads);
    for (std::size_t n : {1u, 5u, 64u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      for (int round = 0; round < 3; ++round)
        pool.parallel_for(n, 7, [&](std::size_t begin, std::size_t end) {
          for (std::size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
        });
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 3) << "threads " << threads << " n " << n;
    }
  }
}

// Both pools: the one this build's backend uses and the portable one (the
// WebAssembly build's), which native builds compile too so it is tested here.
TEST(ThreadPool, EveryTileRunsExactlyOnce) { expect_every_tile_once<cpu::ThreadPool>(); }
TEST(PortableThreadPool, EveryTileRunsExactlyOnce) { expect_every_tile_once<cpu::PortableThreadPool>(); }

TEST(PortableThreadPool, CountsTheCallingThread) {
  EXPECT_EQ(cpu::PortableThreadPool(1).threads(), 1);
  EXPECT_EQ(cpu::PortableThreadPool(3).threads(), 3);
  EXPECT_GE(cpu::PortableThreadPool(0).threads(), 1);
}

TEST(ThreadPool, RejectsNegativeThreads) {
  EXPECT_THROW(cpu::ThreadPool(-1), Error);
  EXPECT_THROW(cpu::PortableThreadPool(-1), Error);
}

}  // namespace
}  // namespace cappy
