#!/usr/bin/env bash
# Installs the Debian bookworm packages CodeArena builds and runs with (as root).
# Does nothing when they are all present already.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libseccomp-dev nlohmann-json3-dev catch2 libcurl4-openssl-dev
  libcaf-dev librestinio-dev libasio-dev libfmt-dev libhiredis-dev libssl-dev openssl redis-server
  libjwt-dev python3-jwt python3-cryptography
  python3 nodejs openjdk-17-jdk-headless lld
  wrk unzip python3-yaml tmux
  prometheus prometheus-alertmanager gettext-base
  podman runc podman-compose mmdebstrap
  # Names of compose services resolve in their network only with a DNS plugin, which podman
  # merely recommends: aardvark-dns for netavark, dnsname for CNI (podman keeps the backend it
  # first used on a host).
  netavark aardvark-dns golang-github-containernetworking-plugin-dnsname
)
# Debian's nodejs comes without npm (the helm and load-test tools are npm packages); a Node.js
# that ships its own npm must keep it, as Debian's npm package would conflict with it.
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # openjdk's post-installation scripts expect the manual page directories that slim systems
  # (containers made from debian:bookworm-slim) drop.
  mkdir -p /usr/share/man/man1
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
