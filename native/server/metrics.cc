#include "metrics.h"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace cappy::server {

namespace {

// Shortest round-trip form: "0.0025", not "0.0025000000000000001".
std::string number(double v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

}  // namespace

Metrics::Metrics(std::vector<std::string> endpoints) : endpoints_(std::move(endpoints)) {}

const std::string& Metrics::endpoint_of(const std::string& path) const {
  auto it = std::find(endpoints_.begin(), endpoints_.end(), path);
  return it == endpoints_.end() ? other_ : *it;
}

void Metrics::observe(const std::string& path, int status, double seconds) {
  const std::string& endpoint = endpoint_of(path);
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
  if (seconds < 0) return;
  Histogram& h = latency_[endpoint];
  auto bucket = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds);
  if (bucket != kBuckets.end()) ++h.counts[bucket - kBuckets.begin()];
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::render(const BatcherStats& b) const {
  std::ostringstream out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  std::lock_guard<std::mutex> lock(mutex_);

  family("cappy_http_requests_total", "counter", "HTTP requests answered, by endpoint and status.");
  for (const auto& [key, n] : requests_)
    out << "cappy_http_requests_total{endpoint=\"" << key.first << "\",status=\"" << key.second
        << "\"} " << n << '\n';
  family("cappy_http_request_errors_total", "counter",
         "HTTP requests answered with an error status (4xx, 5xx), by endpoint and status.");
  for (const auto& [key, n] : requests_)
    if (key.second >= 400)
      out << "cappy_http_request_errors_total{endpoint=\"" << key.first << "\",status=\""
          << key.second << "\"} " << n << '\n';

  family("cappy_http_request_duration_seconds", "histogram",
         "Time from reading a request's headers to having its response ready.");
  for (const auto& [endpoint, h] : latency_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out << "cappy_http_request_duration_seconds_bucket{endpoint=\"" << endpoint << "\",le=\""
          << number(kBuckets[i]) << "\"} " << cumulative << '\n';
    }
    out << "cappy_http_request_duration_seconds_bucket{endpoint=\"" << endpoint
        << "\",le=\"+Inf\"} " << h.count << '\n';
    out << "cappy_http_request_duration_seconds_sum{endpoint=\"" << endpoint << "\"} " << number(h.sum)
        << '\n';
    out << "cappy_http_request_duration_seconds_count{endpoint=\"" << endpoint << "\"} "
        << h.count << '\n';
  }

  family("cappy_batches_total", "counter", "Forward passes run by the batcher.");
  out << "cappy_batches_total " << b.batches << '\n';
  family("cappy_pairs_scored_total", "counter", "(query, text) pairs scored.");
  out << "cappy_pairs_scored_total " << b.pairs << '\n';
  family("cappy_tokens_scored_total", "counter", "Tokens scored (special tokens included).");
  out << "cappy_tokens_scored_total " << b.tokens << '\n';
  family("cappy_queue_depth", "gauge", "Requests waiting for (more of) their pairs to be batched.");
  out << "cappy_queue_depth " << b.queued_requests << '\n';
  family("cappy_queue_pairs", "gauge", "Pairs waiting to be batched.");
  out << "cappy_queue_pairs " << b.queued_pairs << '\n';
  family("cappy_requests_in_flight", "gauge",
         "Scoring requests admitted and not yet answered (bounded by --max-concurrent-requests).");
  out << "cappy_requests_in_flight " << b.admitted_requests << '\n';
  return out.str();
}

}  // namespace cappy::server
