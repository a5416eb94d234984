#!/usr/bin/env bash
# README's second command: install what is needed, build, and run every test (as root).
# The unit, cluster and API tests also run built with AddressSanitizer and
# UndefinedBehaviorSanitizer (the API tests then drive a sanitized `codearena serve`; SANITIZE=0
# skips all that); the full suite runs last, so its summary closes the output.
# The container test (ctest label `containers`, docs/containers.md) runs when podman and
# podman-compose are present, as install-deps.sh makes them; CONTAINER_TESTS=0 leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
containers=OFF
if [[ ${CONTAINER_TESTS:-1} == 1 ]] && command -v podman >/dev/null && command -v podman-compose >/dev/null; then
  containers=ON
fi
tools/build.sh -DCODEARENA_CONTAINER_TESTS=$containers
if [[ ${SANITIZE:-1} == 1 ]]; then
  BUILD_DIR=build-asan BUILD_TYPE=Debug \
    TARGETS="unit_tests metrics_dump cluster_tests codearena codearena-box" \
    tools/build.sh -DCODEARENA_SANITIZE=ON
  ctest --test-dir build-asan --output-on-failure -j2 --timeout 600 -R '^(unit|cluster|api):'
fi
ctest --test-dir build --output-on-failure -j2 --timeout 300
