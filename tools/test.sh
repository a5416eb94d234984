#!/usr/bin/env bash
# README's second command: install what is needed, build, and run every test (as root).
# Then rebuilds the unit tests with AddressSanitizer and UndefinedBehaviorSanitizer and runs
# them too (SANITIZE=0 skips that step).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 300
if [[ ${SANITIZE:-1} == 1 ]]; then
  BUILD_DIR=build-asan BUILD_TYPE=Debug TARGETS=unit_tests tools/build.sh -DCODEARENA_SANITIZE=ON
  ctest --test-dir build-asan --output-on-failure -j2 --timeout 300 -R '^unit:'
fi
