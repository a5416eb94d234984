#!/usr/bin/env bash
# HTTP throughput of the cheap endpoints with wrk: GET /health and GET /api/jobs/:id of a
# finished job, against a `codearena serve` started here with request logs and the rate limit
# off. Prints one line per wrk run (threads, connections, req/s, p50 and p99 latency).
#
#   tools/bench/http_bench.sh [build dir, default build]   (needs root and wrk)
# Environment: DURATION (wrk seconds per run, default 10), THREADS (default "1 2"),
# CONNECTIONS (default "10 50 200"), SLOTS (default 2), PORT (default 38080).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${1:-build}
duration=${DURATION:-10}
port=${PORT:-38080}
base="http://127.0.0.1:$port"
log=$(mktemp /tmp/codearena-http-bench-XXXXXX.log)

command -v wrk >/dev/null || { echo "wrk is not installed (tools/install-deps.sh)" >&2; exit 1; }
HOST=127.0.0.1 PORT=$port WORKER_CONCURRENCY=${SLOTS:-2} LOG_LEVEL=warn API_RATE_LIMIT=0 \
  "$build_dir/bin/codearena" serve 2>"$log" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT

for _ in $(seq 1800); do
  curl -fs "$base/health" >/dev/null && break
  kill -0 $server 2>/dev/null || { echo "codearena serve exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
job=$(curl -fs -H 'Content-Type: application/json' -X POST "$base/api/execute?wait=true" \
  -d '{"language":"python","code":"print(\"hello\")"}')
job_id=$(python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["state"]=="completed"; print(j["jobId"])' <<<"$job")

echo "codearena serve pid $server on $base, job $job_id; $(nproc) cores, $(uptime)"
printf '%-16s %7s %11s %10s %9s %9s\n' url threads connections req/s p50 p99
for url in /health "/api/jobs/$job_id"; do
  for threads in ${THREADS:-1 2}; do
    for connections in ${CONNECTIONS:-10 50 200}; do
      out=$(wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$base$url")
      if grep -Eq "Non-2xx|Socket errors" <<<"$out"; then
        echo "wrk saw errors on $url:" >&2
        echo "$out" >&2
      fi
      printf '%-16s %7s %11s %10s %9s %9s\n' "${url/$job_id/:id}" "$threads" "$connections" \
        "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" \
        "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
    done
  done
done
echo "after: $(uptime)"
