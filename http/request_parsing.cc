#include "http/request_parsing.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <iomanip>
#include <sstream>
#include <string_view>
#include <nlohmann/json.hpp>

#include "http/echo_text.h"
#include "http/json_body.h"
#include "judge/checker.h"
#include "sandbox/units.h"
#include "webhooks/callback_url.h"

namespace codearena::http {
namespace {

using nlohmann::json;

// A job nests two levels deep (testCases[i]).
constexpr int kMaxNesting = 32;

ApiError missing(const std::string& field) {
  return ApiError(400, "missing_field", "the field '" + field + "' is required");
}

ApiError wrong_type(const std::string& field, const char* expected) {
  return ApiError(400, "invalid_field", "the field '" + field + "' must be " + expected);
}

// Refuses a field the API does not define, so that a misspelt or misplaced one (`timeLimitMs`
// instead of `limits.time`) is not silently ignored and the job run with defaults.
void refuse_unknown_fields(const json& object, std::initializer_list<const char*> known,
                           const std::string& path) {
  for (const auto& [name, value] : object.items()) {
    const bool listed = std::any_of(known.begin(), known.end(),
                                    [&name = name](const char* field) { return name == field; });
    if (listed) continue;
    std::string fields;
    for (const char* field : known) fields += (fields.empty() ? "" : ", ") + std::string(field);
    throw ApiError(400, "unknown_field",
                   "unknown field " + echo(path + name) + " (known here: " + fields + ")");
  }
}

const json* optional_field(const json& object, const char* name) {
  const auto found = object.find(name);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

std::string string_field(const json& object, const char* name, const std::string& path,
                         bool required) {
  const json* value = optional_field(object, name);
  if (value == nullptr) {
    if (required) throw missing(path);
    return "";
  }
  if (!value->is_string()) throw wrong_type(path, "a string");
  return value->get<std::string>();
}

bool bool_field(const json& object, const char* name) {
  const json* value = optional_field(object, name);
  if (value == nullptr) return false;
  if (!value->is_boolean()) throw wrong_type(name, "true or false");
  return value->get<bool>();
}

const judge::Language& known_language(const judge::LanguageTable& languages, const std::string& id,
                                      const std::string& field) {
  const auto* language = languages.find(id);
  if (language != nullptr) return *language;
  std::string known;
  for (const auto& entry : languages.all()) known += (known.empty() ? "" : ", ") + entry.id;
  throw ApiError(422, "unknown_language",
                 "'" + field + "': unknown language " + echo(id) + " (supported: " + known + ")");
}

void check_code_size(const std::string& code, const std::string& field,
                     const RequestLimits& limits) {
  if (static_cast<int64_t>(code.size()) > limits.max_code_bytes) {
    throw ApiError(413, "code_too_large",
                   "'" + field + "' is " + std::to_string(code.size()) + " bytes; the maximum is " +
                       std::to_string(limits.max_code_bytes));
  }
}

// A limit given as a number in the unit of its environment variable (seconds, megabytes,
// kilobytes) or as text with a unit ("500ms", "256m", "64k").
// The limit in milliseconds or bytes as the client wrote it, before any rounding, so that a
// fraction of a unit can neither slip under a maximum (30.0001 s against 30 s) nor round to
// nothing (1e-9 s).
double limit_amount(const json& value, const std::string& field, double number_unit,
                    bool duration) {
  const char* expected = duration ? "a positive number of seconds or a duration like \"500ms\""
                                  : "a positive number or a size like \"256m\"";
  if (value.is_number()) {
    // A number too large for any limit (2^64, 1e308 seconds) is for the maximum to refuse.
    const double number = value.get<double>() * number_unit;
    if (!(number > 0)) throw wrong_type(field, expected);
    return number;
  }
  if (!value.is_string()) throw wrong_type(field, expected);
  try {
    const auto text = value.get<std::string>();
    const int64_t parsed = duration ? sandbox::parse_duration_ms(text) : sandbox::parse_size(text);
    if (parsed <= 0) throw std::invalid_argument(text);
    return static_cast<double>(parsed);
  } catch (const std::invalid_argument&) {
    throw wrong_type(field, expected);
  }
}

// One of a job's limits: at least one unit (1 ms, 1 byte), at most the language's maximum.
int64_t checked_limit(const json& value, const std::string& field, double number_unit,
                      bool duration, int64_t maximum, const std::string& language) {
  const char* unit = duration ? "ms" : "bytes";
  const double amount = limit_amount(value, field, number_unit, duration);
  if (amount < 1)
    throw ApiError(400, "invalid_field",
                   "the field '" + field + "' is below the smallest limit, 1 " +
                       (duration ? std::string("ms") : std::string("byte")));
  if (amount > static_cast<double>(maximum)) {
    std::ostringstream asked;
    if (std::isfinite(amount)) {
      asked << std::setprecision(15) << amount;
    } else {
      asked << "beyond 1.8e308";
    }
    throw ApiError(422, "limit_too_high",
                   "'" + field + "' is " + asked.str() + " " + unit +
                       "; the maximum for " + language + " is " + std::to_string(maximum) + " " +
                       unit);
  }
  return static_cast<int64_t>(std::llround(amount));
}

void parse_limits(const json& body, const judge::Language& language, actors::JobSpec& spec) {
  const json* limits = optional_field(body, "limits");
  if (limits == nullptr) return;
  if (!limits->is_object()) throw wrong_type("limits", "an object");
  refuse_unknown_fields(*limits, {"time", "memory", "output"}, "limits.");
  const auto& max = language.max_limits;
  if (const json* time = optional_field(*limits, "time"))
    spec.time_limit_ms = checked_limit(*time, "limits.time", 1000.0, true, max.cpu_ms, language.id);
  if (const json* memory = optional_field(*limits, "memory"))
    spec.memory_limit_bytes = checked_limit(*memory, "limits.memory", 1024.0 * 1024, false,
                                            max.memory_bytes, language.id);
  if (const json* output = optional_field(*limits, "output"))
    spec.output_limit_bytes = checked_limit(*output, "limits.output", 1024.0, false,
                                            max.output_bytes, language.id);
}

void check_test_size(const std::string& text, const std::string& field,
                     const RequestLimits& limits) {
  if (static_cast<int64_t>(text.size()) > limits.max_test_bytes) {
    throw ApiError(413, "test_too_large",
                   "'" + field + "' is " + std::to_string(text.size()) + " bytes; the maximum is " +
                       std::to_string(limits.max_test_bytes));
  }
}

void parse_tests(const json& body, const RequestLimits& limits, actors::JobSpec& spec) {
  const json* tests = optional_field(body, "testCases");
  if (tests == nullptr) return;
  if (!tests->is_array()) throw wrong_type("testCases", "an array of {input, expectedOutput}");
  if (static_cast<int64_t>(tests->size()) > limits.max_test_cases) {
    throw ApiError(422, "too_many_tests",
                   "'testCases' has " + std::to_string(tests->size()) +
                       " entries; the maximum is " + std::to_string(limits.max_test_cases));
  }
  for (size_t i = 0; i < tests->size(); ++i) {
    const auto& entry = (*tests)[i];
    const std::string path = "testCases[" + std::to_string(i) + "]";
    if (!entry.is_object()) throw wrong_type(path, "an object {input, expectedOutput}");
    refuse_unknown_fields(entry, {"input", "expectedOutput"}, path + ".");
    actors::TestCaseSpec test;
    test.input = string_field(entry, "input", path + ".input", false);
    check_test_size(test.input, path + ".input", limits);
    if (optional_field(entry, "expectedOutput") != nullptr) {
      test.expected_output = string_field(entry, "expectedOutput", path + ".expectedOutput", true);
      check_test_size(*test.expected_output, path + ".expectedOutput", limits);
    }
    spec.tests.push_back(std::move(test));
  }
}

double epsilon_field(const json& checker, const char* name, double fallback) {
  const json* value = optional_field(checker, name);
  if (value == nullptr) return fallback;
  if (!value->is_number() || value->get<double>() < 0)
    throw wrong_type(std::string("checker.") + name, "a non-negative number");
  return value->get<double>();
}

void parse_checker(const json& body, const RequestLimits& limits,
                   const judge::LanguageTable& languages, actors::JobSpec& spec) {
  const json* checker = optional_field(body, "checker");
  if (checker == nullptr) return;
  const char* expected =
      "\"default\", \"exact\", \"tokens\", \"float\", or an object {\"type\", ...}";
  std::optional<judge::CheckerKind> kind;
  if (checker->is_string()) {
    kind = judge::parse_checker_kind(checker->get<std::string>());
  } else if (checker->is_object()) {
    refuse_unknown_fields(
        *checker, {"type", "epsilon", "absoluteEpsilon", "relativeEpsilon", "code", "language"},
        "checker.");
    kind = judge::parse_checker_kind(string_field(*checker, "type", "checker.type", true));
    const double epsilon = epsilon_field(*checker, "epsilon", 1e-6);
    spec.checker_absolute_epsilon = epsilon_field(*checker, "absoluteEpsilon", epsilon);
    spec.checker_relative_epsilon = epsilon_field(*checker, "relativeEpsilon", epsilon);
    if (kind == judge::CheckerKind::kCustom) {
      spec.checker_code = string_field(*checker, "code", "checker.code", true);
      check_code_size(spec.checker_code, "checker.code", limits);
      const auto language = string_field(*checker, "language", "checker.language", true);
      spec.checker_language = known_language(languages, language, "checker.language").id;
    }
  } else {
    throw wrong_type("checker", expected);
  }
  if (!kind || (*kind == judge::CheckerKind::kCustom && spec.checker_code.empty()))
    throw wrong_type("checker", expected);
  spec.checker = *kind;
}

}  // namespace

ExecuteRequest parse_execute_request(const std::string& body, const RequestLimits& limits,
                                     const judge::LanguageTable& languages) {
  if (static_cast<int64_t>(body.size()) > limits.max_body_bytes) {
    throw ApiError(413, "payload_too_large",
                   "the request body is " + std::to_string(body.size()) +
                       " bytes; the maximum is " + std::to_string(limits.max_body_bytes));
  }
  const json document = parse_json_body(body, kMaxNesting);
  if (!document.is_object()) throw ApiError(400, "invalid_body", "the body must be a JSON object");
  refuse_unknown_fields(document,
                        {"language", "code", "input", "testCases", "limits", "checker",
                         "stopOnFirstFailure", "priority", "callbackUrl", "wait",
                         "outputEncoding"},
                        "");

  ExecuteRequest request;
  auto& spec = request.spec;
  const auto language_id = string_field(document, "language", "language", true);
  spec.code = string_field(document, "code", "code", true);
  const auto& language = known_language(languages, language_id, "language");
  spec.language = language.id;
  check_code_size(spec.code, "code", limits);
  spec.input = string_field(document, "input", "input", false);
  check_test_size(spec.input, "input", limits);
  parse_tests(document, limits, spec);
  parse_limits(document, language, spec);
  parse_checker(document, limits, languages, spec);
  spec.stop_on_first_failure = bool_field(document, "stopOnFirstFailure");
  const auto priority = string_field(document, "priority", "priority", false);
  if (!priority.empty()) {
    const auto parsed = actors::parse_priority(priority);
    if (!parsed) throw wrong_type("priority", "\"high\", \"normal\" or \"low\"");
    spec.priority = *parsed;
  }
  spec.callback_url = string_field(document, "callbackUrl", "callbackUrl", false);
  if (!spec.callback_url.empty()) {
    const auto problem = webhooks::callback_url_problem(spec.callback_url);
    if (!problem.empty()) throw ApiError(422, "invalid_callback_url", "'callbackUrl': " + problem);
  }
  request.wait = bool_field(document, "wait");
  const auto encoding = string_field(document, "outputEncoding", "outputEncoding", false);
  if (!encoding.empty() && encoding != "text" && encoding != "base64")
    throw wrong_type("outputEncoding", "\"text\" or \"base64\"");
  spec.base64_output = encoding == "base64";
  return request;
}

bool looks_like_job_id(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

bool is_json_media_type(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  type.erase(0, type.find_first_not_of(" \t"));
  type.erase(type.find_last_not_of(" \t") + 1);
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::string_view kApplication = "application/", kSuffix = "+json";
  return type == "application/json" ||
         (type.size() > kApplication.size() + kSuffix.size() &&
          type.compare(0, kApplication.size(), kApplication) == 0 &&
          type.compare(type.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0);
}

}  // namespace codearena::http
