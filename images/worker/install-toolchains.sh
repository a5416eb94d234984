#!/bin/sh
# Installs the runtime libraries of the codearena binaries (listed in runtime-packages beside
# this script) and the toolchains of the languages given (space- or comma-separated ids of
# config/languages.json, or all), then drops apt's lists.
set -eu
here=$(dirname "$0")
packages=$(cat "$here/runtime-packages")
languages=$(echo "$1" | tr ',' ' ')
[ "$languages" = all ] && languages="python javascript c cpp java"
for language in $languages; do
  case $language in
    python) packages="$packages python3" ;;
    javascript) packages="$packages nodejs" ;;
    c) packages="$packages gcc libc6-dev" ;;
    cpp) packages="$packages g++ lld" ;;
    java) packages="$packages openjdk-17-jdk-headless" ;;
    *) echo "unknown language '$language' (python, javascript, c, cpp, java or all)" >&2; exit 2 ;;
  esac
done
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# openjdk's post-installation scripts expect the manual page directories that slim images drop.
mkdir -p /usr/share/man/man1
apt-get install -y -qq --no-install-recommends $packages
apt-get clean
rm -rf /var/lib/apt/lists/*
