#!/usr/bin/env bash
# The lab fleet: real Debian hosts with systemd, as Podman containers on one
# Podman network, described by inventories/lab (every host with a
# `lab_image`). Each AI app host runs the lab apps exposed, as users deploy
# them today. Ansible reaches the hosts over SSH, at their inventory address
# (`ansible_host`, in the network's `lab_subnet`), as root with the lab's own
# key (.cache/lab/id_ed25519, made on first use; its public half is mounted
# as root's authorized_keys).
#
# Usage: scripts/lab.sh up|down|status
# Environment: AIGUARD_LAB_INVENTORY (default inventories/lab),
#              AIGUARD_LAB_BOOT_TIMEOUT seconds (default 180)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

INVENTORY=${AIGUARD_LAB_INVENTORY:-$AIGUARD_ROOT/inventories/lab}
BOOT_TIMEOUT=${AIGUARD_LAB_BOOT_TIMEOUT:-180}
VENV=$AIGUARD_ROOT/.venv
LABEL=aiguard.lab=1
KEY_DIR=$AIGUARD_ROOT/.cache/lab
KEY=$KEY_DIR/id_ed25519

# Prints "name|image|network|port,port|address|subnet" for every lab host of
# the inventory (address and subnet may be empty: podman then picks them).
lab_hosts() {
  [ -x "$VENV/bin/ansible-inventory" ] || die "the toolchain is missing; run scripts/bootstrap.sh first"
  "$VENV/bin/ansible-inventory" -i "$INVENTORY" --list 2>/dev/null | "$VENV/bin/python" -c '
import json, sys
inv = json.load(sys.stdin)
for name, hv in sorted(inv.get("_meta", {}).get("hostvars", {}).items()):
    if hv.get("lab_image"):
        print("|".join([name, hv["lab_image"], hv.get("lab_network", "aiguard-lab"),
                        ",".join(hv.get("lab_published_ports", [])),
                        hv.get("ansible_host", ""), hv.get("lab_subnet", "")]))
' || die "cannot read the lab inventory $INVENTORY"
}

is_ours() { [ "$(podman container inspect --format '{{index .Config.Labels "aiguard.lab"}}' "$1" 2>/dev/null)" = 1 ]; }

port_in_use() { # port_in_use ADDR PORT
  "$VENV/bin/python" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(0)
sys.exit(1)
PY
}

# Refuse, before creating anything, names and ports that something else holds.
preflight() {
  local name image net ports spec addr hport problems=()
  while IFS='|' read -r name image net ports _; do
    if podman container exists "$name" && ! is_ours "$name"; then
      problems+=("container name $name is taken by a container the lab did not create (remove or rename it: podman rm -f $name)")
    fi
    if ! podman container exists "$name"; then
      for spec in ${ports//,/ }; do
        IFS=: read -r addr hport _ <<<"$spec"
        port_in_use "$addr" "$hport" &&
          problems+=("port $addr:$hport for $name is already in use (free it or change lab_published_ports in $INVENTORY)")
      done
    fi
  done < <(lab_hosts)
  if [ ${#problems[@]} -gt 0 ]; then
    printf '[lab.sh] ERROR: %s\n' "${problems[@]}" >&2
    die "nothing was created"
  fi
}

# The options every SSH call to a lab host uses; the lab's own known_hosts
# file learns each new host's key (made at its first boot).
ssh_opts() {
  printf '%s\n' -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5 \
    -o StrictHostKeyChecking=accept-new -o "UserKnownHostsFile=$KEY_DIR/known_hosts"
}

wait_ready() { # wait_ready NAME [ADDRESS]
  local name=$1 addr=${2:-} deadline state
  deadline=$((SECONDS + BOOT_TIMEOUT))
  until state=$(podman exec "$name" systemctl is-system-running 2>/dev/null) &&
      [ "$state" = running ]; do
    if [ $SECONDS -ge $deadline ]; then
      podman exec "$name" systemctl --failed --no-legend >&2 || true
      return 1
    fi
    sleep 2
  done
  # The lab apps answer on loopback (Gradio takes a few seconds to import).
  local unit url
  for unit in aiguard-lab-gradio:http://127.0.0.1:7860/ aiguard-lab-apiproxy:http://127.0.0.1:3002/health; do
    url=${unit#*:}
    podman exec "$name" systemctl cat "${unit%%:*}.service" >/dev/null 2>&1 || continue
    until podman exec "$name" curl -fs -o /dev/null "$url" 2>/dev/null; do
      [ $SECONDS -ge $deadline ] && { log "$name: nothing answers on $url"; return 1; }
      sleep 2
    done
  done
  [ -n "$addr" ] || return 0
  local opts
  mapfile -t opts < <(ssh_opts)
  until ssh -n "${opts[@]}" "root@$addr" true 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && { log "$name: no SSH login at root@$addr"; return 1; }
    sleep 1
  done
}

up() {
  need_podman
  local hosts name image net ports addr subnet spec created=() nets=() args
  hosts=$(lab_hosts)
  [ -n "$hosts" ] || die "no host in $INVENTORY has a lab_image"
  preflight
  "$AIGUARD_ROOT/scripts/build-images.sh" all
  mkdir -p "$KEY_DIR"
  [ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C "aiguard lab" -f "$KEY" || die "cannot make the lab's SSH key $KEY"
  while IFS='|' read -r name image net ports addr subnet; do
    if ! podman network exists "$net"; then
      podman network create ${subnet:+--subnet "$subnet"} "$net" >/dev/null ||
        die "cannot create the podman network $net${subnet:+ with subnet $subnet (is it used by another network? podman network ls)}"
      nets+=("$net")
    fi
    if podman container exists "$name"; then
      podman start "$name" >/dev/null
      log "$name: already there, started"
      continue
    fi
    # Like a small VM: ufw needs NET_ADMIN/NET_RAW, listen_audit SYS_PTRACE, and
    # upload_guard SYS_ADMIN (its noexec bind mount and sandboxed services).
    args=(--detach --pull=never --name "$name" --hostname "$name" --network "$net" --label "$LABEL"
      --cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_PTRACE --cap-add SYS_ADMIN --systemd=always
      --volume "$KEY.pub:/root/.ssh/authorized_keys:ro")
    if [ -n "$addr" ]; then args+=(--ip "$addr"); fi
    for spec in ${ports//,/ }; do args+=(--publish "$spec"); done
    if ! podman run "${args[@]}" "$image" /sbin/init >/dev/null; then
      log "creating $name failed; removing the hosts this run created: ${created[*]:-none}"
      for name in "${created[@]}"; do podman rm -f "$name" >/dev/null 2>&1 || true; done
      for net in "${nets[@]}"; do podman network rm "$net" >/dev/null 2>&1 || true; done
      die "lab not created (see podman's message above); nothing of this run is left behind"
    fi
    created+=("$name")
    # A new host has new host keys.
    if [ -n "$addr" ] && [ -f "$KEY_DIR/known_hosts" ]; then
      ssh-keygen -q -f "$KEY_DIR/known_hosts" -R "$addr" >/dev/null 2>&1 || true
    fi
  done <<<"$hosts"
  while IFS='|' read -r name _ _ _ addr _; do
    wait_ready "$name" "$addr" || die "$name did not come up within ${BOOT_TIMEOUT}s; inspect it with 'podman exec -it $name bash' and remove the lab with 'make lab-down'"
    log "$name: systemd running, apps answering${addr:+, SSH at root@$addr}"
  done <<<"$hosts"
  status
}

down() {
  command -v podman >/dev/null || { log "podman is not installed: no lab to remove"; return 0; }
  local name net
  while read -r name; do
    [ -n "$name" ] || continue
    podman rm -f -t 5 "$name" >/dev/null && log "removed $name"
  done < <(podman ps -a --filter "label=$LABEL" --format '{{.Names}}')
  for net in $(lab_hosts | cut -d'|' -f3 | sort -u); do
    if podman network exists "$net"; then
      if podman network rm "$net" >/dev/null 2>&1; then
        log "removed network $net"
      else
        log "network $net is still used by other containers; left in place"
      fi
    fi
  done
}

status() {
  command -v podman >/dev/null || die "podman is not installed"
  podman ps -a --filter "label=$LABEL" \
    --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}\t{{.Ports}}'
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: scripts/lab.sh up|down|status" ;;
esac
