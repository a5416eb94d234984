#include "app/inspect_command.h"

#include <curl/curl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "app/inspect_tables.h"

namespace codearena::app {
namespace {

using nlohmann::json;

struct InspectArgs {
  std::string api = "http://127.0.0.1:3001";
  std::string token;
  bool json_output = false;
  std::string node;
  int interval_ms = 2000;
  std::vector<std::string> command;  // "nodes", "job ID", "actors", "top"
};

// A request that failed or an answer other than 200, with what the node said.
struct InspectError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

InspectArgs parse_args(const std::vector<std::string>& args) {
  InspectArgs parsed;
  parsed.api = env_or("CODEARENA_API", parsed.api);
  parsed.token = env_or("CODEARENA_TOKEN", "");
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value");
      return args[++i];
    };
    if (arg == "--api") {
      parsed.api = value();
    } else if (arg == "--token") {
      parsed.token = value();
    } else if (arg == "--node") {
      parsed.node = value();
    } else if (arg == "--interval") {
      const double seconds = std::stod(value());
      if (!(seconds >= 0.2 && seconds <= 3600))
        throw std::invalid_argument("--interval must be between 0.2 and 3600 seconds");
      parsed.interval_ms = static_cast<int>(seconds * 1000);
    } else if (arg == "--json") {
      parsed.json_output = true;
    } else if (!arg.empty() && arg[0] == '-') {
      throw std::invalid_argument("unknown option " + arg);
    } else {
      parsed.command.push_back(arg);
    }
  }
  while (!parsed.api.empty() && parsed.api.back() == '/') parsed.api.pop_back();
  return parsed;
}

size_t append_body(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

// GETs `path` from the node and returns its JSON; throws InspectError otherwise.
json get(const InspectArgs& args, const std::string& path) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw InspectError("libcurl could not start");
  std::string body;
  const std::string url = args.api + path;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 20L);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  if (!args.token.empty()) {
    headers.reset(curl_slist_append(nullptr, ("Authorization: Bearer " + args.token).c_str()));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  }
  if (const CURLcode code = curl_easy_perform(curl.get()); code != CURLE_OK)
    throw InspectError("cannot reach " + url + ": " + curl_easy_strerror(code));
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  const json answer = json::parse(body, nullptr, false);
  if (status == 200 && !answer.is_discarded()) return answer;
  const json error = answer.is_object() ? answer.value("error", json::object()) : json();
  const std::string said = error.is_object() ? error.value("code", "") + ": " +
                                                   error.value("message", "")
                                             : body.substr(0, 200);
  throw InspectError(url + " answered " + std::to_string(status) + " (" + said + ")");
}

std::string actors_path(const InspectArgs& args) {
  if (args.node.empty()) return "/api/admin/inspect/actors";
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, args.node.c_str(), static_cast<int>(args.node.size())), curl_free);
  return "/api/admin/inspect/actors?node=" + std::string(escaped.get());
}

int print(const InspectArgs& args, const json& answer, std::string (*render)(const json&)) {
  std::cout << (args.json_output ? answer.dump(2) + "\n" : render(answer));
  return 0;
}

volatile std::sig_atomic_t interrupted = 0;

// The terminal in single-key mode while `top` runs (when stdin is one), restored on exit.
class KeyMode {
 public:
  KeyMode() : active_(isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (!active_) return;
    termios keys = saved_;
    keys.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &keys);
  }
  ~KeyMode() {
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  // Waits up to `timeout_ms` for a key; true when it was q (or Ctrl-C came).
  bool quit_within(int timeout_ms) const {
    pollfd input{STDIN_FILENO, POLLIN, 0};
    const int ready = poll(&input, active_ ? 1 : 0, timeout_ms);
    char key = 0;
    if (ready > 0 && read(STDIN_FILENO, &key, 1) == 1 && (key == 'q' || key == 'Q')) return true;
    return interrupted != 0;
  }

 private:
  termios saved_{};
  bool active_;
};

// One screen of `top`; `actors_before` (the actors of the screen before) becomes this screen's.
std::string top_screen(const InspectArgs& args, json& actors_before) {
  std::string screen = "codearena top  " + args.api + "  (q quits)\n\n";
  try {
    screen += nodes_table(get(args, "/api/admin/inspect/nodes")) + "\n";
    json actors = get(args, actors_path(args));
    screen += actor_activity_tables(actors, actors_before, 10);
    actors_before = std::move(actors);
  } catch (const std::exception& error) {
    screen += std::string("unavailable: ") + error.what() + "\n";
  }
  return screen;
}

int top(const InspectArgs& args) {
  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  const KeyMode keys;
  std::cout << "\033[?25l";  // Hides the cursor while the screen refreshes.
  json actors_before;
  do {
    // Home and clear, then the screen: plain ANSI, so it works in any terminal and in tmux.
    std::cout << "\033[H\033[2J" << top_screen(args, actors_before) << std::flush;
  } while (!keys.quit_within(args.interval_ms));
  std::cout << "\033[?25h" << std::flush;
  return 0;
}

int run(const InspectArgs& args) {
  const auto& command = args.command;
  if (command.empty()) throw std::invalid_argument("which inspection? nodes, job ID, actors, top");
  if (command[0] == "nodes" && command.size() == 1)
    return print(args, get(args, "/api/admin/inspect/nodes"), nodes_table);
  if (command[0] == "actors" && command.size() == 1)
    return print(args, get(args, actors_path(args)), actors_table);
  if (command[0] == "job" && command.size() == 2)
    return print(args, get(args, "/api/admin/inspect/jobs/" + command[1]), timeline_table);
  if (command[0] == "top" && command.size() == 1) return top(args);
  throw std::invalid_argument("unknown inspection '" + command[0] + "' (or wrong arguments)");
}

}  // namespace

std::string inspect_usage() {
  return R"(usage: codearena inspect [--api URL] [--token TOKEN] [--json] COMMAND

Commands:
  nodes             every node: roles, address, leader, epoch, lease left, heartbeat age,
                    slots busy/total, languages, version, state (alive, late, lost, draining)
  job ID            the job's timeline across nodes, each hop with its duration
  actors [--node ID]  every actor of each node: mailbox, messages handled, idle time, state
  top [--interval S]  a live view (every S seconds, default 2) until q or Ctrl-C

Options:
  --api URL      any node's HTTP address (CODEARENA_API; default http://127.0.0.1:3001)
  --token TOKEN  a bearer token with the admin scope, when the API requires tokens
                 (CODEARENA_TOKEN; prefer the variable: flags show in the process list)
  --json         print the endpoint's JSON (fields in docs/inspect.md)
)";
}

int inspect_command(const std::vector<std::string>& args) {
  try {
    return run(parse_args(args));
  } catch (const InspectError& error) {
    std::cerr << "codearena inspect: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "codearena inspect: " << error.what() << "\n\n" << inspect_usage();
    return 2;
  }
}

}  // namespace codearena::app
