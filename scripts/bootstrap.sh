#!/usr/bin/env bash
# Install everything the collection's lab and tests need on a fresh Debian
# (or Ubuntu) machine: the system packages with apt, the Python toolchain in
# a project virtualenv (.venv, pinned in requirements-dev.txt), and the link
# that lets Ansible find this checkout as aiguard.hardening.
# Safe to run again: it only does what is missing.
#
# Usage: scripts/bootstrap.sh [--system-only]
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# podman and runc run the systemd test hosts, debootstrap builds their
# images; the rest are podman's helpers and the tools the scripts call.
# netavark and aardvark-dns give the test networks their name resolution;
# openssh-client is how Ansible and the tests reach the hosts.
# fail2ban: the unit tests run fail2ban_jails' filters through the real
# fail2ban-regex and its configuration through fail2ban-client -t.
APT_PACKAGES=(podman runc debootstrap uidmap slirp4netns fuse-overlayfs
  netavark aardvark-dns catatonit containernetworking-plugins iptables
  openssh-client make git python3-venv python3-pip ca-certificates curl shellcheck
  fail2ban)

install_system() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} with your package manager"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install ${missing[*]}"
    sudo=sudo
  fi
  log "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq || die "apt-get update failed; check the machine's Debian mirror"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

install_python() {
  local venv=$AIGUARD_ROOT/.venv req=$AIGUARD_ROOT/requirements-dev.txt stamp want
  want=$(sha256sum "$req" | cut -d' ' -f1)
  stamp=$venv/.requirements.sha256
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "Python 3.11 or newer is needed for the Ansible controller; found $(python3 --version)"
  log "installing the Python toolchain into .venv (requirements-dev.txt)"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || die "python3 -m venv failed; install python3-venv"
  "$venv/bin/pip" install -q --upgrade pip >/dev/null
  "$venv/bin/pip" install -q -r "$req" || die "pip install -r requirements-dev.txt failed"
  printf '%s\n' "$want" >"$stamp"
}

link_collection() {
  local dir=$AIGUARD_ROOT/.cache/collections/ansible_collections/aiguard
  mkdir -p "$dir"
  ln -sfn ../../../.. "$dir/hardening"
}

install_system
[ "${1:-}" = --system-only ] && exit 0
install_python
link_collection
log "ready: .venv holds ansible $("$AIGUARD_ROOT/.venv/bin/python" -c 'import ansible_collections, importlib.metadata as m; print(m.version("ansible"))')"
