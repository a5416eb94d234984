// The errors the REST API answers with: an HTTP status, a stable machine-readable code and a
// sentence for people, sent as {"error":{"code":"...","message":"..."}}.
#pragma once

#include <stdexcept>
#include <string>

namespace codearena::http {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

}  // namespace codearena::http
