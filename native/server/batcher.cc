#include "batcher.h"

#include <algorithm>

namespace cappy::server {

// One request in the batcher. After submit() only the batcher thread touches
// it (its encodings are moved into batches as they are taken).
struct Batcher::Job {
  std::vector<Encoding> encodings;
  std::vector<float> logits;
  std::size_t next = 0;       // first pair not yet taken into a batch
  std::size_t remaining = 0;  // pairs not yet scored
  bool failed = false;
  std::promise<std::vector<float>> done;
};

Batcher::Batcher(const Scorer& scorer, const BatcherOptions& options)
    : scorer_(scorer),
      options_(options),
      labels_(static_cast<std::size_t>(scorer.info().num_labels)),
      thread_([this] { run(); }) {}

Batcher::~Batcher() { stop(); }

std::optional<std::future<std::vector<float>>> Batcher::submit(std::vector<Encoding> encodings) {
  auto job = std::make_shared<Job>();
  job->remaining = encodings.size();
  job->logits.resize(encodings.size() * labels_);
  job->encodings = std::move(encodings);
  auto future = job->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || admitted_ >= options_.max_requests) return std::nullopt;
    ++admitted_;
    queued_pairs_ += job->encodings.size();
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return future;
}

void Batcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

BatcherStats Batcher::stats() const {
  BatcherStats s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s.queued_requests = queue_.size();
    s.queued_pairs = queued_pairs_;
  }
  s.admitted_requests = admitted_;
  s.batches = batches_;
  s.pairs = pairs_;
  s.tokens = tokens_;
  return s;
}

void Batcher::run() {
  std::vector<Encoding> batch;
  std::vector<Slice> slices;
  std::size_t tokens = 0;
  while (next_batch(batch, slices, tokens)) {
    // Counted before scoring: a request's answer may be written (and
    // /metrics read by its client) as soon as score() delivers it, and the
    // counters must already include the pass that produced it.
    batches_ += 1;
    pairs_ += batch.size();
    tokens_ += tokens;
    score(batch, slices);
  }
}

// No waiting for a batch to fill: whatever arrived while the last batch ran
// forms the next one, so a lone request is answered at once and a busy
// server batches as much as the budget allows.
bool Batcher::next_batch(std::vector<Encoding>& batch, std::vector<Slice>& slices,
                         std::size_t& tokens) {
  batch.clear();
  slices.clear();
  tokens = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
  while (!queue_.empty()) {
    const std::shared_ptr<Job>& job = queue_.front();
    const std::size_t size = job->encodings.size();
    if (job->failed) {  // an earlier slice failed: the rest is not scored
      queued_pairs_ -= size - job->next;
      queue_.pop_front();
      continue;
    }
    Slice slice{job, job->next, 0};
    while (job->next < size) {
      const std::size_t length = job->encodings[job->next].ids.size();
      if (!batch.empty() && tokens + length > options_.max_batch_tokens) break;
      batch.push_back(std::move(job->encodings[job->next]));
      tokens += length;
      ++job->next;
      ++slice.count;
    }
    queued_pairs_ -= slice.count;
    if (slice.count > 0) slices.push_back(slice);
    if (job->next < size) break;  // the budget is full
    queue_.pop_front();
  }
  return !batch.empty();
}

void Batcher::score(std::vector<Encoding>& batch, const std::vector<Slice>& slices) {
  ScoreOptions options;
  options.batch_size = static_cast<int>(batch.size());  // one forward pass
  options.max_batch_tokens = 0;
  try {
    const std::vector<float> logits = scorer_.score_encoded(batch, options);
    std::size_t offset = 0;
    for (const Slice& s : slices) {
      deliver(s, logits.data() + offset * labels_);
      offset += s.count;
    }
    return;
  } catch (const std::exception&) {
    // Fall through: find whose pairs failed.
  }
  // Score each request's slice alone, so an error is charged to its own
  // request and the others are still answered.
  std::size_t offset = 0;
  for (const Slice& s : slices) {
    std::vector<Encoding> part(std::make_move_iterator(batch.begin() + offset),
                               std::make_move_iterator(batch.begin() + offset + s.count));
    offset += s.count;
    if (s.job->failed) continue;
    try {
      options.batch_size = static_cast<int>(part.size());
      const std::vector<float> logits = scorer_.score_encoded(part, options);
      deliver(s, logits.data());
    } catch (const std::exception& e) {
      fail(*s.job, e.what());
    }
  }
}

void Batcher::deliver(const Slice& s, const float* logits) {
  Job& job = *s.job;
  if (job.failed) return;
  std::copy_n(logits, s.count * labels_, job.logits.begin() + s.first * labels_);
  job.remaining -= s.count;
  if (job.remaining == 0) {
    --admitted_;
    job.done.set_value(std::move(job.logits));
  }
}

void Batcher::fail(Job& job, const std::string& message) {
  if (job.failed) return;
  job.failed = true;
  --admitted_;
  job.done.set_exception(std::make_exception_ptr(Error(message)));
}

}  // namespace cappy::server
