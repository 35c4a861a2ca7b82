# Shared by the Bootstrap scripts: system packages, the Swift toolchain, timing.
# Sourced, not run.

# The Debian packages Tradewind builds and tests with.
TRADEWIND_APT_PACKAGES=(libsodium-dev liblmdb-dev pkg-config python3-venv iproute2 iptables procps)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

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

# phase NAME COMMAND...: runs a command and records its wall time.
PHASE_REPORT=()
phase() {
  local name="$1"; shift
  local start end
  start=$(date +%s)
  log "phase: $name"
  "$@"
  end=$(date +%s)
  PHASE_REPORT+=("$(printf '%-34s %5d s' "$name" $((end - start)))")
  log "phase $name done in $((end - start)) s"
}

print_phase_report() {
  echo
  log "phase durations"
  printf '  %s\n' "${PHASE_REPORT[@]}"
}
