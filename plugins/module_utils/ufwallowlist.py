# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw_allowlist role's variables as data: its rules, its audit allowlist, its problems.

Plain Python (stdlib only, no AnsibleModule) so that pytest tests it
directly. The filters in ``plugins/filter/ufw_allowlist.py`` are its
interface to the role. A rule, a network and a port mean here what they mean
to the ufw_rules module: the checks and the port parser are the ones of
``ufwrules``, so the preflight and the module cannot disagree.

* ``build``: the role's model (``Model``) from its variables: every rule the
  firewall gets (the SSH rule from the admin networks first, when there are
  admin networks), the audit allowlist of each audited port, and every
  problem of the input at once, each naming the role's variable
  (``ufw_allowlist_rules[2].port``) and what is wrong with it. With problems
  the model holds nothing else;
* ``session``: what the lockout guard needs to know about the controller's
  session: whether it comes in over SSH through the firewall, the address it
  comes from and the port it reaches.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ansible_collections.aiguard.hardening.plugins.module_utils.ufwrules import (
    expand_rules,
    network_problem,
    port_matches,
    proto_matches,
    rule_problems,
    single_port,
    tag_problem,
)

RULES_VAR = "ufw_allowlist_rules"
NETWORKS_VAR = "ufw_allowlist_admin_networks"
SSH_PORT_VAR = "ufw_allowlist_ssh_port"
TAG_VAR = "ufw_allowlist_tag"
AUDIT_PORTS_VAR = "ufw_allowlist_audit_ports"
SSH_RULE_LABEL = f"the SSH rule ({NETWORKS_VAR} to {SSH_PORT_VAR})"

# The role's defaults (defaults/main.yml) of the variables the model reads
# besides ufw_allowlist_rules, named without the ufw_allowlist_ prefix.
DEFAULTS = {"admin_networks": [], "ssh_port": 22, "tag": "aiguard", "ipv6": True, "audit_ports": []}

# Connection plugins whose sessions come in over SSH through the firewall.
SSH_CONNECTIONS = (
    "ssh",
    "ansible.builtin.ssh",
    "paramiko",
    "paramiko_ssh",
    "ansible.builtin.paramiko_ssh",
    "smart",
)


@dataclass
class Model:
    """The role's variables, checked, and what the tasks read from them."""

    problems: list = field(default_factory=list)
    rules: list = field(default_factory=list)  # every rule, for the ufw_rules module
    audit_allowlist: list = field(default_factory=list)  # for the listen_audit module

    def as_dict(self):
        """The model as the role reads it.

        With problems it holds only ``problems``, so that a task reading the
        rules of bad input (a run that skipped the preflight) fails before it runs.
        """
        if self.problems:
            return {"problems": list(self.problems)}
        return {"problems": [], "rules": self.rules, "audit_allowlist": self.audit_allowlist}


def ssh_rule(admin_networks, ssh_port):
    """The rule that lets the admin networks reach SSH, rate-limited."""
    return {"port": str(ssh_port), "proto": "tcp", "sources": list(admin_networks), "action": "limit", "comment": "ssh"}


def _port_number(value):
    """VALUE as a port number, or None if it is not one port from 1 to 65535."""
    try:
        return single_port(value)
    except ValueError:
        return None


def _port_problem(name, value):
    if _port_number(value) is None:
        return f"{name}: {value!r} is not a port from 1 to 65535"
    return None


def _network_problems(networks, ipv6):
    if not isinstance(networks, list):
        return [f"{NETWORKS_VAR} must be a list of networks (CIDR), not {networks!r}"]
    found = (network_problem(f"{NETWORKS_VAR}[{index}]", value, ipv6) for index, value in enumerate(networks))
    return [problem for problem in found if problem]


def _audit_port_problems(ports):
    if not isinstance(ports, list):
        return [f"{AUDIT_PORTS_VAR} must be a list of TCP ports, not {ports!r}"]
    found = (_port_problem(f"{AUDIT_PORTS_VAR}[{index}]", port) for index, port in enumerate(ports))
    return [problem for problem in found if problem]


def audit_allowlist(rules, ports):
    """For each audited TCP port, the sources of the rules (tcp or any) that cover it, once each."""
    out = []
    for port in ports:
        number = single_port(port)
        sources = {}
        for rule in rules:
            if proto_matches(rule.get("proto", "tcp"), "tcp") and port_matches(rule["port"], number):
                for source in rule["sources"]:
                    # Once each, the first spelling kept: "FD00::/8" is "fd00::/8".
                    sources.setdefault(str(source).lower(), source)
        out.append({"port": number, "proto": "tcp", "sources": list(sources.values())})
    return out


def build(rules, admin_networks=None, ssh_port=None, tag=None, ipv6=None, audit_ports=None):
    """The Model of the role's variables: ``rules`` is ``ufw_allowlist_rules``, each keyword
    ``ufw_allowlist_<keyword>``; None means the role's default.

    Conflicts between rules (two rules giving one ufw rule different actions
    or comments) are looked for once every rule is valid on its own.
    """
    admin_networks = DEFAULTS["admin_networks"] if admin_networks is None else admin_networks
    ssh_port = DEFAULTS["ssh_port"] if ssh_port is None else ssh_port
    tag = DEFAULTS["tag"] if tag is None else tag
    ipv6 = bool(DEFAULTS["ipv6"] if ipv6 is None else ipv6)
    audit_ports = DEFAULTS["audit_ports"] if audit_ports is None else audit_ports
    problems = _network_problems(admin_networks, ipv6)
    problems += rule_problems(rules, RULES_VAR, ipv6)
    problems += [problem for problem in [_port_problem(SSH_PORT_VAR, ssh_port)] if problem]
    problems += [problem for problem in [tag_problem(tag, TAG_VAR)] if problem]
    problems += _audit_port_problems(audit_ports)
    if problems:
        return Model(problems=problems)
    everything = copy.deepcopy(rules)
    labels = [f"{RULES_VAR}[{index}]" for index in range(len(rules))]
    if admin_networks:
        everything.insert(0, ssh_rule(admin_networks, single_port(ssh_port)))
        labels.insert(0, SSH_RULE_LABEL)
    _desired, conflicts = expand_rules(everything, tag, ipv6, labels)
    if conflicts:
        return Model(problems=conflicts)
    return Model(rules=everything, audit_allowlist=audit_allowlist(everything, audit_ports))


def session(connection, ssh_connection="", controller_address="", ssh_port=22):
    """The controller's session, for the lockout guard, as a dict.

    ``connection`` is the connection plugin's name, ``ssh_connection`` the
    value of ``SSH_CONNECTION`` on the host (``CLIENT_IP CLIENT_PORT
    SERVER_IP SERVER_PORT``, empty if not visible). ``over_ssh``: the session
    comes in over SSH through the firewall; ``controller``: the address it
    comes from, ``controller_address`` if given, else SSH_CONNECTION's first
    field, else empty; ``guarded_port``: the port it reaches, SSH_CONNECTION's
    fourth field, else ``ssh_port``.
    """
    fields = str(ssh_connection or "").split()
    seen_port = _port_number(fields[3]) if len(fields) == 4 else None
    seen_address = fields[0] if seen_port else ""
    return {
        "over_ssh": connection in SSH_CONNECTIONS,
        "controller": controller_address or seen_address,
        "guarded_port": ssh_port if seen_port is None else seen_port,
    }
