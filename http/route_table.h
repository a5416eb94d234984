// The express router's endpoints with the methods each path serves, so that the other methods
// are answered 405 with Allow, and OPTIONS (CORS preflight) without reaching an endpoint.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <restinio/all.hpp>

namespace codearena::http {

using Router = restinio::router::express_router_t<>;
using Request = restinio::request_handle_t;
using Params = restinio::router::route_params_t;
using Status = restinio::request_handling_status_t;

// Registers an endpoint's handlers and remembers which methods each path allows, so that the
// other methods get 405 with Allow and OPTIONS gets the CORS preflight answer. GET comes with
// HEAD, answered by the same handler.
class RouteTable {
 public:
  using Handler = std::function<Status(Request, Params)>;

  explicit RouteTable(Router& router) : router_(router) {}

  // Serves `method` at `path` (an express route, "/api/jobs/:id") with `handler`.
  void on(restinio::http_method_id_t method, const std::string& path, Handler handler) {
    router_.add_handler(method, path, std::move(handler));
    auto& methods = allowed_[path];
    methods += (methods.empty() ? "" : ", ") + std::string(method.c_str());
  }

  // Serves GET and HEAD at `path` with `handler`, which answers HEAD without a body.
  void get(const std::string& path, const Handler& handler) {
    on(restinio::http_method_get(), path, handler);
    on(restinio::http_method_head(), path, handler);
  }

  // `preflight` answers OPTIONS and `not_allowed` every other method a path does not serve;
  // both get the path's methods as "GET, HEAD, DELETE". Call once, after the last on().
  void close(const std::function<Status(Request, const std::string&)>& preflight,
             const std::function<Status(Request, const std::string&)>& not_allowed) {
    for (const auto& [path, methods] : allowed_) {
      router_.add_handler(restinio::http_method_options(), path,
                          [preflight, methods = methods](Request request, auto) {
                            return preflight(std::move(request), methods);
                          });
      // Registered after every method handler: reached only by the methods the path lacks.
      router_.add_handler(restinio::router::dynamic_none_of_methods_matcher_t{}, path,
                          [not_allowed, methods = methods](Request request, auto) {
                            return not_allowed(std::move(request), methods);
                          });
    }
  }

 private:
  Router& router_;
  std::map<std::string, std::string> allowed_;
};

}  // namespace codearena::http
