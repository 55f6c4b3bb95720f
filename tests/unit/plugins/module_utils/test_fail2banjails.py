# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fail2ban_jails role's model: its jails, the addresses never banned, the problems of its variables."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.filter.fail2ban_jails import fail2ban_jails_model
from ansible_collections.aiguard.hardening.plugins.module_utils import fail2banjails

ROLE = Path(__file__).resolve().parents[4] / "roles" / "fail2ban_jails"
# Role defaults that are templates (they follow other roles' variables).
TEMPLATED = {"access_log", "admin_networks", "bot_block_status"}


def test_the_defaults_build_four_jails():
    model = fail2banjails.build().as_dict()
    assert [jail["name"] for jail in model["jails"]] == [
        "aiguard-auth",
        "aiguard-token",
        "aiguard-bot",
        "aiguard-ratelimit",
    ]
    auth = model["jails"][0]
    assert (auth["enabled"], auth["filter"], auth["maxretry"], auth["findtime"], auth["bantime"]) == (
        True,
        "aiguard-auth",
        10,
        600,
        3600,
    )
    assert model["ignoreip"] == ["127.0.0.0/8", "::1"]
    assert model["access_log"] == "/var/log/nginx/aiguard-access.json"
    assert model["bantime"] == {"increment": True, "factor": 1, "maxtime": 604800, "overalljails": False}
    assert model["db_purge_age"] == 604800
    assert model["action"] == "aiguard-ufw"
    assert model["packages"] == ["fail2ban", "python3-pyinotify", "python3-systemd", "conntrack"]


@pytest.mark.parametrize(
    ("settings", "key", "expected"),
    [
        # Loopback, the SSH networks, the extra ones; each once, host bits and /32 as fail2ban spells them.
        (
            {
                "admin_networks": ["198.51.100.0/24", "2001:db8::/48"],
                "ignore_networks": ["203.0.113.5/32", "198.51.100.7"],
            },
            "ignoreip",
            ["127.0.0.0/8", "::1", "198.51.100.0/24", "2001:db8::/48", "203.0.113.5", "198.51.100.7"],
        ),
        ({"admin_networks": ["10.1.2.3/8", "10.0.0.0/8"]}, "ignoreip", ["127.0.0.0/8", "::1", "10.0.0.0/8"]),
        ({"bot_block_status": 403}, "jails", "aiguard-bot[blockstatus=403]"),
        ({"bot_block_status": "444"}, "jails", "aiguard-bot"),
        ({"kill_connections": False}, "action", "aiguard-ufw[kill=no]"),
        ({"kill_connections": False, "backend": "polling", "sshd_jail": "debian"}, "packages", ["fail2ban"]),
        (
            {"bantime_maxtime": 3600, "auth_bantime": 600, "token_bantime": 600, "bot_bantime": 600},
            "db_purge_age",
            86400,
        ),
        ({"bantime_increment": False, "bantime_maxtime": 60}, "db_purge_age", 86400),
        (
            {"bantime_factor": 1.5},
            "bantime",
            {"increment": True, "factor": 1.5, "maxtime": 604800, "overalljails": False},
        ),
        # The SSH networks ufw_allowlist allows are inside the ignore list: fine.
        ({"admin_networks": ["198.51.100.0/24"], "ufw_admin_networks": ["198.51.100.0/25"]}, "ignoreip", None),
        ({"ignore_networks": ["10.0.0.0/8"], "ufw_admin_networks": ["10.2.0.0/16"]}, "ignoreip", None),
    ],
)
def test_the_model_follows_the_variables(settings, key, expected):
    model = fail2banjails.build(**settings).as_dict()
    found = model[key]
    if key == "jails":
        found = found[2]["filter"]
    if expected is not None:
        assert found == expected


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"auth_maxretry": 0}, "fail2ban_jails_auth_maxretry: 0 must be a whole number of failures, at least 1"),
        ({"ratelimit_findtime": -5}, "fail2ban_jails_ratelimit_findtime: -5 must be a whole number of seconds"),
        ({"bot_bantime": "an hour"}, "fail2ban_jails_bot_bantime: "),
        ({"token_enabled": "maybe"}, "fail2ban_jails_token_enabled: "),
        ({"backend": "systemd"}, "fail2ban_jails_backend: "),
        ({"bot_block_status": 404}, "fail2ban_jails_bot_block_status: "),
        ({"sshd_jail": "on"}, "fail2ban_jails_sshd_jail: "),
        (
            {"auth_bantime": 864000},
            "fail2ban_jails_auth_bantime: 864000 s is longer than fail2ban_jails_bantime_maxtime",
        ),
        ({"bantime_factor": 0}, "fail2ban_jails_bantime_factor: 0"),
        ({"access_log": "aiguard-access.json"}, "fail2ban_jails_access_log: 'aiguard-access.json' is not an absolute"),
        ({"ignore_networks": ["10.0.0.300"]}, "fail2ban_jails_ignore_networks[0]: '10.0.0.300' is not an IPv4 or IPv6"),
        ({"ignore_networks": ["0.0.0.0/0"]}, "fail2ban_jails_ignore_networks[0]: '0.0.0.0/0' is every IPv4 address"),
        ({"admin_networks": ["::/0"]}, "fail2ban_jails_admin_networks[0]: '::/0' is every IPv6 address"),
        ({"admin_networks": "10.0.0.0/8"}, None),  # a string is turned into a one-item list by the argument spec
        # An SSH-allowed network a jail could ban: the admins' way in.
        (
            {"admin_networks": [], "ufw_admin_networks": ["198.51.100.0/24"]},
            "ufw_allowlist_admin_networks[0]: '198.51.100.0/24' may reach SSH but is not in fail2ban_jails_admin",
        ),
        (
            {"admin_networks": ["198.51.100.0/25"], "ufw_admin_networks": ["198.51.100.0/24"]},
            "ufw_allowlist_admin_networks[0]: '198.51.100.0/24' may reach SSH",
        ),
        (
            {"admin_networks": ["198.51.100.0/24"], "ufw_admin_networks": ["198.51.100.0/24", "2001:db8::/64"]},
            "ufw_allowlist_admin_networks[1]: '2001:db8::/64' may reach SSH",
        ),
        ({"ufw_admin_networks": ["any"]}, "ufw_allowlist_admin_networks[0]: SSH is open to 'any'"),
        ({"ufw_admin_networks": ["0.0.0.0/0"]}, "ufw_allowlist_admin_networks[0]: '0.0.0.0/0' lets every IPv4 address"),
        ({"ufw_purge_unowned": True}, "ufw_allowlist_purge_unowned: true deletes every ufw rule"),
    ],
)
def test_bad_variables_are_named_with_the_fix(settings, problem):
    found = fail2banjails.problems(**settings)
    if problem is None:
        assert found == []
        return
    assert any(text.startswith(problem) for text in found), found
    with pytest.raises(fail2banjails.Fail2banJailsError):
        fail2banjails.build(**settings)


def test_every_problem_is_reported_at_once():
    found = fail2banjails.problems(auth_maxretry=0, backend="x", ignore_networks=["nope"], ufw_purge_unowned=True)
    assert len(found) == 4, found


def test_an_unknown_setting_is_a_programming_error():
    with pytest.raises(TypeError, match="unknown setting"):
        fail2banjails.build(auth_retries=3)


def test_the_filter_returns_only_the_problems_of_bad_input():
    assert set(fail2ban_jails_model("/var/log/x.json", auth_maxretry=0)) == {"problems"}
    model = fail2ban_jails_model(None, backend=None, ufw_admin_networks=["10.0.0.0/8"], admin_networks=["10.0.0.0/8"])
    assert model["problems"] == [] and model["access_log"] == "/var/log/nginx/aiguard-access.json"


def argument_spec():
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]


def _comparable(option):
    return {key: option[key] for key in ("type", "elements", "default", "choices") if key in option}


@pytest.mark.parametrize("setting", sorted(fail2banjails.MODEL_OPTIONS))
def test_role_defaults_match_the_model(setting):
    variable = f"fail2ban_jails_{setting}"
    model = dict(fail2banjails.MODEL_OPTIONS[setting])
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    if setting in TEMPLATED:
        # Following another role's variable: the spec has no default, the model's is what "unset" gives.
        assert "{{" in defaults[variable]
        model.pop("default")
    else:
        assert defaults[variable] == model["default"]
    assert _comparable(argument_spec()[variable]) == _comparable(model)


def test_every_role_variable_is_in_the_model():
    assert set(argument_spec()) == {f"fail2ban_jails_{key}" for key in fail2banjails.MODEL_OPTIONS}
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert set(defaults) == set(argument_spec())
