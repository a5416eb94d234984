// The process metrics every Prometheus client library exports under the same names
// (process_resident_memory_bytes, process_open_fds, ...), so that dashboards and alerts written
// for any service work for a node unchanged. Values are read from /proc when scraped.
#pragma once

#include "telemetry/metrics.h"

namespace codearena::telemetry {

// Registers the process gauges in `registry`: resident and virtual memory, open and maximum
// file descriptors, start time. Call once per registry (a second call throws
// std::invalid_argument, like any name registered twice). A value /proc cannot give (no
// /proc mounted) renders as NaN rather than failing the scrape.
void register_process_metrics(Registry& registry);

}  // namespace codearena::telemetry
