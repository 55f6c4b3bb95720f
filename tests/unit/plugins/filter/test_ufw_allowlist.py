# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw_allowlist filters, as the role's tasks call them."""

from __future__ import annotations

import pytest

from ansible_collections.aiguard.hardening.plugins.filter.ufw_allowlist import FilterModule

FILTERS = FilterModule().filters()

# The role's defaults, passed the way the tasks pass them.
DEFAULTS = {"admin_networks": [], "ssh_port": 22, "tag": "aiguard", "ipv6": True, "audit_ports": []}


def model(rules, **settings):
    return FILTERS["ufw_allowlist_model"](rules, **dict(DEFAULTS, **settings))


def test_model_of_the_converge():
    rules = [{"port": "80,443", "sources": ["any"]}, {"port": 7860, "sources": ["10.89.0.7"]}]
    found = model(rules, admin_networks=["10.89.0.7/32"], audit_ports=[7860, 3002])
    ssh = {"port": "22", "proto": "tcp", "sources": ["10.89.0.7/32"], "action": "limit", "comment": "ssh"}
    assert found == {
        "problems": [],
        "rules": [ssh, *rules],
        "audit_allowlist": [
            {"port": 7860, "proto": "tcp", "sources": ["10.89.0.7"]},
            {"port": 3002, "proto": "tcp", "sources": []},
        ],
    }


def test_model_with_keywords_left_out_uses_the_role_defaults():
    rules = [{"port": 22, "sources": ["any"]}]
    assert FILTERS["ufw_allowlist_model"](rules) == model(rules)
    assert FILTERS["ufw_allowlist_model"](rules, tag=None, ipv6=None) == model(rules)


@pytest.mark.parametrize(
    ("rules", "settings", "problems"),
    [
        (
            [{"port": "80,443", "sources": ["any"]}, {"port": 7860, "sources": ["10.89.0.300/24"]}],
            {},
            ["ufw_allowlist_rules[1].sources[0]: '10.89.0.300/24' is not an IPv4 or IPv6 address or network (CIDR)"],
        ),
        (
            [{"port": 22, "sources": ["fd00::/8"]}],
            {"ipv6": False},
            ["ufw_allowlist_rules[0].sources[0]: 'fd00::/8' is an IPv6 network but IPv6 is turned off"],
        ),
        (
            [],
            {"admin_networks": ["192.0.2.0/24", "192.0.2.1/24"]},
            ["ufw_allowlist_admin_networks[1]: '192.0.2.1/24' has host bits set; the network is 192.0.2.0/24"],
        ),
        ([], {"audit_ports": [7860, 0]}, ["ufw_allowlist_audit_ports[1]: 0 is not a port from 1 to 65535"]),
    ],
)
def test_model_of_bad_input_holds_only_the_problems(rules, settings, problems):
    assert model(rules, **settings) == {"problems": problems}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("ssh", "10.89.3.1 51234 10.89.3.5 22\n", "", 22),
            {"over_ssh": True, "controller": "10.89.3.1", "guarded_port": 22},
        ),
        # The read was skipped: the registered result has no stdout (default('')).
        (("ssh", "", "198.51.100.7", 2222), {"over_ssh": True, "controller": "198.51.100.7", "guarded_port": 2222}),
        (("containers.podman.podman", "", "", 22), {"over_ssh": False, "controller": "", "guarded_port": 22}),
    ],
)
def test_session_as_the_preflight_calls_it(args, expected):
    assert FILTERS["ufw_allowlist_session"](*args) == expected
