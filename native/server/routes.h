// The HTTP surface of `cappy serve` on a cpp-httplib server: the routes,
// bearer-token authentication, reading bodies under the size limit, JSON
// error bodies for every failure (httplib's own included), and metrics.
#pragma once

#include <httplib.h>

#include "api.h"
#include "batcher.h"
#include "metrics.h"
#include "server_options.h"

namespace cappy::server {

// The endpoints, as they are labelled in the metrics.
inline const std::vector<std::string> kEndpoints = {"/v1/rerank", "/rerank", "/v1/score",
                                                     "/health", "/metrics"};

// Everything referenced must outlive the server.
void install_routes(httplib::Server& http, const Api& api, Metrics& metrics, const Batcher& batcher,
                    const ServerOptions& options);

}  // namespace cappy::server
