# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw_allowlist role's model: its rules, its audit allowlist, its problems, the session."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.module_utils import ufwallowlist as m

ROLE = Path(__file__).resolve().parents[4] / "roles" / "ufw_allowlist"

FRONT = {"port": "80,443", "sources": ["any"], "comment": "nginx front door"}
GRADIO = {"port": 7860, "sources": ["10.89.0.7"], "comment": "gradio for the allowed client"}
ADMINS = ["10.89.0.7/32", "10.89.0.1", "fd00:db8:213::/64"]


def ssh(sources, port="22"):
    return {"port": port, "proto": "tcp", "sources": sources, "action": "limit", "comment": "ssh"}


def test_defaults_are_the_roles():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert {key: defaults[f"ufw_allowlist_{key}"] for key in m.DEFAULTS} == m.DEFAULTS
    assert defaults["ufw_allowlist_rules"] == []


@pytest.mark.parametrize(
    ("rules", "settings", "expected"),
    [
        # Nothing declared: no rule at all, not even SSH.
        ([], {}, []),
        # No admin networks: the rules as declared, nothing in front.
        ([FRONT, GRADIO], {}, [FRONT, GRADIO]),
        # The molecule converge: SSH from the admin networks first.
        ([FRONT, GRADIO], {"admin_networks": ADMINS}, [ssh(ADMINS), FRONT, GRADIO]),
        # The SSH rule's port is ufw_allowlist_ssh_port, as a string like a declared port.
        ([], {"admin_networks": ["192.0.2.0/24"], "ssh_port": 2222}, [ssh(["192.0.2.0/24"], "2222")]),
        # A declared rule for the SSH port from another network is no conflict.
        (
            [{"port": 22, "sources": ["198.51.100.0/24"], "comment": "bastion"}],
            {"admin_networks": ["192.0.2.0/24"]},
            [ssh(["192.0.2.0/24"]), {"port": 22, "sources": ["198.51.100.0/24"], "comment": "bastion"}],
        ),
    ],
)
def test_rules_ssh_first(rules, settings, expected):
    model = m.build(rules, **settings)
    assert model.problems == []
    assert model.rules == expected
    assert model.as_dict() == {"problems": [], "rules": expected, "audit_allowlist": []}


def test_the_model_does_not_change_its_input():
    rules = [dict(GRADIO, sources=list(GRADIO["sources"]))]
    model = m.build(rules, admin_networks=ADMINS)
    model.rules[1]["sources"].append("any")
    assert rules == [GRADIO]


RANGES = [
    {"port": "80,443", "sources": ["any"]},
    {"port": "8000:8100", "sources": ["10.0.0.0/8"]},
    {"port": "8000", "proto": "any", "sources": ["192.0.2.0/24", "10.0.0.0/8"]},
    {"port": "8050,8055:8060", "sources": ["192.0.2.0/24"]},
    {"port": "8055", "proto": "udp", "sources": ["198.51.100.0/24"]},
    {"port": 3002, "sources": ["FD00::/8"]},
    {"port": "3002", "sources": ["fd00::/8", "2001:db8::/32"]},
]


@pytest.mark.parametrize(
    ("port", "sources"),
    [
        (80, ["any"]),
        (443, ["any"]),
        (444, []),
        # The ends of a range are in it; proto any counts; each source once.
        (8000, ["10.0.0.0/8", "192.0.2.0/24"]),
        (8100, ["10.0.0.0/8"]),
        (8101, []),
        # A port and a range inside a list; udp does not count.
        (8050, ["10.0.0.0/8", "192.0.2.0/24"]),
        (8054, ["10.0.0.0/8"]),
        (8055, ["10.0.0.0/8", "192.0.2.0/24"]),
        # Each source once, whatever its spelling, the first kept.
        (3002, ["FD00::/8", "2001:db8::/32"]),
        # The SSH rule counts like any other.
        (22, ["203.0.113.0/24"]),
        (7860, []),
    ],
)
def test_audit_allowlist_per_port(port, sources):
    model = m.build(RANGES, admin_networks=["203.0.113.0/24"], audit_ports=[port])
    assert model.audit_allowlist == [{"port": port, "proto": "tcp", "sources": sources}]


def test_audit_allowlist_keeps_the_order_of_the_ports():
    model = m.build(RANGES, audit_ports=[8101, "443", 7860])
    assert [(entry["port"], entry["sources"]) for entry in model.audit_allowlist] == [
        (8101, []),
        (443, ["any"]),
        (7860, []),
    ]


@pytest.mark.parametrize(
    ("rules", "settings", "problems"),
    [
        # Moved from the Molecule verify test that fed them through a converge.
        (
            [{"port": 7860, "sources": ["10.89.0.300"]}],
            {},
            ["ufw_allowlist_rules[0].sources[0]: '10.89.0.300' is not an IPv4 or IPv6 address or network (CIDR)"],
        ),
        (
            [{"port": "7860:7850", "sources": ["any"]}],
            {},
            ["ufw_allowlist_rules[0].port: '7860:7850' has the range 7860:7850 whose first port is not below the last"],
        ),
        (
            [],
            {"admin_networks": ["10.89.0.1/16"]},
            ["ufw_allowlist_admin_networks[0]: '10.89.0.1/16' has host bits set; the network is 10.89.0.0/16"],
        ),
        # The index of the rule, the key, the value.
        (
            [FRONT, GRADIO, {"port": "99999", "sources": ["any"]}],
            {},
            ["ufw_allowlist_rules[2].port: '99999' has a port outside 1-65535"],
        ),
        (
            [{"port": "8000:8100", "proto": "any", "sources": ["any"]}],
            {},
            [
                "ufw_allowlist_rules[0].port: '8000:8100' is a range or list, which ufw only takes with proto tcp or "
                "udp, not any"
            ],
        ),
        (
            [{"port": 22, "proto": "sctp", "sources": []}],
            {},
            [
                "ufw_allowlist_rules[0].proto: 'sctp' is not one of tcp, udp, any",
                "ufw_allowlist_rules[0].sources must be a non-empty list of networks (CIDR) or 'any', not []",
            ],
        ),
        (
            {"port": 22, "sources": ["any"]},
            {},
            ["ufw_allowlist_rules must be a list of rules, not dict"],
        ),
        (
            [],
            {"admin_networks": "192.0.2.0/24"},
            ["ufw_allowlist_admin_networks must be a list of networks (CIDR), not '192.0.2.0/24'"],
        ),
        (
            [{"port": 22, "sources": ["fd00::/8"]}],
            {"admin_networks": ["192.0.2.0/24", "2001:db8::/32"], "ipv6": False},
            [
                "ufw_allowlist_admin_networks[1]: '2001:db8::/32' is an IPv6 network but IPv6 is turned off",
                "ufw_allowlist_rules[0].sources[0]: 'fd00::/8' is an IPv6 network but IPv6 is turned off",
            ],
        ),
        ([], {"ssh_port": 0}, ["ufw_allowlist_ssh_port: 0 is not a port from 1 to 65535"]),
        ([], {"ssh_port": 65536}, ["ufw_allowlist_ssh_port: 65536 is not a port from 1 to 65535"]),
        ([], {"ssh_port": "22,2222"}, ["ufw_allowlist_ssh_port: '22,2222' is not a port from 1 to 65535"]),
        ([], {"ssh_port": True}, ["ufw_allowlist_ssh_port: True is not a port from 1 to 65535"]),
        (
            [],
            {"tag": "ai guard"},
            [
                "ufw_allowlist_tag: 'ai guard' must be 1 to 32 letters, digits, '.', '_' or '-', starting with a "
                "letter or digit"
            ],
        ),
        (
            [],
            {"audit_ports": [7860, 0, "3002", 70000]},
            [
                "ufw_allowlist_audit_ports[1]: 0 is not a port from 1 to 65535",
                "ufw_allowlist_audit_ports[3]: 70000 is not a port from 1 to 65535",
            ],
        ),
        ([], {"audit_ports": 7860}, ["ufw_allowlist_audit_ports must be a list of TCP ports, not 7860"]),
        # Every problem at once, variable by variable.
        (
            [{"port": 7860, "sources": ["10.89.0.300"]}],
            {"admin_networks": ["10.89.0.1/16"], "ssh_port": 0, "tag": "", "audit_ports": [0]},
            [
                "ufw_allowlist_admin_networks[0]: '10.89.0.1/16' has host bits set; the network is 10.89.0.0/16",
                "ufw_allowlist_rules[0].sources[0]: '10.89.0.300' is not an IPv4 or IPv6 address or network (CIDR)",
                "ufw_allowlist_ssh_port: 0 is not a port from 1 to 65535",
                "ufw_allowlist_tag: '' must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or "
                "digit",
                "ufw_allowlist_audit_ports[0]: 0 is not a port from 1 to 65535",
            ],
        ),
        # Rules valid on their own that ufw would merge into one.
        (
            [{"port": "22", "sources": ["192.0.2.0/24"], "comment": "admins"}],
            {"admin_networks": ["192.0.2.0/24"]},
            [
                "the SSH rule (ufw_allowlist_admin_networks to ufw_allowlist_ssh_port) and ufw_allowlist_rules[0] "
                "both cover tcp port 22 from 192.0.2.0/24 but differ in action or comment (limit 'aiguard: ssh', "
                "allow 'aiguard: admins'); ufw keeps one rule per port and source, so merge them"
            ],
        ),
        (
            [GRADIO, {"port": "7860", "sources": ["10.89.0.7/32"], "action": "limit"}],
            {"tag": "fw"},
            [
                "ufw_allowlist_rules[0] and ufw_allowlist_rules[1] both cover tcp port 7860 from 10.89.0.7 but differ "
                "in action or comment (allow 'fw: gradio for the allowed client', limit 'fw'); ufw keeps one rule "
                "per port and source, so merge them"
            ],
        ),
    ],
)
def test_bad_input_names_the_variable_and_builds_nothing(rules, settings, problems):
    model = m.build(rules, **dict({"audit_ports": [7860]}, **settings))
    assert model.problems == problems
    assert (model.rules, model.audit_allowlist) == ([], [])
    assert model.as_dict() == {"problems": problems}


@pytest.mark.parametrize(
    ("connection", "ssh_connection", "controller_address", "ssh_port", "expected"),
    [
        # The molecule hosts: SSH, the address read from the session.
        ("ssh", "10.89.3.1 51234 10.89.3.5 22\n", "", 22, (True, "10.89.3.1", 22)),
        # The port the session reaches wins over ufw_allowlist_ssh_port.
        ("ansible.builtin.ssh", "192.0.2.9 40000 192.0.2.10 2222", "", 22, (True, "192.0.2.9", 2222)),
        ("paramiko_ssh", "2001:db8::9 40000 2001:db8::10 22", "", 22, (True, "2001:db8::9", 22)),
        # SSH_CONNECTION not read (the address is given): ufw_allowlist_ssh_port.
        ("ssh", "", "198.51.100.7", 2222, (True, "198.51.100.7", 2222)),
        # ufw_allowlist_controller_address wins over SSH_CONNECTION.
        ("smart", "10.89.3.1 51234 10.89.3.5 22", "198.51.100.7", 22, (True, "198.51.100.7", 22)),
        # Not visible, or not what sshd writes: unknown.
        ("ssh", "", "", 22, (True, "", 22)),
        ("ssh", None, "", 22, (True, "", 22)),
        ("ssh", "10.89.3.1 51234 10.89.3.5", "", 22, (True, "", 22)),
        ("ssh", "10.89.3.1 51234 10.89.3.5 ssh", "", 22, (True, "", 22)),
        # No network session through the firewall.
        ("containers.podman.podman", "", "", 22, (False, "", 22)),
        ("local", "", "", 22, (False, "", 22)),
    ],
)
def test_session(connection, ssh_connection, controller_address, ssh_port, expected):
    session = m.session(connection, ssh_connection, controller_address, ssh_port)
    assert (session["over_ssh"], session["controller"], session["guarded_port"]) == expected
