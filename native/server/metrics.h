// Server metrics in the Prometheus text format (GET /metrics): requests and
// errors by endpoint and status, a latency histogram per endpoint, and the
// batcher's counters (batches, pairs, tokens) and queue gauges.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "batcher.h"

namespace cappy::server {

class Metrics {
 public:
  // Requests to any other path are counted under endpoint="other", so a
  // scan of random paths cannot grow the label set.
  explicit Metrics(std::vector<std::string> endpoints);

  // One answered request; seconds < 0 when its start was not seen (the
  // request line itself was malformed): counted, but not in the histogram.
  void observe(const std::string& path, int status, double seconds);

  std::string render(const BatcherStats& batcher) const;

 private:
  static constexpr std::array<double, 14> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1,     2.5,  5,    10,  30};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };

  const std::string& endpoint_of(const std::string& path) const;

  const std::vector<std::string> endpoints_;
  const std::string other_ = "other";
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // (endpoint, status)
  std::map<std::string, Histogram> latency_;
};

}  // namespace cappy::server
