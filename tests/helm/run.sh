#!/usr/bin/env bash
# Runs one chart test script (chart_test.py, rendered_nodes_test.py) after installing helm and
# the Kubernetes schemas outside the repository (cached): run.sh SCRIPT [unittest args].
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools=$("$root/tools/install-helm-tools.sh")
script=$1
shift
exec /usr/bin/python3 "$root/tests/helm/$script" "$tools" "$@"
