# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw_allowlist role's model and the controller's session, for its tasks.

    ufw_allowlist_rules | aiguard.hardening.ufw_allowlist_model(admin_networks=None, ssh_port=None, tag=None,
                                                                ipv6=None, audit_ports=None)

Each keyword is the role variable of that name without the ``ufw_allowlist_``
prefix; None, or leaving it out, means the role's default. Returns a dict:

``problems``
    every problem of the variables, each naming the variable and the value
    (``ufw_allowlist_rules[0].port: '99999' has a port outside 1-65535``),
    with the same checks as the ufw_rules module; empty when they are fine;
``rules``
    every rule the firewall gets, for ufw_rules: the SSH rule from the admin
    networks first (when there are admin networks), then ``ufw_allowlist_rules``;
``audit_allowlist``
    ``[{port, proto: tcp, sources}]`` for listen_audit: per audited port, the
    sources of the tcp and any rules that cover it.

With problems, the dict holds only ``problems``.

    ansible_connection | aiguard.hardening.ufw_allowlist_session(ssh_connection, controller_address, ssh_port)

takes the connection plugin's name, the value of ``SSH_CONNECTION`` read on
the host (empty if unknown), ``ufw_allowlist_controller_address`` and
``ufw_allowlist_ssh_port``, and returns ``{over_ssh, controller,
guarded_port}`` for the lockout guard: whether the session comes in over
SSH, the controller's address (empty if unknown) and the port it reaches.
"""

from __future__ import annotations

from ansible_collections.aiguard.hardening.plugins.module_utils import ufwallowlist as _ufwallowlist
from ansible_collections.aiguard.hardening.plugins.plugin_utils.plain import plain_arguments


@plain_arguments
def ufw_allowlist_model(rules, admin_networks=None, ssh_port=None, tag=None, ipv6=None, audit_ports=None):
    """The role's rules, audit allowlist and problems (see the module's docstring)."""
    return _ufwallowlist.build(
        rules, admin_networks=admin_networks, ssh_port=ssh_port, tag=tag, ipv6=ipv6, audit_ports=audit_ports
    ).as_dict()


@plain_arguments
def ufw_allowlist_session(connection, ssh_connection="", controller_address="", ssh_port=22):
    """What the lockout guard knows of the controller's session (see the module's docstring)."""
    return _ufwallowlist.session(connection, ssh_connection, controller_address, ssh_port)


class FilterModule:
    def filters(self):
        return {"ufw_allowlist_model": ufw_allowlist_model, "ufw_allowlist_session": ufw_allowlist_session}
