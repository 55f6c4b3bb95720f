# shellcheck shell=bash
# Shared helpers for the lab and test scripts. Sourced, never run.

AIGUARD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export AIGUARD_ROOT

# Debian releases the collection supports, and the image names built for them.
AIGUARD_RELEASES=${AIGUARD_RELEASES:-"bookworm trixie"}
AIGUARD_BASE_IMAGE=${AIGUARD_BASE_IMAGE:-localhost/aiguard-debian}
AIGUARD_APP_IMAGE=${AIGUARD_APP_IMAGE:-localhost/aiguard-labapp}

# Podman settings of every test host (runc, ulimits): see .config/containers.conf.
export CONTAINERS_CONF=${CONTAINERS_CONF:-$AIGUARD_ROOT/.config/containers.conf}

log() { printf '%s %s\n' "[$(basename "$0")]" "$*" >&2; }
die() { printf '%s ERROR: %s\n' "[$(basename "$0")]" "$*" >&2; exit 1; }

# The extra CA bundle to trust inside test hosts, for networks whose HTTPS
# goes through a TLS-inspecting proxy: AIGUARD_EXTRA_CA_BUNDLE if set
# ("none" turns it off), else the bundle the controller's own pip is told to
# trust (PIP_CERT, REQUESTS_CA_BUNDLE), so hosts reach PyPI wherever the
# controller does. Prints the path, or nothing.
extra_ca_bundle() {
  local ca=${AIGUARD_EXTRA_CA_BUNDLE:-${PIP_CERT:-${REQUESTS_CA_BUNDLE:-}}}
  [ -n "$ca" ] && [ "$ca" != none ] || return 0
  [ -r "$ca" ] || die "extra CA bundle $ca (AIGUARD_EXTRA_CA_BUNDLE, PIP_CERT or REQUESTS_CA_BUNDLE) is not a readable file; point AIGUARD_EXTRA_CA_BUNDLE at a PEM bundle or set it to none"
  printf '%s\n' "$ca"
}

need_podman() {
  command -v podman >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "podman is missing; installing it with scripts/bootstrap.sh"
    "$AIGUARD_ROOT/scripts/bootstrap.sh" --system-only ||
      die "podman is missing and its installation failed (output above); install podman, runc and debootstrap by hand, then retry"
    command -v podman >/dev/null 2>&1 && return 0
    die "podman is still not on PATH after installing it; check PATH ($PATH)"
  fi
  die "podman is missing and cannot be installed here (needs root and apt-get); install podman, runc and debootstrap, then retry"
}
