// Dynamic batching across concurrent requests. HTTP threads submit the
// encoded pairs of one request each; one batcher thread takes pairs from the
// queued requests in arrival order until the token budget is full and scores
// them in one forward pass (Scorer::score_encoded), then hands each request
// its logits. A request larger than the budget is split over several
// batches; small requests arriving while a batch runs share the next one.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "cappy/cappy.h"

namespace cappy::server {

struct BatcherOptions {
  // Most tokens (special tokens included) in one forward pass; a single pair
  // longer than this still runs, alone.
  std::size_t max_batch_tokens = 8192;
  // Most requests admitted (waiting or being scored) at once; submit()
  // refuses more, so the queue and its memory stay bounded.
  std::size_t max_requests = 512;
};

struct BatcherStats {
  std::size_t queued_requests = 0;    // waiting for (more of) their pairs to be batched
  std::size_t queued_pairs = 0;       // pairs not yet in a batch
  std::size_t admitted_requests = 0;  // queued or being scored, not yet answered
  std::uint64_t batches = 0;          // forward passes run
  std::uint64_t pairs = 0;            // pairs scored
  std::uint64_t tokens = 0;           // tokens scored
};

class Batcher {
 public:
  Batcher(const Scorer& scorer, const BatcherOptions& options);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues one request's pairs (non-empty). The future gives their logits,
  // [pairs x num_labels] in order, or throws cappy::Error if scoring failed.
  // nullopt when max_requests are already admitted (the caller answers 429)
  // or the batcher is stopping.
  std::optional<std::future<std::vector<float>>> submit(std::vector<Encoding> encodings);

  // Scores everything already admitted, then ends the batcher thread.
  void stop();

  BatcherStats stats() const;

 private:
  struct Job;
  struct Slice {  // consecutive pairs of one job inside a batch
    std::shared_ptr<Job> job;
    std::size_t first = 0, count = 0;
  };

  void run();
  // Takes the next batch from the queue; false when stopping and drained.
  bool next_batch(std::vector<Encoding>& batch, std::vector<Slice>& slices, std::size_t& tokens);
  void score(std::vector<Encoding>& batch, const std::vector<Slice>& slices);
  void deliver(const Slice& slice, const float* logits);
  void fail(Job& job, const std::string& message);

  const Scorer& scorer_;
  const BatcherOptions options_;
  const std::size_t labels_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;  // jobs with pairs not yet batched
  std::size_t queued_pairs_ = 0;
  bool stopping_ = false;

  std::atomic<std::size_t> admitted_{0};
  std::atomic<std::uint64_t> batches_{0}, pairs_{0}, tokens_{0};
  std::thread thread_;
};

}  // namespace cappy::server
