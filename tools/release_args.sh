# The arguments tools/deploy.sh and tools/uninstall.sh share, sourced by both.
#
# parse_release_args ARGS...: sets `namespace` and `release` (-n, -r; both default to
# codearena) and `helm_args` (every other argument, in order, for helm). -f/--values FILE is
# taken only when `release_takes_values` is set, as --values with FILE made absolute from the
# caller's directory. -h prints the calling script's header comment and exits 0.
parse_release_args() {
  namespace=codearena
  release=codearena
  helm_args=()
  while (($#)); do
    case $1 in
      -n | --namespace) namespace=${2:?"$1 needs a value"}; shift 2 ;;
      -r | --release) release=${2:?"$1 needs a value"}; shift 2 ;;
      -f | --values)
        if [[ -z ${release_takes_values:-} ]]; then helm_args+=("$1"); shift; continue; fi
        helm_args+=(--values "$(realpath "${2:?"$1 needs a file"}")"); shift 2 ;;
      -h | --help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
      *) helm_args+=("$1"); shift ;;
    esac
  done
}
