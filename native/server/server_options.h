// What `cappy serve` is told on its command line (see serve_command.cc).
#pragma once

#include <cstddef>
#include <string>

namespace cappy::server {

struct ServerOptions {
  std::string model;               // bundle or checkpoint directory (resolved: never empty)
  int threads = 0;                 // scorer threads; 0 = one per hardware thread
  std::string device = "cpu";      // LoadOptions::device: cpu, vulkan, vulkan:N, auto
  std::string host = "127.0.0.1";  // loopback only unless told otherwise
  int port = 8080;                 // 0 = any free port (printed at startup)
  std::string api_key;             // empty = no authentication
  std::size_t max_batch_tokens = 8192;
  std::size_t max_documents = 1000;         // texts per request (413 beyond)
  std::size_t max_body_bytes = 8u << 20;    // request body (413 beyond)
  std::size_t max_concurrent_requests = 512;  // admitted scoring requests (429 beyond)
  int http_threads = 64;           // connections served at once (one thread each)
};

}  // namespace cappy::server
