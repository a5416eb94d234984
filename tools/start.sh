#!/usr/bin/env bash
# README's first command: install what is needed, build, and start CodeArena.
# With no arguments it checks the node by running a program in the sandbox; any arguments are
# passed to the codearena command instead (e.g. `tools/start.sh run -- /bin/ls /`).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
if (($#)); then
  exec build/bin/codearena "$@"
fi
exec build/bin/codearena run -- /bin/sh -c 'echo "hello from the CodeArena sandbox: $(id -un) in $(pwd) on $(hostname)"'
