#!/usr/bin/env bash
# Build the local test-host images (no registry is needed or used):
#   localhost/aiguard-debian:<release>  Debian minbase with systemd as PID 1
#   localhost/aiguard-labapp:<release>  the same plus the lab AI apps
# An image is reused while the label aiguard.recipe matches the hash of its
# recipe (this script, the package list, the lab apps, the extra CA bundle);
# any change to those rebuilds it.
#
# Usage: scripts/build-images.sh [base|app|all] [RELEASE...]
# Environment:
#   AIGUARD_RELEASES         releases to build (default: "bookworm trixie")
#   AIGUARD_EXTRA_CA_BUNDLE  PEM bundle from the controller to trust inside
#                            the hosts (TLS-inspecting proxies); optional
#   AIGUARD_DEBIAN_MIRROR    Debian mirror for debootstrap; default: its own
#   AIGUARD_REBUILD=1        rebuild even when the recipe is unchanged
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

what=${1:-all}
shift || true
releases=${*:-$AIGUARD_RELEASES}

# Packages of the base image: what Ansible, systemd and the tests need.
# openssh-server: tests and the lab reach their hosts over SSH, as users reach
# their servers (host keys are made at first boot, never baked in).
BASE_PACKAGES=python3,python3-apt,systemd,systemd-sysv,dbus,iproute2,sudo,ca-certificates,curl,procps,gnupg,openssh-server
APP_DIR=$AIGUARD_ROOT/lab/apps

# The recipe of an image: the code that builds it and what it puts in, so
# that only a change to those rebuilds it.
recipe_hash() { # recipe_hash base|app RELEASE
  {
    printf '%s %s %s\n' "$1" "$2" "$BASE_PACKAGES"
    declare -f build_base
    ca=$(extra_ca_bundle) && [ -n "$ca" ] && cat "$ca"
    if [ "$1" = app ]; then
      declare -f build_app
      find "$APP_DIR" -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 cat
    fi
    true
  } | sha256sum | cut -c1-16
}

image_is_current() { # image_is_current IMAGE HASH
  [ "${AIGUARD_REBUILD:-0}" = 1 ] && return 1
  local have
  have=$(podman image inspect --format '{{index .Labels "aiguard.recipe"}}' "$1" 2>/dev/null) || return 1
  [ "$have" = "$2" ]
}

build_base() { # build_base RELEASE
  local rel=$1 image=$AIGUARD_BASE_IMAGE:$1 hash rootfs ca
  hash=$(recipe_hash base "$rel")
  if image_is_current "$image" "$hash"; then
    log "$image is current (recipe $hash)"
    return 0
  fi
  command -v debootstrap >/dev/null || die "debootstrap is missing; run scripts/bootstrap.sh"
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/aiguard-rootfs-$rel.XXXXXX")
  CLEANUP+=("rm -rf $rootfs")
  log "building $image with debootstrap (about a minute)"
  # shellcheck disable=SC2086
  if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" "$rel" "$rootfs" \
      ${AIGUARD_DEBIAN_MIRROR:-} >"$rootfs.log" 2>&1; then
    tail -n 20 "$rootfs.log" >&2
    die "debootstrap of $rel failed (log above, full log in $rootfs.log); check the Debian mirror is reachable or set AIGUARD_DEBIAN_MIRROR"
  fi
  rm -f "$rootfs.log"
  # A fresh machine-id per container, no leftovers from the build.
  : >"$rootfs/etc/machine-id"
  rm -f "$rootfs/var/lib/dbus/machine-id"
  # Units that have nothing to do in a container and only add noise.
  for unit in systemd-remount-fs.service getty@tty1.service console-getty.service \
      systemd-firstboot.service; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done
  # SSH: no host keys in the image (each container makes its own when sshd
  # first starts), root by key only, no reverse DNS lookups.
  rm -f "$rootfs"/etc/ssh/ssh_host_*
  mkdir -p "$rootfs/etc/systemd/system/ssh.service.d" "$rootfs/etc/ssh/sshd_config.d"
  printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' \
    >"$rootfs/etc/systemd/system/ssh.service.d/aiguard-host-keys.conf"
  printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n' \
    >"$rootfs/etc/ssh/sshd_config.d/aiguard-test-host.conf"
  install -d -m 0700 "$rootfs/root/.ssh"
  ca=$(extra_ca_bundle)
  if [ -n "$ca" ]; then
    log "trusting the extra CA bundle $ca inside $image"
    install -m 0644 "$ca" "$rootfs/usr/local/share/ca-certificates/aiguard-extra-ca.crt"
    chroot "$rootfs" update-ca-certificates >/dev/null
  fi
  # pip inside the hosts uses the system bundle (and so the extra CA).
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$rootfs/etc/pip.conf"
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/*
  # No package lists: make them look stale so that `apt update_cache` with
  # cache_valid_time fetches them instead of trusting an empty directory.
  touch -d @0 "$rootfs/var/lib/apt/lists"
  tar -C "$rootfs" -c . | podman import \
    --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' \
    --change "LABEL aiguard.recipe=$hash" - "$image" >/dev/null ||
    die "podman import of $image failed"
  log "built $image (recipe $hash)"
}

build_app() { # build_app RELEASE
  local rel=$1 image=$AIGUARD_APP_IMAGE:$1 hash ctr
  hash=$(recipe_hash app "$rel")
  if image_is_current "$image" "$hash"; then
    log "$image is current (recipe $hash)"
    return 0
  fi
  build_base "$rel"
  ctr=aiguard-build-labapp-$rel
  podman rm -f "$ctr" >/dev/null 2>&1 || true
  CLEANUP+=("podman rm -f $ctr")
  log "building $image: lab apps and their Python environment (a few minutes)"
  podman run --name "$ctr" \
    -v "$APP_DIR:/src:ro" "$AIGUARD_BASE_IMAGE:$rel" /bin/bash /src/install.sh >&2 ||
    die "installing the lab apps into $image failed (output above); the base image $AIGUARD_BASE_IMAGE:$rel is untouched"
  podman commit --change 'CMD ["/sbin/init"]' --change "LABEL aiguard.recipe=$hash" \
    "$ctr" "$image" >/dev/null || die "podman commit of $image failed"
  log "built $image (recipe $hash)"
}

# Throw-away rootfs directories and build containers go whatever happens.
CLEANUP=()
cleanup() { local c; for c in "${CLEANUP[@]}"; do $c >/dev/null 2>&1 || true; done; }
trap cleanup EXIT

need_podman
for rel in $releases; do
  case $what in
    base) build_base "$rel" ;;
    app) build_app "$rel" ;;
    all) build_base "$rel"; build_app "$rel" ;;
    *) die "unknown image kind '$what'; use base, app or all" ;;
  esac
done
