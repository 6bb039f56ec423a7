// ThreadPool on pthreadpool (native builds with XNNPACK, which shares it).
#include "backend/cpu/thread_pool.h"

#include "cappy/cappy.h"

namespace cappy::cpu {

ThreadPool::ThreadPool(int threads) {
  if (threads < 0) throw Error("threads must be >= 0, got " + std::to_string(threads));
  pool_ = pthreadpool_create(static_cast<std::size_t>(threads));
  if (!pool_) throw Error("cannot create a thread pool of " + std::to_string(threads) + " threads");
}

ThreadPool::~ThreadPool() { pthreadpool_destroy(pool_); }

int ThreadPool::threads() const { return static_cast<int>(pthreadpool_get_threads_count(pool_)); }

}  // namespace cappy::cpu
