// `cappy serve` from start to end: load the model, listen, serve until
// SIGTERM or SIGINT, then stop accepting, finish what is in flight, return.
#pragma once

#include "server_options.h"

namespace cappy::server {

// Returns the exit status (0 after a signal-driven shutdown). Throws
// cappy::Error when the model cannot be loaded or the address not bound.
int run_server(const ServerOptions& options);

}  // namespace cappy::server
