// Which languages a worker offers: WORKER_LANGUAGES as given (ids or aliases, checked against
// the table and the machine), or by default every language whose programs are installed.
#include <catch2/catch.hpp>

#include <map>

#include "app/serve_config.h"
#include "judge/toolchains.h"

using codearena::judge::LanguageTable;
using codearena::judge::offered_languages;
using Catch::Matchers::Contains;

namespace {

// "sh" runs /bin/sh, present everywhere; "ghost" compiles with a program no machine has.
const LanguageTable& table() {
  static const LanguageTable languages = LanguageTable::parse(R"({"languages": [
      {"id": "sh", "name": "Shell", "aliases": ["shell"], "source": "main.sh",
       "run": ["/bin/sh", "main.sh"]},
      {"id": "ghost", "name": "Ghost", "source": "main.g",
       "compile": ["/nonexistent/ghostc", "main.g"], "artifacts": ["main"],
       "run": ["./main"]}
    ]})",
                                                              "test.json", false);
  return languages;
}

std::vector<std::string> worker_languages_setting(const std::string& value) {
  return codearena::app::parse_serve_config(
             {}, [&](const char* name) {
               return std::string(name) == "WORKER_LANGUAGES" ? value.c_str() : nullptr;
             })
      .service.worker.languages;
}

}  // namespace

TEST_CASE("by default a worker offers the languages whose programs are installed",
          "[toolchains]") {
  CHECK(offered_languages(table(), {}) == std::vector<std::string>{"sh"});
}

TEST_CASE("WORKER_LANGUAGES takes ids and aliases and gives ids", "[toolchains]") {
  CHECK(offered_languages(table(), {"shell"}) == std::vector<std::string>{"sh"});
  CHECK(worker_languages_setting("python, java") == std::vector<std::string>{"python", "java"});
  CHECK_THROWS_WITH(worker_languages_setting("python,,java"), Contains("an empty entry"));
}

TEST_CASE("WORKER_LANGUAGES naming an unknown or uninstalled language is refused",
          "[toolchains]") {
  CHECK_THROWS_WITH(offered_languages(table(), {"sh", "cobol"}),
                    Contains("unknown language 'cobol'") && Contains("sh, ghost"));
  CHECK_THROWS_WITH(offered_languages(table(), {"ghost"}),
                    Contains("ghost needs /nonexistent/ghostc"));
}
