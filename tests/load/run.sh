#!/usr/bin/env bash
# Runs load_test.py after installing artillery outside the repository (cached).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
artillery=$("$root/tools/install-artillery.sh")
exec /usr/bin/python3 "$root/tests/load/load_test.py" "$artillery" "$@"
