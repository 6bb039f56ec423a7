// The CPU backend's thread pool: a small RAII type with a parallel_for over
// row tiles. Native builds use pthreadpool (which XNNPACK shares); builds
// without XNNPACK (WebAssembly) use the portable pool.
#pragma once

#include <cstddef>

#if CAPPY_WITH_XNNPACK
#include <pthreadpool.h>
#else
#include "backend/cpu/portable_thread_pool.h"
#endif

namespace cappy::cpu {

#if CAPPY_WITH_XNNPACK
class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // 0 = one per hardware thread
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  pthreadpool_t get() const { return pool_; }
  int threads() const;

  // Calls f(begin, end) over [0, n) in tiles of `tile`, on every thread.
  // The workers sleep as soon as they run out of work (pthreadpool's
  // YIELD_WORKERS) instead of spinning for the next call: on a machine
  // shared with other work, a spinning worker took the core its preempted
  // partner needed (20% of the cycles of a q8 forward pass went to the spin
  // loop), and sleeping made roberta-large q8 15-30% faster there, from one
  // pair of 20 tokens to 16 of 120 (docs/benchmarks.md). A wake-up costs
  // microseconds; a forward pass makes a few hundred calls.
  template <class F>
  void parallel_for(std::size_t n, std::size_t tile, F&& f) const {
    if (n == 0) return;
    pthreadpool_parallelize_1d_tile_1d(
        pool_,
        [](void* ctx, std::size_t begin, std::size_t count) {
          (*static_cast<F*>(ctx))(begin, begin + count);
        },
        &f, n, tile < 1 ? 1 : tile, PTHREADPOOL_FLAG_YIELD_WORKERS);
  }

 private:
  pthreadpool_t pool_ = nullptr;
};
#else
using ThreadPool = PortableThreadPool;
#endif

}  // namespace cappy::cpu
