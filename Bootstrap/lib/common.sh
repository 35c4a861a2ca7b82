# Shared by the Bootstrap scripts: system packages, the Swift toolchain, timing.
# Sourced, not run.

# The Debian packages Tradewind builds and tests with.
TRADEWIND_APT_PACKAGES=(libsodium-dev liblmdb-dev pkg-config python3-venv iproute2 iptables procps)

# Release builds: optimised, with full cross-module optimisation so that the generic
# seams between modules (state views, byte sources, endpoints) are specialised. The
# manifest carries no unsafe flags (other packages depend on Tradewind by version),
# so the flag is passed here; every release build and test uses the same flags, or
# SwiftPM rebuilds from scratch (docs/PERFORMANCE.md, "Specialisation").
TRADEWIND_RELEASE=(-c release -Xswiftc -cross-module-optimization)
# Bootstrap/test also builds the tests in release mode, and some import the CLI with
# @testable, which needs -enable-testing; it sets TRADEWIND_RELEASE_TESTING=1 so that
# every release build of its run (chaos's, the newcomer's) uses the same flags.
if [ -n "${TRADEWIND_RELEASE_TESTING:-}" ]; then
  TRADEWIND_RELEASE+=(-Xswiftc -enable-testing)
fi

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
# die MESSAGE: says what is wrong, runs the script's on_failure report (which the ERR
# trap does not, as `exit` is no failed command) unless it already ran, and exits 1.
# Inside $(…) the caller's failed substitution runs the report, once.
die() {
  printf 'error: %s\n' "$*" >&2
  if [ "$BASH_SUBSHELL" -eq 0 ] && [ -z "${FAILURE_REPORTED:-}" ]; then
    FAILURE_REPORTED=1
    if declare -F on_failure >/dev/null; then on_failure >&2 || true; fi
  fi
  exit 1
}

# trap_failures: from here on, a command that makes the script exit (set -e) first
# says which command failed, with what status, where, and through which functions,
# then runs the script's on_failure function if it defines one. A Bootstrap script
# never exits with a bare status and no word.
trap_failures() {
  set -E
  trap 'report_failure "$?" "$BASH_COMMAND" "$LINENO" "${BASH_SOURCE[0]:-$0}"' ERR
}

report_failure() {
  local status="$1" command="$2" line="$3" file="$4" where i
  # Inside $(…) the caller reports the failed substitution as a whole, once.
  [ "$BASH_SUBSHELL" -eq 0 ] || return 0
  [ -z "${FAILURE_REPORTED:-}" ] || return 0
  FAILURE_REPORTED=1
  where="$file line $line"
  for ((i = 1; i < ${#FUNCNAME[@]} - 1; i++)); do
    where+=", in ${FUNCNAME[$i]} (called from ${BASH_SOURCE[$((i + 1))]} line ${BASH_LINENO[$i]})"
  done
  # A function that returned non-zero shows up as `return N`: name the line that called it.
  if [[ "$command" == return* ]] && [ -f "$file" ]; then
    command=$(sed -n "${line}{s/^[[:space:]]*//;p}" "$file")
  fi
  printf 'error: `%s` failed with status %s at %s\n' "$command" "$status" "$where" >&2
  if declare -F on_failure >/dev/null; then on_failure >&2 || true; fi
}

# json_get PATH: the field at PATH (dots between keys and list indexes: height,
# receipt.result, 0.state) of the JSON on stdin; nothing when the input is not
# JSON or lacks the field (a peer that is not up, an error object). Never fails.
json_get() {
  python3 -c '
import json, sys
try:
    value = json.load(sys.stdin)
    for key in sys.argv[1].split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
except Exception:
    sys.exit(0)
print(value if isinstance(value, str) else json.dumps(value))' "$1" 2>/dev/null || true
}

# json_number KEY: the whole number under KEY (the first such key, at any depth; a
# number or a string of digits) in the JSON on stdin; nothing if there is none. In
# bash alone, for loops that ask many times (json_get starts Python each time).
json_number() {
  local json pattern="\"$1\"[[:space:]]*:[[:space:]]*\"?([0-9]+)"
  json=$(cat)
  if [[ "$json" =~ $pattern ]]; then echo "${BASH_REMATCH[1]}"; fi
}

# running_height: the height in a `tradewind status --json` on stdin from a running peer;
# nothing for a stopped peer's store (what status reads while the API is not up) or an error.
running_height() {
  local json pattern="\"running\"[[:space:]]*:[[:space:]]*\"?false"
  json=$(cat)
  [[ "$json" =~ $pattern ]] || json_number height <<<"$json"
}

# process_alive PID: whether PID is a running process. A zombie (exited, not yet
# reaped: a peer started with nohup is reparented to PID 1, and a container's PID 1
# may never reap) answers `kill -0` but has stopped.
process_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  # The state follows the command name, which is in parentheses and may hold spaces.
  state=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# ports_in_use FIRST COUNT: which of the ports FIRST … FIRST+COUNT-1 something
# already listens on (TCP or UDP), one per line; nothing if `ss` is missing.
ports_in_use() {
  command -v ss >/dev/null || return 0
  ss -Hlnut 2>/dev/null | awk -v first="$1" -v last="$(($1 + $2 - 1))" \
    '{ n = split($5, parts, ":"); port = parts[n] + 0; if (port >= first && port <= last) print port }' | sort -nu
}

# tradewind_link_dir: where Bootstrap/dev puts the `tradewind` link — TRADEWIND_DEV_LINK_DIR,
# else /usr/local/bin as root, else ~/.local/bin.
tradewind_link_dir() {
  if [ -n "${TRADEWIND_DEV_LINK_DIR:-}" ]; then
    echo "$TRADEWIND_DEV_LINK_DIR"
  elif [ "$(id -u)" -eq 0 ]; then
    echo /usr/local/bin
  else
    echo "$HOME/.local/bin"
  fi
}

# Installs missing system packages (needs root and apt-get).
install_system_packages() {
  local missing=()
  for package in "${TRADEWIND_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "system packages present: ${TRADEWIND_APT_PACKAGES[*]}"
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} with your package manager"
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root (run as root or with sudo)"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What the container phase (Bootstrap/docker-mesh test) needs: a Docker engine and a
# client that builds with BuildKit, debootstrap for the base image, compose.
TRADEWIND_CONTAINER_PACKAGES=(docker.io debootstrap docker-compose)

# Installs the container packages that are missing, as root with apt-get; an engine or
# compose installed some other way (docker-ce, the compose plugin) is used as it is,
# never replaced. Elsewhere it says why not and leaves the container phase to skip.
install_container_packages() {
  local missing=()
  if ! command -v dockerd >/dev/null && ! docker info >/dev/null 2>&1; then missing+=(docker.io); fi
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if ! command -v docker-compose >/dev/null && ! docker compose version >/dev/null 2>&1; then missing+=(docker-compose); fi
  if [ ${#missing[@]} -eq 0 ]; then
    log "container packages present (a Docker engine, debootstrap, compose)"
    return
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "not installing ${missing[*]} (needs root and apt-get): the container phase may skip"
    return
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Puts a Swift 6 toolchain on PATH or explains how to get one.
require_swift() {
  if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="$PATH:/opt/swift/usr/bin"
  fi
  command -v swift >/dev/null || die "Swift 6 toolchain not found: install it from swift.org (tarball for Debian 12) into /opt/swift"
  local version
  version=$(swift --version 2>/dev/null | grep -o 'Swift version [0-9.]*' | head -n1)
  case "$version" in
    "Swift version 6"*) ;;
    *) die "Swift 6 is required, found '${version:-unknown}'" ;;
  esac
}

# phase NAME COMMAND...: runs a command and records its wall time. With
# TRADEWIND_TEST_ONLY=REGEX (extended), only the phases whose names match run; the
# others are reported as skipped.
PHASE_REPORT=()
phase() {
  local name="$1"; shift
  local start end
  if [ -n "${TRADEWIND_TEST_ONLY:-}" ] && ! [[ "$name" =~ $TRADEWIND_TEST_ONLY ]]; then
    PHASE_REPORT+=("$(printf '%-48s %7s' "$name" skipped)")
    return 0
  fi
  start=$(date +%s)
  log "phase: $name"
  "$@"
  end=$(date +%s)
  PHASE_REPORT+=("$(printf '%-48s %5d s' "$name" $((end - start)))")
  log "phase $name done in $((end - start)) s"
}

print_phase_report() {
  echo
  log "phase durations"
  printf '  %s\n' "${PHASE_REPORT[@]}"
}
