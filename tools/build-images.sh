#!/usr/bin/env bash
# Builds the container images from binaries already built on this machine (tools/build.sh), so
# nothing is compiled twice: codearena/api, codearena/worker (every language) and
# codearena/worker-<language>, tagged with the project version. Uses podman, or docker.
#
#   tools/build-images.sh [--push] [IMAGE...]     IMAGE: api, worker, worker-python, ...
#
# (default: api, worker and every worker-<language>; `redis` builds a Redis image from Debian's
# package for machines that cannot pull one.)
# Environment: BUILD_DIR (build), BASE_IMAGE (debian:bookworm-slim; when it cannot be pulled,
# localhost/debian:bookworm-slim from tools/make-base-image.sh), DOCKER_REGISTRY (with --push:
# images are tagged <registry>/codearena/... and pushed), ENGINE (podman or docker).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=$(realpath "${BUILD_DIR:-build}")
languages=(python javascript c cpp java)
version=$(sed -n 's/^project(codearena VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
engine=${ENGINE:-$(basename "$(command -v podman || command -v docker || echo none)")}
[[ $engine != none ]] || { echo "needs podman or docker" >&2; exit 1; }

push=false
images=()
for arg in "$@"; do
  case $arg in
    --push) push=true ;;
    -h | --help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) images+=("$arg") ;;
  esac
done
((${#images[@]})) || images=(api worker "${languages[@]/#/worker-}")
known=" api worker ${languages[*]/#/worker-} redis "
for image in "${images[@]}"; do
  [[ $known == *" $image "* ]] || { echo "unknown image '$image' (${known# })" >&2; exit 2; }
done
if $push && [[ -z ${DOCKER_REGISTRY:-} ]]; then
  echo "--push needs DOCKER_REGISTRY (e.g. DOCKER_REGISTRY=registry.example.com)" >&2
  exit 2
fi
for binary in codearena codearena-full codearena-box; do
  [[ -x $build_dir/bin/$binary ]] || { echo "no $build_dir/bin/$binary: run tools/build.sh first" >&2; exit 1; }
done

base_image() {
  if [[ -n ${BASE_IMAGE:-} ]]; then echo "$BASE_IMAGE"; return; fi
  if "$engine" image inspect debian:bookworm-slim >/dev/null 2>&1 ||
     "$engine" pull -q debian:bookworm-slim >/dev/null 2>&1; then
    echo debian:bookworm-slim
    return
  fi
  "$engine" image inspect localhost/debian:bookworm-slim >/dev/null 2>&1 ||
    tools/make-base-image.sh localhost/debian:bookworm-slim >&2
  echo localhost/debian:bookworm-slim
}

# The shared libraries `ldd` lists for the binaries, one path a line (none for a static one:
# codearena and codearena-box are linked statically where libseccomp's archive is installed).
libraries() {
  local binary
  for binary in codearena codearena-full codearena-box; do
    ldd "$build_dir/bin/$binary" 2>/dev/null || true
  done | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $2 ~ /^\(0x/ {print $1}' | sort -u
}

# The Debian packages that hold those libraries (for the worker image's apt-get).
library_packages() {
  local library owner
  for library in $(libraries); do
    owner=$(dpkg -S "$(realpath "$library")" 2>/dev/null || dpkg -S "$library" 2>/dev/null ||
      dpkg -S "/usr$library" 2>/dev/null) || { echo "no package holds $library" >&2; return 1; }
    echo "${owner%%:*}"
  done | sort -u
}

# The API image's whole file tree: the stripped binary, its libraries with their symlink names,
# CA certificates, and passwd/group entries for the unprivileged user it runs as.
stage_api_root() {
  local tree=$1/api-root library
  mkdir -p "$tree/usr/local/bin" "$tree/usr/local/share/codearena" "$tree/etc/ssl/certs" "$tree/tmp"
  chmod 1777 "$tree/tmp"
  for binary in codearena codearena-full; do
    strip --strip-debug -o "$tree/usr/local/bin/$binary" "$build_dir/bin/$binary"
  done
  cp config/languages.json "$tree/usr/local/share/codearena/"
  for library in $(libraries); do
    mkdir -p "$tree$(dirname "$library")"
    cp -L "$library" "$tree$library"
  done
  cp -L /etc/ssl/certs/ca-certificates.crt "$tree/etc/ssl/certs/"
  echo 'codearena:x:65532:65532:codearena:/nonexistent:/sbin/nologin' >"$tree/etc/passwd"
  echo 'codearena:x:65532:' >"$tree/etc/group"
}

stage_worker() {
  local stage=$1
  mkdir -p "$stage/bin" "$stage/share/codearena"
  for binary in codearena codearena-full codearena-box; do
    strip --strip-debug -o "$stage/bin/$binary" "$build_dir/bin/$binary"
  done
  cp config/languages.json "$stage/share/codearena/"
  cp images/worker/install-toolchains.sh "$stage/"
  library_packages >"$stage/runtime-packages"
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
base=$(base_image)
built=()
for image in "${images[@]}"; do
  case $image in
    api)
      [[ -d $stage/api-root ]] || stage_api_root "$stage"
      args=(-f "$root/images/api/Containerfile") ;;
    worker | worker-*)
      [[ -f $stage/runtime-packages ]] || stage_worker "$stage"
      selected=${image#worker}
      selected=${selected#-}
      args=(-f "$root/images/worker/Containerfile" --build-arg "BASE_IMAGE=$base"
        --build-arg "LANGUAGES=${selected:-all}") ;;
    redis) args=(-f "$root/images/redis/Containerfile" --build-arg "BASE_IMAGE=$base") ;;
  esac
  name=codearena/$image:$version
  echo "building $name"
  # Explicit limits: podman otherwise copies the host's, which some hosts do not let it set.
  [[ $engine == podman ]] && args+=(--ulimit nofile=16384:16384 --ulimit nproc=32768:32768)
  "$engine" build -q "${args[@]}" -t "$name" -t "codearena/$image:latest" "$stage" >/dev/null
  built+=("$name")
done

for name in "${built[@]}"; do
  "$engine" image inspect --format "{{.Size}}" "$name" |
    awk -v name="$name" '{printf "%-34s %6.1f MB\n", name, $1 / 1e6}'
  if $push; then
    "$engine" tag "$name" "$DOCKER_REGISTRY/$name"
    "$engine" push "$DOCKER_REGISTRY/$name"
  fi
done
