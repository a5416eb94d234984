#include "cluster/record_json.h"

#include <openssl/evp.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>
#include <type_traits>

#include "cluster/errors.h"

namespace codearena::cluster {
namespace {

using actors::JobOutcome;
using actors::JobSpec;
using actors::JobState;
using actors::JobStatus;
using actors::Priority;
using actors::TestCaseSpec;
using actors::TestOutcome;
using nlohmann::json;

// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), the same
// rule the JSON serializer enforces.
bool is_valid_utf8(const std::string& text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_min = 0xA0;
      if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_min = 0x90;
      if (lead == 0xF4) second_max = 0x8F;
    } else {
      return false;
    }
    if (i + length > size) return false;
    if (bytes[i + 1] < second_min || bytes[i + 1] > second_max) return false;
    for (size_t k = 2; k < length; ++k) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

std::string base64_encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::string base64_decode(const std::string& text) {
  if (text.size() % 4 != 0) throw StoreError("stored base64 text has a bad length");
  std::string out(text.size() / 4 * 3 + 1, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  if (written < 0) throw StoreError("stored base64 text is malformed");
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '=' && padding < 2; ++it) ++padding;
  out.resize(static_cast<size_t>(written) - padding);
  return out;
}

std::optional<JobState> parse_state(const std::string& name) {
  for (const auto state : {JobState::kQueued, JobState::kActive, JobState::kCompleted,
                           JobState::kFailed, JobState::kCancelled}) {
    if (name == actors::state_name(state)) return state;
  }
  return std::nullopt;
}

// The field list of each stored struct, written once and walked by both the Writer and the
// Reader below. `S` is the struct, const when writing.
template <class S, class T>
using IfStruct = std::enable_if_t<std::is_same_v<std::remove_const_t<S>, T>, int>;

template <class V, class S, IfStruct<S, TestCaseSpec> = 0>
void fields(V& v, S& x) {
  v("input", x.input);
  v("has_expected_output", x.has_expected_output);
  v("expected_output", x.expected_output);
}

template <class V, class S, IfStruct<S, JobSpec> = 0>
void fields(V& v, S& x) {
  v("language", x.language);
  v("code", x.code);
  v("input", x.input);
  v("tests", x.tests);
  v("time_limit_ms", x.time_limit_ms);
  v("memory_limit_bytes", x.memory_limit_bytes);
  v("output_limit_bytes", x.output_limit_bytes);
  v("checker", x.checker);
  v("checker_absolute_epsilon", x.checker_absolute_epsilon);
  v("checker_relative_epsilon", x.checker_relative_epsilon);
  v("checker_language", x.checker_language);
  v("checker_code", x.checker_code);
  v("stop_on_first_failure", x.stop_on_first_failure);
  v("priority", x.priority);
  v("callback_url", x.callback_url);
}

template <class V, class S, IfStruct<S, TestOutcome> = 0>
void fields(V& v, S& x) {
  v("index", x.index);
  v("verdict", x.verdict);
  v("cpu_ms", x.cpu_ms);
  v("wall_ms", x.wall_ms);
  v("memory_kb", x.memory_kb);
  v("exit_code", x.exit_code);
  v("signal", x.signal);
  v("stdout_data", x.stdout_data);
  v("stderr_data", x.stderr_data);
  v("message", x.message);
  v("stdout_truncated", x.stdout_truncated);
  v("stderr_truncated", x.stderr_truncated);
}

template <class V, class S, IfStruct<S, JobOutcome> = 0>
void fields(V& v, S& x) {
  v("verdict", x.verdict);
  v("language", x.language);
  v("compile_output", x.compile_output);
  v("compile_cached", x.compile_cached);
  v("tests", x.tests);
  v("passed", x.passed);
  v("total", x.total);
  v("max_cpu_ms", x.max_cpu_ms);
  v("max_memory_kb", x.max_memory_kb);
  v("message", x.message);
  v("time_limit_ms", x.time_limit_ms);
  v("memory_limit_bytes", x.memory_limit_bytes);
  v("output_limit_bytes", x.output_limit_bytes);
}

template <class V, class S, IfStruct<S, JobStatus> = 0>
void fields(V& v, S& x) {
  v("id", x.id);
  v("state", x.state);
  v("tests_done", x.tests_done);
  v("tests_total", x.tests_total);
  v("has_result", x.has_result);
  if (x.has_result) v("result", x.result);
  v("failed_reason", x.failed_reason);
  v("attempts", x.attempts);
  v("language", x.language);
  v("priority", x.priority);
  v("created_at_ms", x.created_at_ms);
  v("started_at_ms", x.started_at_ms);
  v("finished_at_ms", x.finished_at_ms);
}

// Writes the stored JSON text straight into a string. The leader writes every transition, and
// building nlohmann trees first was most of the store's CPU per job (docs/benchmarks.md).
class Writer {
 public:
  template <class S>
  static std::string text(const S& x) {
    Writer writer;
    writer.write(x);
    return std::move(writer.out_);
  }

 private:
  template <class S>
  void write_object(const S& x) {
    out_ += '{';
    bool first = true;
    auto field = [&](const char* key, const auto& value) {
      if (!first) out_ += ',';
      first = false;
      out_ += '"';
      out_ += key;
      out_ += "\":";
      write(value);
    };
    fields(field, x);
    out_ += '}';
  }

  void write(const std::string& text) {
    if (!is_valid_utf8(text)) {
      out_ += "{\"base64\":\"";
      out_ += base64_encode(text);
      out_ += "\"}";
      return;
    }
    write_string(text);
  }
  void write_string(std::string_view text) {
    out_ += '"';
    for (const char c : text) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
            out_ += escaped;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  void write(T value) {
    if constexpr (std::is_same_v<T, bool>) {
      out_ += value ? "true" : "false";
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!std::isfinite(value)) {
        out_ += "null";  // As nlohmann writes it; JSON has no NaN or infinity.
        return;
      }
      char digits[32];
      const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
      out_.append(digits, end);
    } else {
      out_ += std::to_string(value);
    }
  }
  void write(Priority priority) { write_string(actors::priority_name(priority)); }
  void write(JobState state) { write_string(actors::state_name(state)); }
  void write(const TestCaseSpec& x) { write_object(x); }
  void write(const TestOutcome& x) { write_object(x); }
  void write(const JobOutcome& x) { write_object(x); }
  void write(const JobSpec& x) { write_object(x); }
  void write(const JobStatus& x) { write_object(x); }
  template <class T>
  void write(const std::vector<T>& items) {
    out_ += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out_ += ',';
      write(items[i]);
    }
    out_ += ']';
  }

  std::string out_;
};

class Reader {
 public:
  template <class S>
  static void object(const json& in, S& x) {
    if (!in.is_object()) throw StoreError("stored job: expected a JSON object");
    Reader reader(in);
    fields(reader, x);
  }

  template <class T>
  void operator()(const char* key, T& value) {
    const auto found = in_.find(key);
    if (found != in_.end()) decode(*found, value);
  }

 private:
  explicit Reader(const json& in) : in_(in) {}

  static void decode(const json& in, std::string& text) {
    text =
        in.is_object() ? base64_decode(in.at("base64").get<std::string>()) : in.get<std::string>();
  }
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  static void decode(const json& in, T& value) {
    value = in.get<T>();
  }
  static void decode(const json& in, Priority& priority) {
    priority = known(actors::parse_priority(in.get<std::string>()), "priority");
  }
  static void decode(const json& in, JobState& state) {
    state = known(parse_state(in.get<std::string>()), "state");
  }
  static void decode(const json& in, TestCaseSpec& x) { object(in, x); }
  static void decode(const json& in, TestOutcome& x) { object(in, x); }
  static void decode(const json& in, JobOutcome& x) { object(in, x); }
  template <class T>
  static void decode(const json& in, std::vector<T>& items) {
    if (!in.is_array()) throw StoreError("stored job: expected a JSON array");
    items.clear();
    for (const auto& element : in) decode(element, items.emplace_back());
  }

  template <class T>
  static T known(const std::optional<T>& parsed, const char* what) {
    if (!parsed) throw StoreError(std::string("stored job: unknown ") + what);
    return *parsed;
  }

  const json& in_;
};

template <class S>
S decode(const std::string& text) {
  S value;
  try {
    Reader::object(json::parse(text), value);
  } catch (const json::exception& error) {
    throw StoreError(std::string("stored job is malformed: ") + error.what());
  }
  return value;
}

}  // namespace

std::string encode_spec(const JobSpec& spec) {
  return Writer::text(spec);
}
std::string encode_status(const JobStatus& status) {
  return Writer::text(status);
}
JobSpec decode_spec(const std::string& text) {
  return decode<JobSpec>(text);
}
JobStatus decode_status(const std::string& text) {
  return decode<JobStatus>(text);
}

}  // namespace codearena::cluster
