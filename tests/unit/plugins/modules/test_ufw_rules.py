# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run ufw_rules' main() as Ansible would, against a fake ufw seeded with captured rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.aiguard.hardening.plugins.module_utils import ufwrules as u
from ansible_collections.aiguard.hardening.plugins.modules import ufw_rules

FIXTURES = Path(__file__).resolve().parents[1] / "module_utils" / "fixtures" / "ufw"
# What the captured host's tagged rules were made from (module_utils/fixtures/ufw/README.md).
DECLARED = [
    {"port": "22", "sources": ["192.0.2.0/24", "2001:db8:1::/48"], "action": "limit", "comment": "ssh"},
    {"port": "80,443", "sources": ["any"], "comment": "nginx front door"},
    {"port": "7860", "sources": ["198.51.100.7/32"], "comment": "gradio"},
    {"port": "5000:5010", "proto": "udp", "sources": ["10.0.0.0/8"]},
]
CONVERGED = {"rules": DECLARED, "logging": "medium", "controller_address": "192.0.2.10"}


class FakeUfw:
    """ufw as the module sees it: read_state() and the commands run_command() gets."""

    def __init__(self, state, fail_on=None, ignore_deletes=False):
        self.state = state
        self.ran = []
        self.fail_on = fail_on
        self.ignore_deletes = ignore_deletes
        self.known = list(state.rules)

    def read_state(self, _root):
        return replace(self.state, rules=list(self.state.rules))

    def run_command(self, argv, **_kwargs):
        self.ran.append(argv)
        if self.fail_on and self.fail_on in argv:
            return 1, "", "ERROR: something ufw says"
        if "delete" in argv:
            if not self.ignore_deletes:
                self.state.rules = [r for r in self.state.rules if r.argv(delete=True) != argv]
        elif argv[1] in ("allow", "limit"):
            new = next(r for r in self.known if r.argv() == argv)
            rules = self.state.rules
            same = [i for i, r in enumerate(rules) if r.key == new.key]
            if same:
                rules[same[0]] = new
            else:
                rules.append(new)
        elif argv[1:3] == ["--force", "enable"]:
            self.state.enabled = True
        elif argv[1] == "disable":
            self.state.enabled = False
        elif argv[1] == "default":
            setattr(self.state, argv[3], argv[2])
        elif argv[1] == "logging":
            self.state.logging = argv[2]
        return 0, "", ""


@pytest.fixture
def fake(monkeypatch):
    """fake(state=None) -> FakeUfw patched into the module; default: the captured host."""

    def make(state=None, **kwargs):
        ufw = FakeUfw(state or u.read_state(str(FIXTURES)), **kwargs)
        monkeypatch.setattr(ufw_rules, "read_state", ufw.read_state)
        monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda _module, argv, **kw: ufw.run_command(argv, **kw))
        real = ufw_rules.desired_rules

        def desired(*args):
            rules = real(*args)
            ufw.known.extend(rules)
            return rules

        monkeypatch.setattr(ufw_rules, "desired_rules", desired)
        return ufw

    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    return make


@pytest.fixture
def run(run_main, monkeypatch):
    """run(args) -> (failed, result) of ufw_rules.main(); warnings land in result["warnings"]."""
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda _module, message: warnings.append(message))

    def call(args):
        warnings.clear()
        failed, result = run_main(ufw_rules.main, args)
        return failed, dict(result, warnings=list(warnings))

    return call


@pytest.mark.parametrize("check", [False, True])
def test_converged_host_has_nothing_to_do(run, fake, check):
    ufw = fake()
    failed, result = run(dict(CONVERGED, _ansible_check_mode=check, _ansible_diff=True))
    assert not failed, result.get("msg")
    assert result["changed"] is False and result["commands"] == [] and ufw.ran == []
    assert len(result["stale"]) == 0 and len(result["unowned"]) == 10
    assert result["diff"][0]["before"] == result["diff"][0]["after"]
    assert result["lockout_guard"] == "SSH from 192.0.2.10 to port 22/tcp stays allowed"


def test_check_mode_on_a_host_without_ufw_shows_every_rule(run, fake):
    ufw = fake(u.FirewallState())
    failed, result = run(dict(CONVERGED, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed, result.get("msg")
    assert result["changed"] is True and ufw.ran == []
    assert len(result["added"]) == 6
    assert result["diff"][0]["before"] == ""
    assert result["diff"][0]["after"].splitlines()[0] == (
        "ufw limit in proto tcp from 192.0.2.0/24 to 0.0.0.0/0 port 22 comment 'aiguard: ssh'"
    )
    assert "logging: medium" in result["diff"][1]["after"]
    assert result["commands"][-2:] == [["ufw", "logging", "medium"], ["ufw", "--force", "enable"]]


def test_apply_on_a_disabled_host_adds_then_enables(run, fake):
    ufw = fake(u.FirewallState(installed=True, incoming="allow"))
    failed, result = run(CONVERGED)
    assert not failed, result.get("msg")
    assert result["changed"] is True
    verbs = [argv[1] for argv in ufw.ran]
    assert verbs == ["limit", "limit", "allow", "allow", "allow", "allow", "default", "logging", "--force"]
    assert ufw.state.enabled and ufw.state.incoming == "deny"


def test_purge_deletes_last(run, fake):
    ufw = fake()
    declared = [dict(DECLARED[0], sources=["192.0.2.0/25", "2001:db8:1::/48"]), *DECLARED[1:3]]
    failed, result = run(dict(CONVERGED, rules=declared, purge=True))
    assert not failed, result.get("msg")
    assert [argv[1] for argv in ufw.ran] == ["limit", "delete", "delete"]
    assert sorted(r["source"] for r in result["deleted"]) == ["10.0.0.0/8", "192.0.2.0/24"]
    assert len(ufw.state.rules) == 16 - 1


def test_purge_unowned(run, fake):
    ufw = fake()
    failed, result = run(dict(CONVERGED, purge_unowned=True))
    assert not failed, result.get("msg")
    assert len(result["deleted"]) == 10 and len(ufw.state.rules) == 6


def test_stale_and_unowned_are_reported(run, fake):
    fake()
    failed, result = run(dict(CONVERGED, rules=DECLARED[:3]))
    assert not failed and result["changed"] is False
    assert [r["rule"] for r in result["stale"]] == [
        "ufw allow in proto udp from 10.0.0.0/8 to 0.0.0.0/0 port 5000:5010 comment 'aiguard'"
    ]
    assert any("no longer declared and were kept" in w for w in result.get("warnings", []))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"controller_address": "198.51.100.7"}, "would drop new SSH connections from the controller (198.51.100.7)"),
        ({"controller_address": "192.0.2.10", "ssh_port": 2222}, "to port 2222/tcp"),
        (
            {"rules": [dict(DECLARED[0], sources=["2001:db8:1::/48"]), *DECLARED[1:]], "purge": True},
            "the incoming policy is deny",
        ),
    ],
)
def test_lockout_guard_fails_and_changes_nothing(run, fake, args, message):
    ufw = fake()
    failed, result = run(dict(CONVERGED, **args))
    assert failed
    assert message in result["msg"] and "Nothing was changed" in result["msg"]
    assert ufw.ran == []


def test_lockout_guard_reads_ssh_connection(run, fake, monkeypatch):
    ufw = fake()
    monkeypatch.setenv("SSH_CONNECTION", "198.51.100.7 50000 192.0.2.1 22")
    failed, result = run({"rules": DECLARED, "logging": "medium"})
    assert failed and "(198.51.100.7)" in result["msg"] and ufw.ran == []
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.77 50000 192.0.2.1 22")
    failed, result = run({"rules": DECLARED, "logging": "medium"})
    assert not failed and result["lockout_guard"] == "SSH from 192.0.2.77 to port 22/tcp stays allowed"


def test_lockout_guard_off_warns_and_applies(run, fake):
    ufw = fake()
    failed, result = run(dict(CONVERGED, rules=DECLARED[1:], purge=True, lockout_guard=False))
    assert not failed, result.get("msg")
    assert result["lockout_guard"].startswith("guard off")
    assert any("lockout_guard is off" in w for w in result["warnings"])
    assert [argv[1] for argv in ufw.ran] == ["delete", "delete"]


def test_no_session_to_guard(run, fake):
    fake()
    failed, result = run({"rules": [], "logging": "medium", "_ansible_check_mode": True})
    assert not failed
    assert result["lockout_guard"].startswith("no network session to guard")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"rules": [{"port": "22", "sources": ["10.0.0.0/33"]}]}, "rules[0].sources[0]: '10.0.0.0/33' is not"),
        ({"rules": [{"port": "ssh", "sources": ["any"]}]}, "rules[0].port: 'ssh' is not a port"),
        ({"rules": [{"port": "22", "sources": ["fd00::/8"]}], "ipv6": False}, "IPv6 is turned off"),
        ({"rules": [{"port": "22", "proto": "icmp", "sources": ["any"]}]}, "value of proto must be one of"),
        ({"tag": "a b"}, "tag: 'a b' must be"),
        ({"ssh_port": 0}, "ssh_port: 0 is not a port"),
        (
            {
                "rules": [
                    {"port": "22", "sources": ["10.0.0.0/8"]},
                    {"port": "22", "sources": ["10.0.0.0/8"], "comment": "x"},
                ]
            },
            "both cover tcp port 22",
        ),
    ],
)
def test_bad_arguments_change_nothing(run, fake, args, message):
    ufw = fake()
    failed, result = run(dict({"controller_address": "192.0.2.10"}, **args))
    assert failed and message in result["msg"], result["msg"]
    assert ufw.ran == []


def test_a_failing_command_stops_the_rest(run, fake):
    ufw = fake(u.FirewallState(installed=True), fail_on="logging")
    failed, result = run(CONVERGED)
    assert failed and "ufw logging medium failed (exit 1): ERROR: something ufw says" in result["msg"]
    assert ufw.ran[-1] == ["ufw", "logging", "medium"]


def test_a_delete_that_did_nothing_is_caught(run, fake):
    fake(ignore_deletes=True)
    failed, result = run(dict(CONVERGED, rules=DECLARED[:3], purge=True))
    assert failed and "not what was planned" in result["msg"] and "5000:5010" in result["msg"]


def test_without_ufw_only_check_mode_works(run, fake):
    fake(u.FirewallState())
    failed, result = run(CONVERGED)
    assert failed and "ufw is not installed" in result["msg"]


def test_reload(run, fake):
    ufw = fake()
    failed, result = run(dict(CONVERGED, reload=True))
    assert not failed and result["changed"] is True and ufw.ran == [["ufw", "reload"]]


def test_documentation_matches_the_module(run, fake, module_init):
    fake(u.FirewallState(installed=True))
    failed, result = run(dict(CONVERGED, _ansible_check_mode=True))
    assert not failed

    doc = yaml.safe_load(ufw_rules.DOCUMENTATION)
    assert module_init["supports_check_mode"] is True
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["attributes"]["diff_mode"]["support"] == "full"

    returned = yaml.safe_load(ufw_rules.RETURN)
    assert set(returned) == set(result) - {"changed", "warnings"}
    assert set(returned["added"]["contains"]) == set(result["added"][0])
    yaml.safe_load(ufw_rules.EXAMPLES)


def test_disable_keeps_the_rules_and_needs_no_guard(run, fake):
    ufw = fake()
    failed, result = run(dict(CONVERGED, enabled=False, controller_address="198.51.100.7"))
    assert not failed, result.get("msg")
    assert ufw.ran == [["ufw", "disable"]]
    assert result["lockout_guard"] == "firewall disabled: nothing to guard"
    assert len(result["rules"]) == 16
