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
cd "$(dirname "$0")/.."
namespace=codearena
release=codearena
helm_args=()
while (($#)); do
  case $1 in
    -n | --namespace) namespace=${2:?"$1 needs a value"}; shift 2 ;;
    -r | --release) release=${2:?"$1 needs a value"}; shift 2 ;;
    -f | --values) helm_args+=(--values "$(realpath "${2:?"$1 needs a file"}")"); shift 2 ;;
    -h | --help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) helm_args+=("$1"); shift ;;
  esac
done
command -v helm >/dev/null || { echo "tools/deploy.sh needs helm" >&2; exit 1; }
[[ -f charts/codearena/Chart.yaml ]] || { echo "no chart at charts/codearena" >&2; exit 1; }
exec helm upgrade --install "$release" charts/codearena --namespace "$namespace" \
  --create-namespace "${helm_args[@]}"
