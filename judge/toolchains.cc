#include "judge/toolchains.h"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace codearena::judge {
namespace {

// The absolute program of a command that is not executable here; "" when none is missing.
std::string missing_program(const std::vector<std::string>& command) {
  if (command.empty() || command.front().empty() || command.front().front() != '/') return "";
  return access(command.front().c_str(), X_OK) == 0 ? "" : command.front();
}

std::string missing_program(const Language& language) {
  const std::string compiler = missing_program(language.compile);
  return compiler.empty() ? missing_program(language.run) : compiler;
}

std::string known_ids(const LanguageTable& table) {
  std::string ids;
  for (const auto& language : table.all()) ids += (ids.empty() ? "" : ", ") + language.id;
  return ids;
}

const Language& wanted_language(const LanguageTable& table, const std::string& name) {
  const Language* language = table.find(name);
  if (language == nullptr)
    throw std::invalid_argument("WORKER_LANGUAGES: unknown language '" + name +
                                "' (the language table has: " + known_ids(table) + ")");
  const std::string missing = missing_program(*language);
  if (!missing.empty())
    throw std::invalid_argument("WORKER_LANGUAGES: " + language->id + " needs " + missing +
                                ", which is not an executable file on this machine");
  return *language;
}

}  // namespace

bool toolchain_present(const Language& language) { return missing_program(language).empty(); }

std::vector<std::string> offered_languages(const LanguageTable& table,
                                           const std::vector<std::string>& wanted) {
  std::vector<std::string> wanted_ids;
  for (const auto& name : wanted) wanted_ids.push_back(wanted_language(table, name).id);
  std::vector<std::string> offered;
  for (const auto& language : table.all()) {
    const bool chosen = wanted.empty() ? toolchain_present(language)
                                       : std::count(wanted_ids.begin(), wanted_ids.end(),
                                                    language.id) > 0;
    if (chosen) offered.push_back(language.id);
  }
  if (offered.empty())
    throw std::invalid_argument(
        "no language of the table has its toolchain on this machine (WORKER_LANGUAGES)");
  return offered;
}

}  // namespace codearena::judge
