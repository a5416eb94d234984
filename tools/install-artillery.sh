#!/usr/bin/env bash
# Installs artillery, the HTTP load generator that runs load/load-test.yml, outside the
# repository: the npm package at a pinned version, the last one that runs on Node.js 18 and 20
# (later ones need 22). Prints the path of the artillery executable. ARTILLERY_DIR overrides the
# cache directory.
set -euo pipefail

dir=${ARTILLERY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/codearena-artillery}
package=artillery@2.0.21

mkdir -p "$dir"
# Tests that run at once install once.
exec 9>"$dir/.lock"
flock 9
if [[ ! -x $dir/node_modules/.bin/artillery || ! -f $dir/.installed ||
      $(cat "$dir/.installed") != "$package" ]]; then
  # Its browser engine (playwright) would download browsers; the HTTP engine needs none.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$package" >&2
  echo "$package" > "$dir/.installed"
fi
echo "$dir/node_modules/.bin/artillery"
