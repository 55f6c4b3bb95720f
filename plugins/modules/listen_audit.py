#!/usr/bin/python
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


DOCUMENTATION = r"""
module: listen_audit
short_description: List listening TCP and UDP sockets, the processes behind them and what is exposed
version_added: 0.1.0
description:
  - Reads C(/proc/net/tcp), C(/proc/net/tcp6), C(/proc/net/udp) and C(/proc/net/udp6) on the target and returns every listening
    socket, that is every TCP socket in the C(LISTEN) state and every bound UDP socket that is not connected.
  - Each socket is classed as V(loopback) (bound to 127.0.0.0/8, C(::1) or an IPv4-mapped loopback address such as
    C(::ffff:127.0.0.1)) or V(exposed) (any other address, including the wildcards C(0.0.0.0) and C(::)).
  - Each socket is mapped to the processes holding it by scanning C(/proc/PID/fd).
  - Can fail, naming every offending socket and its process, when a port in O(fail_on_exposed) is reachable beyond loopback,
    for example a Gradio app started with C(server_name="0.0.0.0") on port 7860.
  - The module only reads; it never changes the target.
author:
  - aiguard.hardening maintainers (@aiguard)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
    details:
      - The module only reads, so there is never anything to show.
options:
  proc_root:
    description:
      - Where procfs is mounted. The socket tables are read from C(PROC_ROOT/net/) and the processes from C(PROC_ROOT/PID/).
      - Only change it for testing (a copied or fake tree) or to audit a chroot that has its own procfs mounted.
    type: path
    default: /proc
  protocols:
    description:
      - Which socket tables to read. V(tcp) covers TCP over IPv4 and IPv6, V(udp) covers UDP over IPv4 and IPv6.
    type: list
    elements: str
    choices: [tcp, udp]
    default: [tcp, udp]
  ports:
    description:
      - Only return the sockets listening on these ports. RV(summary), RV(counts) and RV(exposed) then describe those sockets only.
      - If omitted or empty, every listening socket is returned.
    type: list
    elements: int
  fail_on_exposed:
    description:
      - Ports that must never be reachable beyond loopback. The module fails, naming each socket, address, port and process, if
        any socket of the selected O(protocols) listens on one of these ports on a non-loopback address.
      - Checked against every socket of the selected O(protocols), whether or not O(ports) lists the port.
    type: list
    elements: int
    default: []
notes:
  - Without root, the processes of other users cannot be seen; their sockets are still listed, with empty RV(listeners[].pids)
    and RV(listeners[].processes). Processes in another PID namespace are not seen either.
  - The tables describe the network namespace the module runs in. Sockets inside a container's own network namespace are
    not listed; ports a container runtime publishes on the host are, as the sockets of its proxy process.
  - A socket on C(::) may or may not accept IPv4 connections too (C(IPV6_V6ONLY)); the tables do not say. Either way it is
    exposed.
  - A process that exits or closes its sockets during the scan is skipped.
requirements:
  - Linux with procfs.
seealso:
  - name: The /proc/net/tcp and /proc/net/udp formats
    description: Linux kernel documentation of the socket tables this module reads.
    link: https://www.kernel.org/doc/html/latest/networking/proc_net_tcp.html
"""

EXAMPLES = r"""
---
- name: List every listening socket
  aiguard.hardening.listen_audit:
  register: audit

- name: Show the one-line summary
  ansible.builtin.debug:
    msg: "{{ audit.summary }}"

- name: Fail if the Gradio UI or the API proxy is reachable without the front door
  aiguard.hardening.listen_audit:
    fail_on_exposed: [7860, 8000]

- name: Look at the TCP sockets of the app ports only
  aiguard.hardening.listen_audit:
    protocols: [tcp]
    ports: [7860, 8188]
  register: app_ports

- name: Check the app ports without failing the play
  ansible.builtin.assert:
    that: app_ports.exposed | length == 0
    fail_msg: "Exposed beyond loopback: {{ app_ports.exposed | map(attribute='address') | unique | join(', ') }}"
"""

RETURN = r"""
listeners:
  description:
    - The listening sockets, sorted by port, protocol and address. Only those on O(ports) if it is set.
  returned: success
  type: list
  elements: dict
  contains:
    protocol:
      description: The socket table the socket was found in.
      type: str
      choices: [tcp, tcp6, udp, udp6]
      sample: tcp
    family:
      description: The address family of the socket. An IPv6 socket bound to an IPv4-mapped address is V(ipv6).
      type: str
      choices: [ipv4, ipv6]
      sample: ipv4
    address:
      description:
        - The local address, normalized. An IPv4-mapped IPv6 address (C(::ffff:a.b.c.d)) is shown as the IPv4 address and
          RV(listeners[].mapped) is V(true).
      type: str
      sample: 0.0.0.0
    port:
      description: The local port.
      type: int
      sample: 7860
    mapped:
      description: Whether the socket is an IPv6 socket bound to an IPv4-mapped address.
      type: bool
      sample: false
    wildcard:
      description: Whether the address is C(0.0.0.0) or C(::) (or its IPv4-mapped form), that is every address of the host.
      type: bool
      sample: true
    scope:
      description:
        - V(loopback) for 127.0.0.0/8, C(::1) and IPv4-mapped loopback; V(exposed) for any other address.
      type: str
      choices: [loopback, exposed]
      sample: exposed
    inode:
      description: The socket's inode number, as in C(socket:[INODE]) under C(/proc/PID/fd).
      type: int
      sample: 88996
    uid:
      description: The user ID that owns the socket.
      type: int
      sample: 0
    pids:
      description: The IDs of the processes holding the socket, ascending. Empty if none could be seen.
      type: list
      elements: int
      sample: [11368, 11409]
    processes:
      description: The distinct command names (from C(/proc/PID/comm)) of those processes, in PID order.
      type: list
      elements: str
      sample: [python3]
summary:
  description: One line for humans; it names the exposed sockets (at most 10) with their processes (C(?) if unknown).
  returned: success
  type: str
  sample: "5 listening sockets: 2 loopback-only, 3 exposed (0.0.0.0:7860 python3, [::]:22 sshd, 0.0.0.0:5353/udp avahi-daemon)"
counts:
  description: Counts of the sockets in RV(listeners).
  returned: success
  type: dict
  contains:
    total:
      description: All listening sockets.
      type: int
      sample: 5
    loopback:
      description: Sockets reachable from this host only.
      type: int
      sample: 2
    exposed:
      description: Sockets reachable beyond loopback.
      type: int
      sample: 3
    wildcard:
      description: Sockets bound to every address of the host.
      type: int
      sample: 2
    tcp:
      description: Sockets from C(/proc/net/tcp).
      type: int
      sample: 2
    tcp6:
      description: Sockets from C(/proc/net/tcp6).
      type: int
      sample: 2
    udp:
      description: Sockets from C(/proc/net/udp).
      type: int
      sample: 1
    udp6:
      description: Sockets from C(/proc/net/udp6).
      type: int
      sample: 0
exposed:
  description: The entries of RV(listeners) whose RV(listeners[].scope) is V(exposed), with the same keys.
  returned: success
  type: list
  elements: dict
  sample:
    - protocol: tcp
      family: ipv4
      address: 0.0.0.0
      port: 7860
      mapped: false
      wildcard: true
      scope: exposed
      inode: 88996
      uid: 0
      pids: [11368]
      processes: [python3]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aiguard.hardening.plugins.module_utils.procnet import (
    EXPOSED,
    ProcNetError,
    exposed_ports,
    exposure_message,
    invalid_ports,
    read_listeners,
    select_ports,
    summarize,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            proc_root=dict(type="path", default="/proc"),
            protocols=dict(type="list", elements="str", choices=["tcp", "udp"], default=["tcp", "udp"]),
            ports=dict(type="list", elements="int"),
            fail_on_exposed=dict(type="list", elements="int", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["protocols"]:
        module.fail_json(msg="protocols is empty; give tcp, udp or both")
    bad = invalid_ports((params["ports"] or []) + params["fail_on_exposed"])
    if bad:
        module.fail_json(msg=f"ports and fail_on_exposed take port numbers from 1 to 65535, not {', '.join(map(str, bad))}")
    try:
        every = read_listeners(params["proc_root"], params["protocols"])
    except ProcNetError as exc:
        module.fail_json(msg=str(exc))
    listeners = select_ports(every, params["ports"])
    counts, summary = summarize(listeners)
    result = dict(
        changed=False,
        listeners=listeners,
        summary=summary,
        counts=counts,
        exposed=[item for item in listeners if item["scope"] == EXPOSED],
    )
    offending = exposed_ports(every, params["fail_on_exposed"])
    if offending:
        module.fail_json(msg=exposure_message(offending), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
