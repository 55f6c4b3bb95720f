# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight filters of the ufw_allowlist role name the role's variables."""

from __future__ import annotations

import pytest

from ansible_collections.aiguard.hardening.plugins.filter.ufw_allowlist import FilterModule

FILTERS = FilterModule().filters()


@pytest.mark.parametrize(
    ("rules", "ipv6", "expected"),
    [
        ([{"port": "80,443", "sources": ["any"]}, {"port": 7860, "sources": ["10.89.0.0/24", "fd00::/8"]}], True, []),
        (
            [{"port": 7860, "sources": ["10.89.0.300/24"]}],
            True,
            ["ufw_allowlist_rules[0].sources[0]: '10.89.0.300/24' is not an IPv4 or IPv6 address or network (CIDR)"],
        ),
        (
            [{"port": "99999", "sources": ["any"]}],
            True,
            ["ufw_allowlist_rules[0].port: '99999' has a port outside 1-65535"],
        ),
        (
            [{"port": 22, "proto": "sctp", "sources": ["any"]}],
            True,
            ["ufw_allowlist_rules[0].proto: 'sctp' is not one of tcp, udp, any"],
        ),
        (
            [{"port": 22, "sources": ["fd00::/8"]}],
            False,
            ["ufw_allowlist_rules[0].sources[0]: 'fd00::/8' is an IPv6 network but IPv6 is turned off"],
        ),
    ],
)
def test_rule_problems(rules, ipv6, expected):
    assert FILTERS["ufw_rule_problems"](rules, "ufw_allowlist_rules", ipv6) == expected


@pytest.mark.parametrize(
    ("networks", "expected"),
    [
        (["192.0.2.0/24", "2001:db8::/32", "203.0.113.9"], []),
        (
            ["192.0.2.0/24", "192.0.2.1/24"],
            ["ufw_allowlist_admin_networks[1]: '192.0.2.1/24' has host bits set; the network is 192.0.2.0/24"],
        ),
        ("192.0.2.0/24", ["ufw_allowlist_admin_networks must be a list of networks (CIDR), not '192.0.2.0/24'"]),
    ],
)
def test_network_problems(networks, expected):
    assert FILTERS["ufw_network_problems"](networks, "ufw_allowlist_admin_networks") == expected
