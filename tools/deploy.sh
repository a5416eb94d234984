#!/usr/bin/env bash
# Installs or upgrades CodeArena on Kubernetes from charts/codearena with helm.
#
#   tools/deploy.sh [-n NAMESPACE] [-r RELEASE] [-f VALUES.yaml ...] [HELM ARGS...]
#
# NAMESPACE (default codearena) is created when missing; RELEASE defaults to codearena. Other
# arguments go to `helm upgrade --install` as they are (e.g. --set image.tag=0.1.0, --wait).
# Images: DOCKER_REGISTRY=<registry> tools/build-images.sh --push, then
# --set image.repository=<registry>/codearena here.
set -euo pipefail
source "$(dirname "$0")/release_args.sh"
# Values files are named from the caller's directory: read before moving to the repository.
release_takes_values=1 parse_release_args "$@"
cd "$(dirname "$0")/.."
command -v helm >/dev/null || { echo "tools/deploy.sh needs helm" >&2; exit 1; }
[[ -f charts/codearena/Chart.yaml ]] || { echo "no chart at charts/codearena" >&2; exit 1; }
exec helm upgrade --install "$release" charts/codearena --namespace "$namespace" \
  --create-namespace "${helm_args[@]}"
