#!/usr/bin/env bash
# Removes a CodeArena release that tools/deploy.sh installed.
#
#   tools/uninstall.sh [-n NAMESPACE] [-r RELEASE] [HELM ARGS...]
#
# Defaults: namespace codearena, release codearena. The namespace itself is kept (other things
# may live in it), and so are volumes the chart's claims left behind, as helm keeps them.
set -euo pipefail
source "$(dirname "$0")/release_args.sh"
parse_release_args "$@"
command -v helm >/dev/null || { echo "tools/uninstall.sh needs helm" >&2; exit 1; }
exec helm uninstall "$release" --namespace "$namespace" "${helm_args[@]}"
