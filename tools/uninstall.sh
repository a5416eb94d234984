#!/usr/bin/env bash
# Removes a CodeArena release that tools/deploy.sh installed.
#
#   tools/uninstall.sh [-n NAMESPACE] [-r RELEASE] [HELM ARGS...]
#
# Defaults: namespace codearena, release codearena. The namespace itself is kept (other things
# may live in it), and so are volumes the chart's claims left behind, as helm keeps them.
set -euo pipefail
namespace=codearena
release=codearena
helm_args=()
while (($#)); do
  case $1 in
    -n | --namespace) namespace=${2:?"$1 needs a value"}; shift 2 ;;
    -r | --release) release=${2:?"$1 needs a value"}; shift 2 ;;
    -h | --help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) helm_args+=("$1"); shift ;;
  esac
done
command -v helm >/dev/null || { echo "tools/uninstall.sh needs helm" >&2; exit 1; }
exec helm uninstall "$release" --namespace "$namespace" "${helm_args[@]}"
