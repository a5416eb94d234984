// The submission-time check of a job's callbackUrl destination, on top of the URL's syntax
// (checked by parse_execute_request), run off the HTTP threads: resolving a host name takes as
// long as its name server wants (a silent one: the resolver's whole timeout, seconds), and a
// few submissions naming such hosts would otherwise hold every HTTP thread and stall the API.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/api_error.h"
#include "webhooks/address_policy.h"

namespace codearena::http {

class CallbackChecks {
 public:
  // What a check ends with: ApiError 400 `callback_not_allowed` naming callbackUrl, or nullopt
  // when the destination may be delivered to (or could not be judged in time).
  using Done = std::function<void(std::optional<ApiError>)>;

  // Checks against `policy`, resolving at most `resolvers` names at once. A check whose name
  // has not resolved within `patience` is passed: delivery checks the addresses again anyway.
  CallbackChecks(webhooks::AddressPolicy policy, std::chrono::milliseconds patience,
                 std::size_t resolvers);
  // Checks not answered yet are dropped (their `done` is never called). Resolutions in progress
  // end on their own threads, which getaddrinfo gives no way to interrupt.
  ~CallbackChecks();
  CallbackChecks(const CallbackChecks&) = delete;
  CallbackChecks& operator=(const CallbackChecks&) = delete;

  // Calls `done` once with the verdict on `url` (a syntactically valid callback URL, or empty
  // for none): on the calling thread for an empty URL or an address literal, else on a thread
  // of this object within `patience`. `done` runs under this object's lock: it must not call
  // check() again and must not block.
  void check(const std::string& url, Done done);

 private:
  struct Pending;
  struct State;
  static void resolve_forever(std::shared_ptr<State> state);
  static void expire_forever(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace codearena::http
