// cappy serve: the HTTP server's command line.
#include <memory>

#include "cli/commands.h"
#include "cli/default_model.h"
#include "cli/device_option.h"
#include "server.h"

namespace cappy::cli {

void add_serve_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the model over HTTP: POST /v1/rerank (Cohere/Jina), POST /rerank "
      "(text-embeddings-inference), POST /v1/score, GET /health, GET /metrics (Prometheus). "
      "Concurrent requests are batched together. Stops on SIGTERM/SIGINT after finishing the "
      "requests in flight.");
  auto o = std::make_shared<server::ServerOptions>();
  cmd->add_option("--model", o->model, kModelOptionHelp);
  cmd->add_option("--threads", o->threads, "CPU threads for scoring (0 = all hardware threads)")
      ->check(CLI::Range(0, 1024));
  add_device_option(*cmd, o->device);
  cmd->add_option("--host", o->host, "address to listen on (default loopback only)")
      ->capture_default_str();
  cmd->add_option("--port", o->port, "TCP port (0 = any free port, printed at startup)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--api-key", o->api_key,
                  "require \"Authorization: Bearer KEY\" on every endpoint but /health "
                  "(or set CAPPY_API_KEY)")
      ->envname("CAPPY_API_KEY");
  cmd->add_option("--max-batch-tokens", o->max_batch_tokens,
                  "most tokens in one forward pass, summed over the pairs batched together")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  cmd->add_option("--max-documents", o->max_documents,
                  "most documents (texts, responses) in one request; more gets 413")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", o->max_body_bytes, "largest request body; larger gets 413")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  cmd->add_option("--max-concurrent-requests", o->max_concurrent_requests,
                  "most scoring requests queued or being scored at once; more gets 429")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--http-threads", o->http_threads,
                  "connections served at once (each keep-alive connection holds a thread)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->callback([o, &exit_code] {
    o->model = resolve_model(o->model);
    exit_code = server::run_server(*o);
  });
}

}  // namespace cappy::cli
