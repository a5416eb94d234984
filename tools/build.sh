#!/usr/bin/env bash
# Configures and builds CodeArena into build/ (or $BUILD_DIR) with ninja and ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
ninja -C "$build_dir" ${TARGETS:-}
