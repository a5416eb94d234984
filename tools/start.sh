#!/usr/bin/env bash
# README's first command: install what is needed, build, and start CodeArena.
# With no arguments it starts the service (`codearena serve`: one node, every role, job state in
# memory, port $PORT or 3001); any arguments are passed to the codearena command instead
# (e.g. `tools/start.sh run -- /bin/ls /`).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
if (($#)); then
  exec build/bin/codearena "$@"
fi
exec build/bin/codearena serve
