// The field list of every persisted job type, written once: CAF's inspect() (actors/messages.h)
// and the stored JSON (cluster/record_json.cc) both walk it, so adding a field is one edit here.
//
// fields(v, x) calls v(type_name, field(name, member)...) with every member of `x` in order and
// returns what v returns. `x` may be const (writers) or not (readers). Names are the members'
// names; they are the stored JSON's keys, so renaming one breaks stored records.
#pragma once

#include <type_traits>

#include "actors/job_types.h"

namespace codearena::actors {

// One member of a struct and its name. Holds a reference: use it within the call it is made in.
template <class T>
struct Field {
  const char* name;
  T& value;
};

template <class T>
Field<T> field(const char* name, T& value) {
  return {name, value};
}

// Enables a fields() overload for struct `T`, const or not.
template <class S, class T>
using IfStruct = std::enable_if_t<std::is_same_v<std::remove_const_t<S>, T>, int>;

template <class V, class S, IfStruct<S, TestCaseSpec> = 0>
decltype(auto) fields(V&& v, S& x) {
  return v("TestCaseSpec", field("input", x.input), field("expected_output", x.expected_output));
}

template <class V, class S, IfStruct<S, JobSpec> = 0>
decltype(auto) fields(V&& v, S& x) {
  return v("JobSpec", field("language", x.language), field("code", x.code), field("input", x.input),
           field("tests", x.tests), field("time_limit_ms", x.time_limit_ms),
           field("memory_limit_bytes", x.memory_limit_bytes),
           field("output_limit_bytes", x.output_limit_bytes), field("checker", x.checker),
           field("checker_absolute_epsilon", x.checker_absolute_epsilon),
           field("checker_relative_epsilon", x.checker_relative_epsilon),
           field("checker_language", x.checker_language), field("checker_code", x.checker_code),
           field("stop_on_first_failure", x.stop_on_first_failure), field("priority", x.priority),
           field("callback_url", x.callback_url), field("owner", x.owner),
           field("base64_output", x.base64_output));
}

template <class V, class S, IfStruct<S, TestOutcome> = 0>
decltype(auto) fields(V&& v, S& x) {
  return v("TestOutcome", field("index", x.index), field("verdict", x.verdict),
           field("cpu_ms", x.cpu_ms), field("wall_ms", x.wall_ms), field("memory_kb", x.memory_kb),
           field("exit_code", x.exit_code), field("signal", x.signal),
           field("stdout_data", x.stdout_data), field("stderr_data", x.stderr_data),
           field("message", x.message), field("stdout_truncated", x.stdout_truncated),
           field("stderr_truncated", x.stderr_truncated),
           field("limit_exceeded", x.limit_exceeded), field("base64_output", x.base64_output));
}

template <class V, class S, IfStruct<S, JobOutcome> = 0>
decltype(auto) fields(V&& v, S& x) {
  return v("JobOutcome", field("verdict", x.verdict), field("language", x.language),
           field("compile_output", x.compile_output), field("compile_cached", x.compile_cached),
           field("compile_ms", x.compile_ms), field("tests", x.tests), field("passed", x.passed), field("total", x.total),
           field("max_cpu_ms", x.max_cpu_ms), field("max_memory_kb", x.max_memory_kb),
           field("message", x.message), field("time_limit_ms", x.time_limit_ms),
           field("memory_limit_bytes", x.memory_limit_bytes),
           field("output_limit_bytes", x.output_limit_bytes), field("skipped", x.skipped),
           field("wall_limit_ms", x.wall_limit_ms));
}

template <class V, class S, IfStruct<S, WebhookStatus> = 0>
decltype(auto) fields(V&& v, S& x) {
  return v("WebhookStatus", field("state", x.state), field("attempts", x.attempts),
           field("last_error", x.last_error), field("last_status", x.last_status));
}

template <class V, class S, IfStruct<S, JobStatus> = 0>
decltype(auto) fields(V&& v, S& x) {
  return v("JobStatus", field("id", x.id), field("state", x.state),
           field("tests_done", x.tests_done), field("tests_total", x.tests_total),
           field("result", x.result), field("failed_reason", x.failed_reason),
           field("attempts", x.attempts), field("language", x.language),
           field("priority", x.priority), field("created_at_ms", x.created_at_ms),
           field("started_at_ms", x.started_at_ms), field("finished_at_ms", x.finished_at_ms),
           field("owner", x.owner), field("webhook", x.webhook),
           field("tests_skipped", x.tests_skipped), field("timeline", x.timeline));
}

template <class V, class S, IfStruct<S, JobHop> = 0>
decltype(auto) fields(V&& v, S& x) {
  return v("JobHop", field("at_ms", x.at_ms), field("event", x.event), field("node", x.node),
           field("detail", x.detail));
}

template <class V, class S, IfStruct<S, StoredJob> = 0>
decltype(auto) fields(V&& v, S& x) {
  return v("StoredJob", field("status", x.status), field("spec", x.spec));
}

}  // namespace codearena::actors
