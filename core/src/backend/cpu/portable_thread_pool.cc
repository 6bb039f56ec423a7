// PortableThreadPool: a generation counter wakes the workers for each job;
// tiles are taken from one atomic counter; the caller waits until every
// worker has checked out of the job.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backend/cpu/portable_thread_pool.h"
#include "cappy/cappy.h"

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define CAPPY_HAVE_THREADS 0
#else
#define CAPPY_HAVE_THREADS 1
#endif

namespace cappy::cpu {

struct PortableThreadPool::Workers {
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::condition_variable start, done;
  std::uint64_t generation = 0;  // bumped once per job; workers wait for a new one
  bool stop = false;
  std::size_t running = 0;  // workers that have not finished the current job

  // The current job, written under `mutex` before `generation` is bumped.
  TileFn fn = nullptr;
  void* ctx = nullptr;
  std::size_t n = 0, tile = 1, tiles = 0;
  std::atomic<std::size_t> next{0};

  void take_tiles() {
    for (std::size_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tiles;) {
      const std::size_t begin = t * tile;
      fn(ctx, begin, std::min(tile, n - begin));
    }
  }

  void worker_loop() {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        start.wait(lock, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
      }
      take_tiles();
      std::lock_guard<std::mutex> lock(mutex);
      if (--running == 0) done.notify_one();
    }
  }
};

PortableThreadPool::PortableThreadPool(int threads) : workers_(std::make_unique<Workers>()) {
  if (threads < 0) throw Error("threads must be >= 0, got " + std::to_string(threads));
#if CAPPY_HAVE_THREADS
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) workers_->threads.emplace_back([w = workers_.get()] { w->worker_loop(); });
#endif
}

PortableThreadPool::~PortableThreadPool() {
  {
    std::lock_guard<std::mutex> lock(workers_->mutex);
    workers_->stop = true;
  }
  workers_->start.notify_all();
  for (std::thread& t : workers_->threads) t.join();
}

int PortableThreadPool::threads() const { return static_cast<int>(workers_->threads.size()) + 1; }

void PortableThreadPool::run_tiles(std::size_t n, std::size_t tile, TileFn fn, void* ctx) const {
  Workers& w = *workers_;
  const std::size_t tiles = (n + tile - 1) / tile;
  if (w.threads.empty() || tiles == 1) {
    for (std::size_t begin = 0; begin < n; begin += tile) fn(ctx, begin, std::min(tile, n - begin));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(w.mutex);
    w.fn = fn;
    w.ctx = ctx;
    w.n = n;
    w.tile = tile;
    w.tiles = tiles;
    w.next.store(0, std::memory_order_relaxed);
    w.running = w.threads.size();
    ++w.generation;
  }
  w.start.notify_all();
  w.take_tiles();
  // Every worker checks in before returning, so none can touch this job's
  // context after the caller's frame is gone.
  std::unique_lock<std::mutex> lock(w.mutex);
  w.done.wait(lock, [&] { return w.running == 0; });
}

}  // namespace cappy::cpu
