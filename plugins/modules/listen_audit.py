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
  - Reads C(/proc/net/tcp), C(/proc/net/tcp6), C(/proc/net/udp) and C(/proc/net/udp6) on the target and returns every
    listening socket, that is every TCP socket in the C(LISTEN) state and every bound UDP socket that is not connected.
  - Each socket is classed as V(loopback) (bound to 127.0.0.0/8, C(::1) or an IPv4-mapped loopback address such as
    C(::ffff:127.0.0.1)) or V(exposed) (any other address, including the wildcards C(0.0.0.0) and C(::)).
  - Each socket is mapped to the processes holding it by scanning C(/proc/PID/fd).
  - Can fail, naming every offending socket and its process, when a port in O(fail_on_exposed) is reachable beyond
    loopback, for example a Gradio app started with C(server_name="0.0.0.0") on port 7860.
  - Firewall-aware. With ufw enabled (see O(firewall)), each socket is also classed by who can reach it
    (RV(listeners[].exposure)) from ufw's rules in C(/etc/ufw/user.rules) and C(/etc/ufw/user6.rules) and its default
    incoming policy. V(loopback) - bound to loopback only. V(allowed) - exposed, and the firewall lets some networks
    reach it (RV(listeners[].allowed_from)). V(blocked) - exposed, but no rule lets anyone reach it; still a risk if the
    firewall is ever off. V(everyone) - exposed and reachable from anywhere, because a rule allows any source or
    because no firewall is enabled.
  - With O(allowlist), fails, naming the socket and the extra networks, when a port is reachable from networks
    beyond its allowlist; for example a Gradio app on C(0.0.0.0:7860) with no firewall rule for it and no firewall.
  - The module only reads; it never changes the target.
author:
  - aiguard.hardening maintainers (@aiguard)
extends_documentation_fragment:
  - aiguard.hardening.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
    details:
      - The module only reads, so there is never anything to show.
options:
  proc_root:
    description:
      - Where procfs is mounted. The socket tables are read from C(PROC_ROOT/net/) and the processes from
        C(PROC_ROOT/PID/).
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
      - Only return the sockets listening on these ports. RV(summary), RV(counts) and RV(exposed) then describe those
        sockets only.
      - If omitted or empty, every listening socket is returned.
    type: list
    elements: int
  fail_on_exposed:
    description:
      - Ports that must never be reachable beyond loopback. The module fails, naming each socket, address, port and
        process, if any socket of the selected O(protocols) listens on one of these ports on a non-loopback address.
      - Checked against every socket of the selected O(protocols), whether or not O(ports) lists the port.
    type: list
    elements: int
    default: []
  firewall:
    description:
      - Which firewall's rules classify the sockets. V(auto) reads ufw's rules when ufw is enabled (C(ENABLED=yes) in
        C(/etc/ufw/ufw.conf)) and otherwise treats every exposed socket as reachable by everyone; so it does, with a
        warning, when the rules cannot be read (ufw makes them readable by root only). V(ufw) does the same but fails if
        ufw is not installed or its rules cannot be read. V(none) ignores any firewall.
    type: str
    choices: [auto, ufw, none]
    default: auto
  firewall_root:
    description:
      - The directory under which C(etc/ufw/) and C(etc/default/ufw) are read. Only change it for testing or to audit a
        chroot.
    type: path
    default: /
  allowlist:
    description:
      - The networks allowed to reach each port. The module fails if a socket on a listed port is reachable (per
        RV(listeners[].allowed_from)) from any network that is not inside one of the port's O(allowlist[].sources).
      - A port that is not listed is not judged. A listed port with no sources must not be reachable from anywhere
        (loopback only, or blocked by the firewall).
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description: The port.
        type: int
        required: true
      proto:
        description: The protocol.
        type: str
        choices: [tcp, udp]
        default: tcp
      sources:
        description: Networks (CIDR) or addresses allowed to reach the port. V(any) allows everyone.
        type: list
        elements: str
        default: []
notes:
  - Without root, the processes of other users cannot be seen; their sockets are still listed, with empty
    RV(listeners[].pids) and RV(listeners[].processes). Processes in another PID namespace are not seen either.
  - The tables describe the network namespace the module runs in. Sockets inside a container's own network namespace are
    not listed; ports a container runtime publishes on the host are, as the sockets of its proxy process.
  - A socket on C(::) may or may not accept IPv4 connections too (C(IPV6_V6ONLY)); the tables do not say. Either way it
    is exposed, and it is judged against the IPv4 and the IPv6 rules.
  - The firewall classification reads ufw's configuration files, not the kernel's tables. It errs on the side of
    exposure. An allowing rule counts even when it only applies on one interface, to one destination address or from
    one source port; a blocking rule only counts when it applies to every interface, destination and source port.
  - With C(IPV6=no) in C(etc/default/ufw), ufw drops every IPv6 packet except on loopback and ignores
    C(user6.rules) and the default policy for IPv6, so an enabled ufw blocks a socket's IPv6 side whatever those say.
    ufw does not touch IPv6 at all when C(ip6tables) does not work in the kernel; these files do not show that.
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

- name: Fail if the Gradio app is reachable from more than the analysts' network
  aiguard.hardening.listen_audit:
    ports: [7860]
    allowlist:
      - port: 7860
        sources: [198.51.100.0/24]
  register: gradio

- name: Show who can reach it
  ansible.builtin.debug:
    msg: "{{ gradio.listeners | map(attribute='exposure') | list }}
      from {{ gradio.listeners | map(attribute='allowed_from') | list }}"

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
        - The local address, normalized. An IPv4-mapped IPv6 address (C(::ffff:a.b.c.d)) is shown as the IPv4 address
          and RV(listeners[].mapped) is V(true).
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
      description: Whether the address is C(0.0.0.0) or C(::) (or its IPv4-mapped form), that is every
        address of the host.
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
    exposure:
      description:
        - Who can reach the socket. V(loopback) - this host only. V(allowed) - the networks in
          RV(listeners[].allowed_from). V(blocked) - nobody through the enabled firewall. V(everyone) - anyone, because
          a firewall rule allows any source or because no firewall is enabled (or O(firewall=none)).
      type: str
      choices: [loopback, allowed, blocked, everyone]
      sample: allowed
    allowed_from:
      description:
        - The source networks that can reach the socket; C(0.0.0.0/0) and C(::/0) mean everyone. Empty for loopback and
          blocked sockets.
      type: list
      elements: str
      sample: [198.51.100.0/24]
summary:
  description: One line for humans; it names the exposed sockets (at most 10) with their processes (C(?) if unknown).
  returned: success
  type: str
  sample: "5 listening sockets: 2 loopback-only, 3 exposed (0.0.0.0:7860 python3, [::]:22 sshd,
    0.0.0.0:5353/udp avahi-daemon)"
firewall:
  description: The firewall whose rules classified the sockets, and its state.
  returned: success
  type: str
  sample: ufw (enabled)
beyond_allowlist:
  description: The sockets on O(allowlist) ports reachable from networks beyond their allowlist.
  returned: success
  type: list
  elements: dict
  contains:
    port:
      description: The port.
      type: int
      sample: 7860
    protocol:
      description: The socket table.
      type: str
      sample: tcp
    address:
      description: The local address.
      type: str
      sample: 0.0.0.0
    extra:
      description: The networks that can reach it but are not in its allowlist.
      type: list
      elements: str
      sample: [0.0.0.0/0]
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
    allowed:
      description: Exposed sockets the firewall opens to some networks only.
      type: int
      sample: 1
    blocked:
      description: Exposed sockets the firewall opens to nobody.
      type: int
      sample: 1
    everyone:
      description: Exposed sockets anyone can reach.
      type: int
      sample: 1
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
      exposure: everyone
      allowed_from: [0.0.0.0/0]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aiguard.hardening.plugins.module_utils.procnet import (
    EXPOSED,
    ProcNetError,
    endpoint,
    exposed_ports,
    exposure_message,
    invalid_ports,
    read_listeners,
    select_ports,
    summarize,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.ufwrules import (
    ALLOWED,
    BLOCKED,
    EVERYONE,
    UfwError,
    beyond_allowlist,
    classify_listener,
    network_problem,
    read_state,
)


def firewall_state(module, choice, root):
    """``(FirewallState or None, description)`` for the firewall option."""
    if choice == "none":
        return None, "none (firewall=none)"
    try:
        state = read_state(root)
    except UfwError as exc:
        if choice == "ufw":
            module.fail_json(msg=f"{exc} (run as root, or use firewall=none)")
        # auto: judge without the firewall, as before, and say why.
        module.warn(f"{exc}; every exposed socket is judged as reachable by everyone (run as root to read ufw's rules)")
        return None, "unknown (ufw's rules not readable)"
    if not state.installed:
        if choice == "ufw":
            module.fail_json(msg=f"firewall=ufw but ufw is not installed (no etc/default/ufw or etc/ufw under {root})")
        return None, "none (ufw not installed)"
    if not state.enabled:
        return None, "ufw (disabled)"
    return state, "ufw (enabled)"


def allowlist_index(module, allowlist):
    """{(port, proto): [networks]} from the allowlist option, every entry checked."""
    index = {}
    problems = []
    for number, entry in enumerate(allowlist):
        if not 0 < entry["port"] < 65536:
            problems.append(f"allowlist[{number}].port: {entry['port']} is not a port from 1 to 65535")
        nets = []
        for place, source in enumerate(entry["sources"]):
            problem = network_problem(f"allowlist[{number}].sources[{place}]", source)
            if problem:
                problems.append(problem)
            elif source.strip().lower() in ("any", "anywhere"):
                nets += ["0.0.0.0/0", "::/0"]
            else:
                nets.append(source.strip())
        index.setdefault((entry["port"], entry["proto"]), []).extend(nets)
    if problems:
        module.fail_json(msg="; ".join(problems))
    return index


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            proc_root=dict(type="path", default="/proc"),
            protocols=dict(type="list", elements="str", choices=["tcp", "udp"], default=["tcp", "udp"]),
            ports=dict(type="list", elements="int"),
            fail_on_exposed=dict(type="list", elements="int", default=[]),
            firewall=dict(type="str", choices=["auto", "ufw", "none"], default="auto"),
            firewall_root=dict(type="path", default="/"),
            allowlist=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    port=dict(type="int", required=True),
                    proto=dict(type="str", choices=["tcp", "udp"], default="tcp"),
                    sources=dict(type="list", elements="str", default=[]),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["protocols"]:
        module.fail_json(msg="protocols is empty; give tcp, udp or both")
    bad = invalid_ports((params["ports"] or []) + params["fail_on_exposed"])
    if bad:
        module.fail_json(
            msg=f"ports and fail_on_exposed take port numbers from 1 to 65535, not {', '.join(map(str, bad))}"
        )
    allowlist = allowlist_index(module, params["allowlist"])
    state, firewall = firewall_state(module, params["firewall"], params["firewall_root"])
    try:
        every = read_listeners(params["proc_root"], params["protocols"])
    except ProcNetError as exc:
        module.fail_json(msg=str(exc))
    for item in every:
        item["exposure"], item["allowed_from"] = classify_listener(item, state)
    listeners = select_ports(every, params["ports"])
    counts, summary = summarize(listeners)
    for kind in (ALLOWED, BLOCKED, EVERYONE):
        counts[kind] = sum(1 for item in listeners if item["exposure"] == kind)
    if state is not None:
        summary += (
            f"; {firewall}: {counts[ALLOWED]} allowed to some networks, {counts[BLOCKED]} blocked, "
            f"{counts[EVERYONE]} open to everyone"
        )
    beyond = []
    for item in every:
        extra = beyond_allowlist(item, allowlist)
        if extra:
            beyond.append(
                dict(port=item["port"], protocol=item["protocol"], address=item["address"], extra=extra, _item=item)
            )
    result = dict(
        changed=False,
        listeners=listeners,
        summary=summary,
        counts=counts,
        exposed=[item for item in listeners if item["scope"] == EXPOSED],
        firewall=firewall,
        beyond_allowlist=[{key: value for key, value in entry.items() if key != "_item"} for entry in beyond],
    )
    offending = exposed_ports(every, params["fail_on_exposed"])
    messages = [exposure_message(offending)] if offending else []
    if beyond:
        described = "; ".join(
            f"{entry['protocol']} {endpoint(entry['_item'])} ({','.join(entry['_item']['processes']) or '?'}) is "
            f"reachable from {', '.join(entry['extra'])}"
            for entry in beyond
        )
        messages.append(
            f"{len(beyond)} socket{'' if len(beyond) == 1 else 's'} reachable beyond the allowlist "
            f"(firewall: {firewall}): {described}. Bind the app to 127.0.0.1 and put it behind the front door, or "
            "allow only the listed networks in the firewall (aiguard.hardening.ufw_allowlist)."
        )
    if messages:
        module.fail_json(msg=" ".join(messages), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
