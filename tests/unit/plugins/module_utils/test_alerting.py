# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The alerting role's model: every problem named, and the three files made right."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.module_utils import alerting

ROLE = Path(__file__).resolve().parents[4] / "roles" / "alerting"


def problems(**settings):
    with pytest.raises(alerting.AlertingError) as caught:
        alerting.build(**settings)
    return caught.value.problems


def test_defaults_the_alert_log_only():
    model = alerting.build()
    assert model["targets"] == [{"name": "alert-log", "type": "log"}]
    route = model["alertmanager_config"]["route"]
    assert route["group_by"] == ["alertname", "host", "site"]
    assert route["group_wait"] == "10s"
    assert route["routes"] == [{"receiver": "alert-log", "continue": True}]
    assert model["alertmanager_config"]["receivers"][1] == {
        "name": "alert-log",
        "webhook_configs": [{"url": "http://127.0.0.1:9095/alert-log", "send_resolved": False}],
    }
    assert model["relay_config"] == {
        "listen": "127.0.0.1:9095",
        "alert_log": "/var/log/aiguard-alerting/alerts.log",
        "targets": {"alert-log": {"type": "log"}},
    }
    assert model["detect_config"]["alertmanager"] == "http://127.0.0.1:9093"


def test_every_target_type():
    targets = [
        {"name": "hook", "type": "webhook", "url": "https://hooks.example.com/aiguard", "send_resolved": True},
        {"type": "slack", "url": "https://hooks.slack.com/services/T/B/X", "channel": "#ops"},
        {
            "type": "email",
            "to": "ops@example.com",
            "from": "aiguard@example.com",
            "smarthost": "smtp.example.com:587",
            "auth_username": "aiguard",
            "auth_password": "smtp-pass",
        },
        {"type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=abc", "secret": "SECabc"},
        {"type": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/xyz", "keyword": "aiguard"},
        {
            "type": "wecom",
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            "matchers": ['severity="critical"'],
        },
    ]
    model = alerting.build(targets=targets)
    receivers = {r["name"]: r for r in model["alertmanager_config"]["receivers"]}
    assert receivers["hook"]["webhook_configs"] == [{"url": "https://hooks.example.com/aiguard", "send_resolved": True}]
    assert receivers["slack"]["slack_configs"][0]["api_url"] == "https://hooks.slack.com/services/T/B/X"
    assert receivers["slack"]["slack_configs"][0]["channel"] == "#ops"
    email = receivers["email"]["email_configs"][0]
    assert (email["to"], email["smarthost"], email["auth_password"]) == (
        "ops@example.com",
        "smtp.example.com:587",
        "smtp-pass",
    )
    for name in ("dingtalk", "feishu", "wecom"):
        assert receivers[name]["webhook_configs"][0]["url"] == f"http://127.0.0.1:9095/{name}"
    routes = model["alertmanager_config"]["route"]["routes"]
    assert [r["receiver"] for r in routes] == ["hook", "slack", "email", "dingtalk", "feishu", "wecom", "alert-log"]
    assert routes[5]["matchers"] == ['severity="critical"']
    relay = model["relay_config"]["targets"]
    assert relay["dingtalk"] == {
        "type": "dingtalk",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "secret_file": "/etc/aiguard/alerting/dingtalk.secret",
    }
    assert relay["feishu"]["keyword"] == "aiguard" and "secret_file" not in relay["feishu"]
    assert "SECabc" not in str(model["relay_config"])
    assert model["secrets"] == [{"target": "dingtalk", "position": 3, "file": "/etc/aiguard/alerting/dingtalk.secret"}]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"targets": "hook"}, "alerting_targets: must be a list"),
        (
            {"targets": [{"type": "teams", "url": "https://x"}]},
            "alerting_targets[0].type: 'teams' is not a target type",
        ),
        ({"targets": [{"type": "webhook"}]}, "alerting_targets[0].url: is required for type webhook"),
        (
            {"targets": [{"type": "webhook", "url": "ftp://x"}]},
            "alerting_targets[0].url: 'ftp://x' is not an http(s) URL",
        ),
        (
            {"targets": [{"type": "wecom", "url": "https://x", "secret": "s"}]},
            "alerting_targets[0]: secret not an option of type wecom",
        ),
        ({"targets": [{"type": "log", "name": "Team Log"}]}, "alerting_targets[0].name: 'Team Log' is not a name"),
        ({"targets": [{"type": "log", "name": "alert-log"}]}, "'alert-log' is the role's own alert log"),
        ({"targets": [{"type": "log"}, {"type": "log"}]}, "alerting_targets: the name 'log' is used twice"),
        (
            {"targets": [{"type": "email", "to": "ops", "from": "a@b.c", "smarthost": "smtp:25"}]},
            "alerting_targets[0].to: must be an e-mail address",
        ),
        (
            {"targets": [{"type": "email", "to": "o@b.c", "from": "a@b.c", "smarthost": "smtp"}]},
            "alerting_targets[0].smarthost: 'smtp' is not HOST:PORT",
        ),
        (
            {"targets": [{"type": "log", "matchers": "severity=critical"}]},
            "alerting_targets[0].matchers: must be a list",
        ),
        (
            {"targets": [{"type": "log", "send_resolved": "yes"}]},
            "alerting_targets[0].send_resolved: must be true or false",
        ),
        (
            {"rules": {"failed_login_burst": {"count": 0}}},
            "alerting_rules.failed_login_burst.count: must be a whole number",
        ),
        ({"rules": {"bruteforce": {}}}, "alerting_rules.bruteforce: no such rule"),
        ({"severity": {"large_upload": "very high"}}, "alerting_severity.large_upload: 'very high' is not a severity"),
        ({"severity": {"uploads": "warning"}}, "alerting_severity.uploads: no such rule"),
        ({"alert_log": "alerts.log"}, "alerting_alert_log: 'alerts.log' is not an absolute path"),
        ({"group_wait": "ten seconds"}, "alerting_group_wait: 'ten seconds' is not a duration"),
        ({"group_by": "alertname"}, "alerting_group_by: must be a list of label names"),
        ({"send_resolved": "no"}, "alerting_send_resolved: must be true or false"),
        ({"alertmanager_listen": "9093"}, "alerting_alertmanager_listen: '9093' is not HOST:PORT"),
        ({"relay_listen": "relay.lab:9095"}, "alerting_relay_listen: 'relay.lab:9095' must listen on an address"),
        ({"relay_listen": "127.0.0.1:9093"}, "alerting_relay_listen: the same address as alerting_alertmanager_listen"),
    ],
)
def test_problems(settings, expected):
    found = problems(**settings)
    assert any(expected in p for p in found), found


def test_every_problem_at_once():
    found = problems(targets=[{"type": "webhook"}], group_wait="soon", rules={"x": {}})
    assert len(found) == 3


def test_argument_spec_knows_every_option():
    spec = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    options = set(spec["alerting_targets"]["options"])
    for kind, settings in alerting.TARGET_OPTIONS.items():
        assert set(settings) <= options, kind
    assert set(spec["alerting_targets"]["options"]["type"]["choices"]) == set(alerting.TYPES)
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert set(defaults) == set(spec)
