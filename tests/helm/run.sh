#!/usr/bin/env bash
# The chart tests: installs helm and the Kubernetes schemas outside the repository (cached),
# then lints, renders and checks charts/codearena (chart_test.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools=$("$root/tools/install-helm-tools.sh")
exec /usr/bin/python3 "$root/tests/helm/chart_test.py" "$tools"
