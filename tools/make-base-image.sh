#!/usr/bin/env bash
# Makes the images' base, localhost/debian:bookworm-slim, from Debian's packages with mmdebstrap,
# for machines that cannot pull debian:bookworm-slim. It uses this machine's apt sources, so it
# works wherever `apt-get install` does. Run as root; needs mmdebstrap and podman or docker.
# Usage: tools/make-base-image.sh [IMAGE]   (default localhost/debian:bookworm-slim)
set -euo pipefail
image=${1:-localhost/debian:bookworm-slim}
engine=$(command -v podman || command -v docker) || { echo "needs podman or docker" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 1; }

sources=()
for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -s $file ]] && sources+=("$file")
done
((${#sources[@]})) || { echo "no apt sources in /etc/apt" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# minbase: essential packages and apt only, like the slim image; no documentation or locales.
mmdebstrap --variant=minbase --quiet \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  bookworm "$work/rootfs.tar" "${sources[@]}"
"$engine" import --change 'CMD ["/bin/bash"]' "$work/rootfs.tar" "$image"
echo "made $image"
