# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters the ufw_allowlist role's preflight uses to check its variables.

They run on the controller with the same validation as the ufw_rules
module, so a bad value fails the play before any host changes, and the
message names the role's own variable:

    ufw_allowlist_rules | aiguard.hardening.ufw_rule_problems('ufw_allowlist_rules', ipv6)
    ufw_allowlist_admin_networks | aiguard.hardening.ufw_network_problems('ufw_allowlist_admin_networks', ipv6)
"""

from __future__ import annotations

from ansible_collections.aiguard.hardening.plugins.module_utils.ufwrules import network_problem, rule_problems


def ufw_rule_problems(rules, name="rules", ipv6=True):
    """Every problem of a list of allowlist rules, each naming NAME[i].key and the value."""
    return rule_problems(rules, name, bool(ipv6))


def ufw_network_problems(networks, name="networks", ipv6=True):
    """Every entry of a list of source networks that is not a network, address or 'any'."""
    if not isinstance(networks, list):
        return [f"{name} must be a list of networks (CIDR), not {networks!r}"]
    problems = (network_problem(f"{name}[{index}]", value, bool(ipv6)) for index, value in enumerate(networks))
    return [problem for problem in problems if problem]


class FilterModule:
    def filters(self):
        return {"ufw_rule_problems": ufw_rule_problems, "ufw_network_problems": ufw_network_problems}
