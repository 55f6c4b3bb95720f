# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run listen_audit's main() as Ansible would, on a fake procfs from the fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.aiguard.hardening.plugins.modules import listen_audit

NET = Path(__file__).resolve().parents[1] / "module_utils" / "fixtures" / "procnet" / "net"
# The captured processes (see module_utils/fixtures/procnet/README.md).
PARENT, CHILD, NOBODY = 11368, 11409, 11410


@pytest.fixture
def run(run_main, tmp_path):
    """run(args) -> (failed, result) of listen_audit.main(); no firewall unless args give a firewall_root."""
    return lambda args: run_main(listen_audit.main, dict({"firewall_root": str(tmp_path / "nofirewall")}, **args))


@pytest.mark.parametrize(
    ("args", "total", "exposed"),
    [
        ({}, 16, 10),
        ({"_ansible_check_mode": True}, 16, 10),
        ({"protocols": ["tcp"]}, 10, 7),
        ({"protocols": ["udp"]}, 6, 3),
        ({"ports": [7860, 8188]}, 2, 1),
        ({"ports": ["7860"], "protocols": ["udp"]}, 0, 0),
        ({"ports": []}, 16, 10),
        ({"fail_on_exposed": [8188, 11434, 7861, 7872, 8125, 8126]}, 16, 10),  # all loopback-only
        ({"fail_on_exposed": [7860, 7872], "protocols": ["udp"], "ports": [7872]}, 1, 0),  # 7860 is TCP
        ({"fail_on_exposed": [7870], "protocols": ["tcp"]}, 10, 7),  # 7870 is UDP
    ],
)
def test_passes(run, proc_tree, args, total, exposed):
    failed, result = run(dict(args, proc_root=proc_tree()))
    assert not failed, result.get("msg")
    assert result["changed"] is False
    assert result["counts"]["total"] == len(result["listeners"]) == total
    assert result["counts"]["exposed"] == len(result["exposed"]) == exposed
    assert result["exposed"] == [item for item in result["listeners"] if item["scope"] == "exposed"]
    assert result["summary"].startswith(f"{total} listening socket")


def test_result_on_captured_host(run, proc_tree):
    failed, result = run({"proc_root": proc_tree(), "ports": [7860, 7861]})
    assert not failed
    assert result["listeners"] == [
        {
            "protocol": "tcp",
            "family": "ipv4",
            "address": "0.0.0.0",
            "port": 7860,
            "mapped": False,
            "wildcard": True,
            "scope": "exposed",
            "inode": 88996,
            "uid": 0,
            "pids": [PARENT, CHILD],
            "processes": ["python3"],
            "exposure": "everyone",
            "allowed_from": ["0.0.0.0/0"],
        },
        {
            "protocol": "tcp6",
            "family": "ipv6",
            "address": "127.0.0.1",
            "port": 7861,
            "mapped": True,
            "wildcard": False,
            "scope": "loopback",
            "inode": 89001,
            "uid": 0,
            "pids": [PARENT, CHILD],
            "processes": ["python3"],
            "exposure": "loopback",
            "allowed_from": [],
        },
    ]
    assert result["summary"] == "2 listening sockets: 1 loopback-only, 1 exposed (0.0.0.0:7860 python3)"
    assert result["counts"] == dict(
        total=2, loopback=1, exposed=1, wildcard=1, tcp=1, tcp6=1, udp=0, udp6=0, allowed=0, blocked=0, everyone=1
    )
    assert result["firewall"] == "none (ufw not installed)"
    assert result["beyond_allowlist"] == []


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (
            {"fail_on_exposed": [7860]},
            [
                "1 socket on fail_on_exposed port 7860 listens beyond loopback",
                f"tcp 0.0.0.0:7860 (python3 pids {PARENT},{CHILD})",
                'server_name="127.0.0.1"',
            ],
        ),
        (
            {"fail_on_exposed": [7860, 8188], "ports": [8188]},  # ports does not hide 7860
            [f"tcp 0.0.0.0:7860 (python3 pids {PARENT},{CHILD})"],
        ),
        (
            {"fail_on_exposed": [7862, 8080, 9000]},
            [
                "3 sockets on fail_on_exposed ports 7862, 8080, 9000",
                "tcp6 0.0.0.0:7862",
                "tcp6 [::]:8080",
                "tcp 192.0.2.2:9000",
            ],
        ),
        (
            {"fail_on_exposed": [7873], "protocols": ["udp"]},
            [f"udp 0.0.0.0:7873 (python3 pid {NOBODY})"],
        ),
        (
            {"fail_on_exposed": [2024]},
            ["tcp 0.0.0.0:2024 (uid 0, owner not visible"],
        ),
        (
            {"fail_on_exposed": [7860], "_ansible_check_mode": True},
            ["tcp 0.0.0.0:7860"],
        ),
    ],
)
def test_fail_on_exposed(run, proc_tree, args, names):
    failed, result = run(dict(args, proc_root=proc_tree()))
    assert failed
    for name in names:
        assert name in result["msg"]
    # The audit itself is still returned, for register + ignore_errors.
    assert result["changed"] is False
    assert {"listeners", "summary", "counts", "exposed"} <= set(result)


def test_fail_on_exposed_passes_when_the_app_is_loopback_only(run, proc_tree):
    """The Gradio port, rebound from 0.0.0.0 to 127.0.0.1, passes."""
    # The captured 0.0.0.0:7860 line with its address changed to 127.0.0.1.
    lines = (NET / "tcp").read_text().splitlines()
    rebound = [line.replace("00000000:1EB4", "0100007F:1EB4") for line in lines]
    assert rebound != lines
    failed, result = run({"proc_root": proc_tree(tables={"tcp": "\n".join(rebound)}), "fail_on_exposed": [7860]})
    assert not failed, result.get("msg")
    assert [item["scope"] for item in result["listeners"] if item["port"] == 7860] == ["loopback"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"protocols": []}, "protocols is empty"),
        ({"protocols": ["sctp"]}, "value of protocols must be one or more of: tcp, udp"),
        ({"ports": [0, 80]}, "port numbers from 1 to 65535, not 0"),
        ({"fail_on_exposed": [65536]}, "port numbers from 1 to 65535, not 65536"),
        ({"ports": ["http"]}, "ports"),
        ({"proc_root": "/nonexistent/proc"}, "proc_root must be a mounted procfs"),
    ],
)
def test_bad_arguments(run, proc_tree, args, message):
    failed, result = run(dict({"proc_root": proc_tree()}, **args))
    assert failed
    assert message in result["msg"]


def test_on_this_host(run):
    failed, result = run({})
    assert not failed, result.get("msg")
    assert result["summary"].startswith(f"{result['counts']['total']} listening socket")


def test_documentation_matches_the_module(run, proc_tree, module_init):
    """The documented attributes and return values are what the module does and returns."""
    failed, result = run({"proc_root": proc_tree()})
    assert not failed

    doc = yaml.safe_load(listen_audit.DOCUMENTATION)
    assert module_init["supports_check_mode"] is True
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["attributes"]["diff_mode"]["support"] == "none"

    returned = yaml.safe_load(listen_audit.RETURN)
    assert set(returned) == set(result) - {"changed"}
    assert set(returned["listeners"]["contains"]) == set(result["listeners"][0])
    assert set(returned["exposed"]["sample"][0]) == set(result["listeners"][0])
    assert set(returned["counts"]["contains"]) == set(result["counts"])
    assert set(returned["beyond_allowlist"]["contains"]) == {"port", "protocol", "address", "extra"}
    yaml.safe_load(listen_audit.EXAMPLES)


UFW = Path(__file__).resolve().parents[1] / "module_utils" / "fixtures" / "ufw"


@pytest.mark.parametrize(
    ("args", "exposures", "firewall"),
    [
        # The captured ufw host (module_utils/fixtures/ufw): 7860 open to one address, 3000 to one network
        # through 3000:3010, nothing else of the captured sockets.
        (
            {"firewall_root": str(UFW)},
            {
                7860: ("allowed", ["198.51.100.7/32"]),
                3000: ("allowed", ["203.0.113.0/24"]),
                8080: ("blocked", []),
                9000: ("blocked", []),
                7870: ("blocked", []),
                8188: ("loopback", []),
            },
            "ufw (enabled)",
        ),
        ({"firewall_root": str(UFW), "firewall": "ufw"}, {7860: ("allowed", ["198.51.100.7/32"])}, "ufw (enabled)"),
        (
            {"firewall_root": str(UFW), "firewall": "none"},
            {7860: ("everyone", ["0.0.0.0/0"]), 3000: ("everyone", ["0.0.0.0/0", "::/0"])},
            "none (firewall=none)",
        ),
        ({}, {7860: ("everyone", ["0.0.0.0/0"]), 9001: ("everyone", ["::/0"])}, "none (ufw not installed)"),
    ],
)
def test_firewall_classification(run, proc_tree, args, exposures, firewall):
    failed, result = run(dict(args, proc_root=proc_tree()))
    assert not failed, result.get("msg")
    assert result["firewall"] == firewall
    by_port = {item["port"]: (item["exposure"], item["allowed_from"]) for item in result["listeners"]}
    for port, expected in exposures.items():
        assert by_port[port] == expected, port
    counts = result["counts"]
    assert counts["allowed"] + counts["blocked"] + counts["everyone"] == counts["exposed"]
    if firewall == "ufw (enabled)":
        assert result["summary"].endswith("ufw (enabled): 2 allowed to some networks, 8 blocked, 0 open to everyone")


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (
            {"firewall_root": str(UFW), "allowlist": [{"port": 7860}]},
            [
                "1 socket reachable beyond the allowlist (firewall: ufw (enabled))",
                "tcp 0.0.0.0:7860 (python3) is reachable from 198.51.100.7/32",
            ],
        ),
        (
            {"allowlist": [{"port": 7860, "sources": ["198.51.100.0/24"]}]},
            ["firewall: none (ufw not installed)", "tcp 0.0.0.0:7860 (python3) is reachable from 0.0.0.0/0"],
        ),
        (
            {
                "allowlist": [{"port": 7870, "proto": "udp", "sources": ["10.0.0.0/8"]}, {"port": 7860}],
                "fail_on_exposed": [9000],
            },
            ["fail_on_exposed port 9000", "udp 0.0.0.0:7870", "2 sockets reachable beyond"],
        ),
    ],
)
def test_allowlist_fails_beyond_it(run, proc_tree, args, names):
    failed, result = run(dict(args, proc_root=proc_tree()))
    assert failed
    for name in names:
        assert name in result["msg"], result["msg"]
    assert result["beyond_allowlist"][0]["extra"]


@pytest.mark.parametrize(
    "args",
    [
        {"firewall_root": str(UFW), "allowlist": [{"port": 7860, "sources": ["198.51.100.0/24"]}]},
        {"firewall_root": str(UFW), "allowlist": [{"port": 8080}, {"port": 7870, "proto": "udp"}]},  # blocked
        {"allowlist": [{"port": 7860, "sources": ["any"]}]},
        {"allowlist": [{"port": 8188}]},  # loopback only
    ],
)
def test_allowlist_passes_within_it(run, proc_tree, args):
    failed, result = run(dict(args, proc_root=proc_tree()))
    assert not failed, result.get("msg")
    assert result["beyond_allowlist"] == []


def test_allowlist_passes_once_the_app_is_rebound_to_loopback(run, proc_tree):
    lines = (NET / "tcp").read_text().splitlines()
    rebound = [line.replace("00000000:1EB4", "0100007F:1EB4") for line in lines]
    failed, result = run({"proc_root": proc_tree(tables={"tcp": "\n".join(rebound)}), "allowlist": [{"port": 7860}]})
    assert not failed, result.get("msg")
    assert [item["exposure"] for item in result["listeners"] if item["port"] == 7860] == ["loopback"]


@pytest.mark.parametrize("choice", ["auto", "ufw"])
def test_unreadable_ufw_rules(run_main, proc_tree, tmp_path, monkeypatch, choice):
    """Without root, ufw's rules cannot be read: auto judges without them and says so, ufw fails."""
    root = tmp_path / "root"
    shutil.copytree(UFW / "etc", root / "etc")
    (root / "etc" / "ufw" / "user.rules").unlink()
    (root / "etc" / "ufw" / "user.rules").mkdir()  # read() fails like a file root alone may read
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda _module, message: warnings.append(message))
    failed, result = run_main(
        listen_audit.main, {"proc_root": proc_tree(), "firewall_root": str(root), "firewall": choice}
    )
    if choice == "auto":
        assert not failed, result.get("msg")
        assert result["firewall"] == "unknown (ufw's rules not readable)"
        assert {item["exposure"] for item in result["exposed"]} == {"everyone"}
        assert "run as root to read ufw's rules" in warnings[0]
    else:
        assert failed and "cannot read" in result["msg"] and "run as root" in result["msg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"allowlist": [{"port": 7860, "sources": ["10.0.0.1/8"]}]}, "allowlist[0].sources[0]: '10.0.0.1/8' has host"),
        ({"allowlist": [{"port": 0}]}, "allowlist[0].port: 0 is not a port"),
        ({"firewall": "ufw"}, "firewall=ufw but ufw is not installed"),
    ],
)
def test_bad_firewall_arguments(run, proc_tree, args, message):
    failed, result = run(dict(args, proc_root=proc_tree()))
    assert failed and message in result["msg"], result["msg"]
