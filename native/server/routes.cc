#include "routes.h"

#include <chrono>
#include <functional>

#include "http_error.h"

namespace cappy::server {

namespace {

using Clock = std::chrono::steady_clock;
using BodyHandler = std::function<std::string(std::string_view body)>;

// A request is handled start to end on one httplib thread: the start time
// set before routing is read back when the response is ready.
thread_local Clock::time_point request_start;
thread_local bool request_started = false;

void send_error(httplib::Response& res, const HttpError& e) {
  res.status = e.status();
  res.set_content(error_body(e.status(), e.type(), e.what()), "application/json");
  if (e.status() == 401) res.set_header("WWW-Authenticate", "Bearer");
  if (e.status() == 429) res.set_header("Retry-After", "1");
}

// Compares in time independent of where the strings differ, so the key
// cannot be guessed byte by byte from response times.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

void require_auth(const httplib::Request& req, const std::string& api_key) {
  if (api_key.empty()) return;
  if (!same_secret("Bearer " + api_key, req.get_header_value("Authorization")))
    throw HttpError(401, kAuthentication,
                    "missing or wrong API key (send \"Authorization: Bearer <key>\")");
}

// Runs a handler: authentication first, then the response body, or the
// error as a JSON body.
void answer(const httplib::Request& req, httplib::Response& res, const std::string& api_key,
            const std::function<std::string()>& produce,
            const char* content_type = "application/json") {
  try {
    require_auth(req, api_key);
    res.set_content(produce(), content_type);
  } catch (const HttpError& e) {
    send_error(res, e);
  } catch (const std::exception& e) {
    send_error(res, HttpError(500, kServerError, e.what()));
  }
}

httplib::Server::Handler method_not_allowed(const char* allowed) {
  return [allowed](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allowed);
    send_error(res, HttpError(405, kNotFound,
                              req.method + " " + req.path + " is not supported; use " + allowed));
  };
}

// A JSON endpoint taking a body.
void add_post(httplib::Server& http, const ServerOptions& options, const std::string& path,
              BodyHandler handler) {
  // Bodies are read here rather than by httplib before routing, so the size
  // limit also holds for chunked or compressed bodies, and a form-encoded
  // Content-Type (curl -d) is not parsed as a form.
  http.Post(path, [&options, handler](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& reader) {
    // Without Content-Length or Transfer-Encoding a request has no body
    // (RFC 9112 6.3); httplib would wait for the connection to close instead.
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      answer(req, res, options.api_key, [&] { return handler(""); });
      return;
    }
    std::string body;
    bool too_large = false;
    const bool read = reader([&](const char* data, std::size_t n) {
      // Past the limit the rest is read and dropped (as httplib skips a
      // too-long Content-Length body), so the connection stays usable.
      if (too_large || body.size() + n > options.max_body_bytes) {
        too_large = true;
        std::string().swap(body);
      } else {
        body.append(data, n);
      }
      return true;
    });
    if (too_large || res.status == 413) {
      send_error(res, HttpError(413, kTooLarge,
                                "request body larger than " +
                                    std::to_string(options.max_body_bytes) +
                                    " bytes (see --max-body-bytes)"));
      return;
    }
    if (!read) {
      send_error(res, HttpError(400, kInvalidRequest, "could not read the request body"));
      return;
    }
    answer(req, res, options.api_key, [&] { return handler(body); });
  });
  // Requests without a body (Content-Length: 0) are routed here instead.
  http.Post(path, [&options, handler](const httplib::Request& req, httplib::Response& res) {
    answer(req, res, options.api_key, [&] { return handler(req.body); });
  });
  http.Get(path, method_not_allowed("POST"));
}

// An endpoint without a body; api_key "" makes it open.
void add_get(httplib::Server& http, const std::string& api_key, const std::string& path,
             std::function<std::string()> handler, const char* content_type = "application/json") {
  http.Get(path, [api_key, handler, content_type](const httplib::Request& req,
                                                  httplib::Response& res) {
    answer(req, res, api_key, handler, content_type);
  });
  http.Post(path, method_not_allowed("GET"));
}

// A JSON body for the errors httplib answers by itself (no route, a
// malformed request line, a body over the limit).
httplib::Server::HandlerResponse fill_error_body(const httplib::Request& req,
                                                 httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours already
  std::string message;
  const char* type = kInvalidRequest;
  switch (res.status) {
    case 404:
      message = "no endpoint " + req.method + " " + req.path;
      type = kNotFound;
      break;
    case 413:
      message = "request too large";
      type = kTooLarge;
      break;
    case 400: message = "malformed HTTP request"; break;
    default:
      message = "HTTP status " + std::to_string(res.status);
      if (res.status >= 500) type = kServerError;
  }
  res.set_content(error_body(res.status, type, message), "application/json");
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

void install_routes(httplib::Server& http, const Api& api, Metrics& metrics, const Batcher& batcher,
                    const ServerOptions& options) {
  add_post(http, options, "/v1/rerank", [&api](std::string_view b) { return api.cohere_rerank(b); });
  add_post(http, options, "/rerank", [&api](std::string_view b) { return api.tei_rerank(b); });
  add_post(http, options, "/v1/score", [&api](std::string_view b) { return api.score(b); });
  // Health stays open, for load balancers and orchestrators without the key.
  add_get(http, "", "/health", [&api] { return api.health(); });
  add_get(
      http, options.api_key, "/metrics", [&metrics, &batcher] { return metrics.render(batcher.stats()); },
      "text/plain; version=0.0.4; charset=utf-8");

  http.set_error_handler(httplib::Server::HandlerWithResponse(fill_error_body));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unexpected error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        send_error(res, HttpError(500, kServerError, what));
      });
  http.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = Clock::now();
    request_started = true;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Counted once the response is final but before it is written, so a
  // client that got its answer sees it in the next /metrics.
  http.set_post_routing_handler([&metrics](const httplib::Request& req, httplib::Response& res) {
    const double seconds =
        request_started ? std::chrono::duration<double>(Clock::now() - request_start).count()
                        : -1.0;
    request_started = false;
    metrics.observe(req.path, res.status, seconds);
  });
}

}  // namespace cappy::server
