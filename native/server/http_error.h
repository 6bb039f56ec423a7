// The one way a request fails: an HTTP status, an error type and a message.
// Every error response of the server has the same JSON body:
//   {"error": {"message": "...", "type": "...", "code": <status>}}
#pragma once

#include <stdexcept>
#include <string>

namespace cappy::server {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string type, const std::string& message)
      : std::runtime_error(message), status_(status), type_(std::move(type)) {}

  int status() const { return status_; }
  const std::string& type() const { return type_; }

 private:
  int status_;
  std::string type_;
};

// Error types (the "type" field), one per kind of failure.
inline constexpr const char* kInvalidRequest = "invalid_request_error";  // 400, 422
inline constexpr const char* kAuthentication = "authentication_error";   // 401
inline constexpr const char* kNotFound = "not_found_error";              // 404, 405
inline constexpr const char* kTooLarge = "request_too_large";            // 413
inline constexpr const char* kOverloaded = "overloaded_error";           // 429
inline constexpr const char* kServerError = "server_error";              // 500

// The JSON body for an error.
std::string error_body(int status, const std::string& type, const std::string& message);

}  // namespace cappy::server
