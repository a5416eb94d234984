#include "webhooks/delivery_attempt.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "webhooks/callback_url.h"
#include "webhooks/destination.h"
#include "webhooks/signature.h"

namespace codearena::webhooks {
namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using StringList = std::unique_ptr<curl_slist, ListDeleter>;

AttemptResult failure(AttemptVerdict verdict, std::string error) {
  AttemptResult result;
  result.verdict = verdict;
  result.error = std::move(error);
  return result;
}

// The addresses a delivery may connect to, or why there are none.
struct CheckedAddresses {
  std::vector<IpAddress> addresses;
  AttemptResult problem;  // Meaningful only when addresses is empty.
};

// Resolves the host (unless it is an address already) and refuses the destination when ANY of
// its addresses is refused: a name that mixes public and internal addresses is not trusted.
CheckedAddresses resolve_and_check(const CallbackUrl& target, const AddressPolicy& policy) {
  CheckedAddresses checked;
  std::string unresolved;
  checked.addresses = resolve_host(target.host, unresolved);
  if (checked.addresses.empty()) {
    checked.problem = failure(AttemptVerdict::retry, unresolved);
    return checked;
  }
  for (const auto& address : checked.addresses) {
    const std::string refusal = policy.refusal(address);
    if (!refusal.empty()) {
      checked.problem =
          failure(AttemptVerdict::give_up, "refused destination " + target.host + ": " + refusal);
      checked.addresses.clear();
      return checked;
    }
  }
  return checked;
}

// "host:port:a,[b]" for CURLOPT_RESOLVE: libcurl then connects to these addresses and never
// asks DNS again, so a second answer (DNS rebinding) cannot replace the checked one.
std::string pinned_resolve_entry(const CallbackUrl& target,
                                 const std::vector<IpAddress>& addresses) {
  std::string entry = target.host + ":" + std::to_string(target.port) + ":";
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (i > 0) entry += ",";
    const std::string text = addresses[i].to_string();
    entry += addresses[i].is_v6 ? "[" + text + "]" : text;
  }
  return entry;
}

// State shared with libcurl's callbacks during one transfer.
struct TransferGuard {
  const std::vector<IpAddress>* allowed = nullptr;
  const std::atomic<bool>* abandon = nullptr;
  std::string unchecked_connection;  // Set when libcurl tried an address we did not check.
};

// Last line of defence: every socket libcurl opens must go to a checked address, whatever
// libcurl's own resolution did. Sockets are close-on-exec so sandboxed children never get one.
curl_socket_t open_checked_socket(void* guard_pointer, curlsocktype, curl_sockaddr* target) {
  auto* guard = static_cast<TransferGuard*>(guard_pointer);
  const auto address = IpAddress::from_sockaddr(&target->addr);
  if (!address || std::find(guard->allowed->begin(), guard->allowed->end(), *address) ==
                      guard->allowed->end()) {
    guard->unchecked_connection =
        "refused a connection to an unchecked address " + (address ? address->to_string() : "");
    return CURL_SOCKET_BAD;
  }
  return socket(target->family, target->socktype | SOCK_CLOEXEC, target->protocol);
}

int abort_when_abandoned(void* guard_pointer, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<TransferGuard*>(guard_pointer)->abandon->load() ? 1 : 0;
}

size_t discard_response(char*, size_t size, size_t count, void*) {
  return size * count;
}

bool header_safe(const std::string& value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

StringList request_headers(const WebhookRequest& request, const std::string& secret) {
  std::vector<std::string> lines = {"Content-Type: application/json",
                                    "X-CodeArena-Job: " + request.job_id,
                                    // Send the body at once instead of waiting for 100-continue.
                                    "Expect:"};
  if (!secret.empty()) {
    lines.push_back("X-CodeArena-Signature: " + webhook_signature(secret, request.body));
  }
  curl_slist* list = nullptr;
  for (const auto& line : lines) list = curl_slist_append(list, line.c_str());
  return StringList(list);
}

// Connection problems are worth retrying; these mean the request itself cannot work.
bool curl_error_is_final(CURLcode code) {
  return code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL ||
         code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
         code == CURLE_OUT_OF_MEMORY;
}

AttemptResult judge_response(long status, curl_off_t retry_after_seconds) {
  AttemptResult result;
  result.http_status = status;
  if (status >= 200 && status < 300) {
    result.verdict = AttemptVerdict::delivered;
    return result;
  }
  result.error = "HTTP " + std::to_string(status);
  if (status >= 300 && status < 400) result.error += " (redirects are not followed)";
  const bool retryable = status == 429 || status >= 500;
  result.verdict = retryable ? AttemptVerdict::retry : AttemptVerdict::give_up;
  if (retryable && retry_after_seconds > 0) {
    result.retry_after = std::chrono::seconds(retry_after_seconds);
  }
  return result;
}

AttemptResult post(const WebhookRequest& request, const CallbackUrl& target,
                   const std::vector<IpAddress>& addresses, const WebhookConfig& config,
                   const std::atomic<bool>& abandon) {
  EasyHandle easy(curl_easy_init());
  if (!easy) return failure(AttemptVerdict::retry, "could not create an HTTP client handle");
  TransferGuard guard{&addresses, &abandon, {}};
  StringList pinned;
  if (!IpAddress::parse(target.host)) {  // libcurl never resolves an address literal.
    pinned.reset(curl_slist_append(nullptr, pinned_resolve_entry(target, addresses).c_str()));
  }
  StringList headers = request_headers(request, config.secret);
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* handle = easy.get();

  curl_easy_setopt(handle, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_PROXY, "");  // Ignore http_proxy and friends.
  curl_easy_setopt(handle, CURLOPT_RESOLVE, pinned.get());
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, abort_when_abandoned);
  curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &guard);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(config.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "codearena/" CODEARENA_VERSION);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_response);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);

  const CURLcode code = curl_easy_perform(handle);
  if (code == CURLE_ABORTED_BY_CALLBACK && abandon.load()) {
    return failure(AttemptVerdict::abandoned, "abandoned at shutdown during a request");
  }
  if (!guard.unchecked_connection.empty()) {
    return failure(AttemptVerdict::give_up, guard.unchecked_connection);
  }
  if (code != CURLE_OK) {
    const std::string detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
    return failure(curl_error_is_final(code) ? AttemptVerdict::give_up : AttemptVerdict::retry,
                   detail);
  }
  long status = 0;
  curl_off_t retry_after = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(handle, CURLINFO_RETRY_AFTER, &retry_after);
  return judge_response(status, retry_after);
}

}  // namespace

void initialize_http_client() {
  // curl_global_init is not thread-safe in every libcurl build: do it once, under the
  // protection of a static's initialization.
  static const CURLcode initialized = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)initialized;
}

AttemptResult attempt_delivery(const WebhookRequest& request, const WebhookConfig& config,
                               const std::atomic<bool>& abandon) {
  if (!header_safe(request.job_id)) {
    return failure(AttemptVerdict::give_up, "the job id cannot be sent in an HTTP header");
  }
  CallbackUrl target;
  try {
    target = parse_callback_url(request.url);
  } catch (const std::invalid_argument& problem) {
    return failure(AttemptVerdict::give_up, problem.what());
  }
  CheckedAddresses checked = resolve_and_check(target, config.destinations);
  if (checked.addresses.empty()) return checked.problem;
  return post(request, target, checked.addresses, config, abandon);
}

}  // namespace codearena::webhooks
