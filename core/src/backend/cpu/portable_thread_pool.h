// A thread pool without dependencies: the calling thread works too, and
// threads-1 std::thread workers join it where the build has threads. A
// WebAssembly build without -pthread has none, so every parallel_for runs
// inline there. It is the CPU backend's pool where pthreadpool is absent.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

namespace cappy::cpu {

class PortableThreadPool {
 public:
  explicit PortableThreadPool(int threads);  // 0 = one per hardware thread
  ~PortableThreadPool();
  PortableThreadPool(const PortableThreadPool&) = delete;
  PortableThreadPool& operator=(const PortableThreadPool&) = delete;

  int threads() const;

  // Calls f(begin, end) over [0, n) in tiles of `tile`, on every thread, and
  // returns when all are done. One call at a time (callers serialize).
  template <class F>
  void parallel_for(std::size_t n, std::size_t tile, F&& f) const {
    if (n == 0) return;
    run_tiles(n, tile < 1 ? 1 : tile,
              [](void* ctx, std::size_t begin, std::size_t count) {
                (*static_cast<std::remove_reference_t<F>*>(ctx))(begin, begin + count);
              },
              const_cast<void*>(static_cast<const void*>(&f)));
  }

 private:
  using TileFn = void (*)(void* ctx, std::size_t begin, std::size_t count);
  void run_tiles(std::size_t n, std::size_t tile, TileFn fn, void* ctx) const;

  struct Workers;
  std::unique_ptr<Workers> workers_;
};

}  // namespace cappy::cpu
