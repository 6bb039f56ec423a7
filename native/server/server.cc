#include "server.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "api.h"
#include "batcher.h"
#include "cappy/cappy.h"
#include "metrics.h"
#include "routes.h"

namespace cappy::server {

namespace {

// What responses call the model: its directory's name.
std::string model_name(const std::string& path) {
  std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Waits for SIGINT/SIGTERM (blocked in every other thread) and stops the
// server on the first; a second one ends the process at once.
class SignalWatcher {
 public:
  SignalWatcher(httplib::Server& http, const sigset_t& signals)
      : http_(http), signals_(signals), thread_([this] { run(); }) {}
  ~SignalWatcher() {
    done_ = true;
    thread_.join();
  }

 private:
  void run() {
    bool stopping = false;
    const timespec poll{0, 100'000'000};
    while (!done_) {
      const int sig = sigtimedwait(&signals_, nullptr, &poll);
      if (sig != SIGINT && sig != SIGTERM) continue;
      if (stopping) {
        std::cerr << "cappy serve: second signal, exiting without finishing requests\n";
        std::_Exit(1);
      }
      stopping = true;
      // stop() only acts on a running server; the signal may come first.
      while (!done_ && !http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!done_) http_.stop();  // closes the listening socket
      std::cerr << "cappy serve: " << strsignal(sig)
                << ": no new connections; finishing requests in flight" << std::endl;
    }
  }

  httplib::Server& http_;
  const sigset_t signals_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

int run_server(const ServerOptions& options) {
  // Blocked before any thread starts (the scorer's pool included), so every
  // thread inherits the mask and only the watcher receives these signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client gone mid-response is not fatal

  LoadOptions load;
  load.threads = options.threads;
  load.device = options.device;
  const auto scorer = Scorer::load(options.model, load);

  BatcherOptions batching;
  batching.max_batch_tokens = options.max_batch_tokens;
  batching.max_requests = options.max_concurrent_requests;
  Batcher batcher(*scorer, batching);
  Metrics metrics(kEndpoints);
  const Api api(*scorer, batcher, model_name(options.model), options.max_documents);

  httplib::Server http;
  const std::size_t http_threads = static_cast<std::size_t>(options.http_threads);
  http.new_task_queue = [http_threads] { return new httplib::ThreadPool(http_threads); };
  http.set_payload_max_length(options.max_body_bytes);
  http.set_keep_alive_max_count(10000);  // clients reuse connections; the limit only caps abuse
  // An idle keep-alive connection is closed after this long; a stopping
  // server also waits up to this long for such connections to notice.
  http.set_keep_alive_timeout(5);
  // httplib's default sets SO_REUSEPORT, which lets a second server bind the
  // same port and silently take half the traffic; a busy port must fail.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install_routes(http, api, metrics, batcher, options);

  int port = options.port;
  if (port == 0) {
    port = http.bind_to_any_port(options.host);
    if (port < 0) throw Error("cannot listen on " + options.host + ": " + std::strerror(errno));
  } else if (!http.bind_to_port(options.host, port)) {
    throw Error("cannot listen on " + options.host + ":" + std::to_string(port) + ": " +
                std::strerror(errno));
  }
  if (!is_loopback(options.host) && options.api_key.empty())
    std::cerr << "cappy serve: warning: listening on " << options.host
              << " without --api-key; anyone who can reach it can use it\n";
  const ModelInfo& info = scorer->info();
  std::cerr << "cappy serve: " << info.architecture << " from " << info.source << " on "
            << info.device << "\n"
            << "cappy serve: listening on http://"
            << (options.host.find(':') != std::string::npos ? "[" + options.host + "]"
                                                            : options.host)
            << ":" << port << std::endl;

  {
    SignalWatcher watcher(http, signals);
    // Returns once stopped, after every connection thread has finished its
    // request (so everything admitted to the batcher has been answered).
    http.listen_after_bind();
  }
  batcher.stop();
  std::cerr << "cappy serve: stopped\n";
  return 0;
}

}  // namespace cappy::server
