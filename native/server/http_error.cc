#include "http_error.h"

#include "cli/json_output.h"

namespace cappy::server {

std::string error_body(int status, const std::string& type, const std::string& message) {
  return "{\"error\":{\"message\":" + cli::json_string(message) +
         ",\"type\":" + cli::json_string(type) + ",\"code\":" + std::to_string(status) + "}}";
}

}  // namespace cappy::server
