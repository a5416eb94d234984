#include "cluster/record_json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>
#include <type_traits>

#include "actors/job_fields.h"
#include "cluster/errors.h"
#include "common/byte_text.h"

namespace codearena::cluster {
namespace {

using actors::CheckerKind;
using actors::JobSpec;
using actors::JobState;
using actors::JobStatus;
using actors::Priority;
using actors::Verdict;
using nlohmann::json;

using common::base64_encode;
using common::is_valid_utf8;

std::string stored_base64_bytes(const std::string& text) {
  auto bytes = common::base64_decode(text);
  if (!bytes) throw StoreError("stored base64 text is malformed");
  return std::move(*bytes);
}

// Stored records have no null: an optional member X is stored as "has_X" (true or false)
// followed, when set, by X itself.
std::string presence_key(const char* name) {
  return std::string("has_") + name;
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
    first_ = true;
    fields([this](const char*, auto... member) { (write_member(member.name, member.value), ...); },
           x);
    first_ = false;
    out_ += '}';
  }

  template <class T>
  void write_member(const char* name, const T& value) {
    if (!first_) out_ += ',';
    first_ = false;
    write_string(name);
    out_ += ':';
    write(value);
  }
  template <class T>
  void write_member(const char* name, const std::optional<T>& value) {
    write_member(presence_key(name).c_str(), value.has_value());
    if (value) write_member(name, *value);
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
  void write(actors::WebhookState state) { write_string(actors::webhook_state_name(state)); }
  void write(Verdict verdict) { write_string(judge::verdict_code(verdict)); }
  void write(CheckerKind kind) { write_string(judge::checker_kind_name(kind)); }
  template <class S, std::enable_if_t<std::is_class_v<S>, int> = 0>
  void write(const S& x) {
    write_object(x);
  }
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
  bool first_ = false;
};

class Reader {
 public:
  template <class S>
  static void object(const json& in, S& x) {
    if (!in.is_object()) throw StoreError("stored job: expected a JSON object");
    fields(
        [&in](const char*, auto... member) { (read_member(in, member.name, member.value), ...); },
        x);
  }

 private:
  template <class T>
  static void read_member(const json& in, const char* name, T& value) {
    const auto found = in.find(name);
    if (found != in.end()) decode(*found, value);
  }
  template <class T>
  static void read_member(const json& in, const char* name, std::optional<T>& value) {
    bool set = false;
    read_member(in, presence_key(name).c_str(), set);
    if (!set) {
      value.reset();
      return;
    }
    read_member(in, name, value.emplace());
  }

  static void decode(const json& in, std::string& text) {
    text =
        in.is_object() ? stored_base64_bytes(in.at("base64").get<std::string>()) : in.get<std::string>();
  }
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  static void decode(const json& in, T& value) {
    value = in.get<T>();
  }
  static void decode(const json& in, Priority& priority) {
    priority = known(actors::parse_priority(in.get<std::string>()), "priority");
  }
  static void decode(const json& in, JobState& state) {
    state = known(actors::parse_state(in.get<std::string>()), "state");
  }
  static void decode(const json& in, actors::WebhookState& state) {
    state = known(actors::parse_webhook_state(in.get<std::string>()), "webhook state");
  }
  static void decode(const json& in, Verdict& verdict) {
    verdict = known(judge::parse_verdict(in.get<std::string>()), "verdict");
  }
  static void decode(const json& in, CheckerKind& kind) {
    kind = known(judge::parse_checker_kind(in.get<std::string>()), "checker");
  }
  template <class S, std::enable_if_t<std::is_class_v<S>, int> = 0>
  static void decode(const json& in, S& x) {
    object(in, x);
  }
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
