# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collector's detections: recorded streams in, exactly these alerts out."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import alertrules

T0 = datetime.datetime(2026, 12, 4, 9, 0, 0, tzinfo=datetime.UTC).timestamp()


def at(seconds):
    """The ISO 8601 time SECONDS after T0, as nginx's $time_iso8601 writes it."""
    return datetime.datetime.fromtimestamp(T0 + seconds, datetime.UTC).isoformat()


def access(seconds, host="app1", **fields):
    """A stored record of an nginx_auth JSON access line."""
    entry = {
        "time": at(seconds),
        "site": "studio",
        "remote_addr": "10.1.2.3",
        "remote_user": "",
        "token": "",
        "auth_sent": "",
        "method": "GET",
        "path": "/",
        "status": 200,
        "bytes_in": 420,
        "content_length": "",
        "bytes_out": 900,
    }
    entry.update(fields)
    return {"host": host, "source": "nginx_access", "seq": "x-1", "time": at(seconds), "msg": json.dumps(entry)}


def app_line(seconds, msg, source="heygem", unit=""):
    return {"host": "app1", "source": source, "time": at(seconds), "unit": unit, "msg": msg}


def fire(records, rules=None, state=None):
    detector = alertrules.Detector(rules, state)
    alerts = []
    for record in records:
        alerts += detector.feed(record)
    return alerts


def wrong_password(seconds, address="10.1.2.3", user="alice"):
    return access(seconds, remote_addr=address, remote_user=user, auth_sent="basic", status=401)


# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("name", "records", "expected"),
    [
        ("5 failures in a minute: not more than 5", [wrong_password(i) for i in range(5)], []),
        (
            "6 failures in a minute: one alert with the count",
            [wrong_password(i) for i in range(6)],
            [("failed_login_burst", {"address": "10.1.2.3"}, 6)],
        ),
        (
            "30 failures: still one alert (cooldown)",
            [wrong_password(i) for i in range(30)],
            [("failed_login_burst", {}, 6)],
        ),
        ("6 failures spread over 6 minutes", [wrong_password(i * 61) for i in range(6)], []),
        (
            "a browser's first credential-less 401s do not count",
            [access(i, status=401, auth_sent="") for i in range(30)],
            [],
        ),
        (
            "31 failures from 31 addresses: the spread alert",
            [wrong_password(i, address=f"10.9.{i}.1") for i in range(31)],
            [("failed_login_burst", {"address": "*"}, 31)],
        ),
        (
            "one address: only its own alert, not also the spread one",
            [wrong_password(i * 0.5) for i in range(60)],
            [("failed_login_burst", {"address": "10.1.2.3"}, 6)],
        ),
        (
            "a wrong bearer token counts as a failed login",
            [access(i, auth_sent="bearer", status=401) for i in range(6)],
            [("failed_login_burst", {"site": "studio"}, 6)],
        ),
        (
            "a 2 GB upload refused with 413 (announced length)",
            [access(0, method="POST", status=413, bytes_in=800, content_length=str(2 * 1024**3))],
            [("large_upload", {"address": "10.1.2.3"}, 1)],
        ),
        (
            "a 2 GB upload read in full",
            [access(0, method="POST", status=200, bytes_in=2 * 1024**3 + 500)],
            [("large_upload", {}, 1)],
        ),
        ("a 100 MB upload", [access(0, method="POST", bytes_in=100 * 1024**2, content_length="104857600")], []),
        (
            "CUDA out of memory in an app's log",
            [app_line(0, "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB")],
            [("app_failure", {"kind": "cuda_oom", "source": "heygem"}, 1)],
        ),
        (
            "a traceback, then its lines: one alert",
            [
                app_line(0, "Traceback (most recent call last):"),
                app_line(0, '  File "app.py", line 3, in <module>'),
                app_line(1, "Traceback (most recent call last):"),
            ],
            [("app_failure", {"kind": "traceback"}, 1)],
        ),
        (
            "a model that fails to load",
            [app_line(0, "ERROR: Failed to load model checkpoint /models/heygem.ckpt")],
            [("app_failure", {"kind": "model_load"}, 1)],
        ),
        (
            "an app unit entering the failed state (systemd's journal lines)",
            [
                app_line(
                    0,
                    "aiguard-lab-gradio.service: Main process exited, code=killed, status=9/KILL",
                    "journal",
                    "aiguard-lab-gradio.service",
                ),
                app_line(
                    0,
                    "aiguard-lab-gradio.service: Failed with result 'signal'.",
                    "journal",
                    "aiguard-lab-gradio.service",
                ),
            ],
            [("app_failure", {"kind": "unit_failed", "source": "aiguard-lab-gradio.service"}, 1)],
        ),
        (
            "ordinary app lines",
            [app_line(0, "Running on local URL:  http://127.0.0.1:7860"), app_line(1, "model loaded in 4.2 s")],
            [],
        ),
        ("a record that is not JSON access", [{"host": "app1", "source": "nginx_access", "msg": "not json"}], []),
        (
            "a record without a time",
            [{"host": "app1", "source": "heygem", "msg": "Traceback (most recent call last):"}],
            [],
        ),
    ],
)
def test_rules_fire_exactly(name, records, expected):
    alerts = fire(records)
    got = [(a["rule"], a["count"]) for a in alerts]
    assert got == [(rule, count) for rule, _labels, count in expected], name
    for alert, (_rule, labels, _count) in zip(alerts, expected, strict=True):
        assert labels.items() <= alert["labels"].items(), name
        assert alert["summary"]


def test_burst_alert_says_who_and_when():
    [alert] = fire([wrong_password(i) for i in range(6)])
    assert alert["labels"] == {"host": "app1", "site": "studio", "address": "10.1.2.3"}
    assert alert["first"] == T0 and alert["last"] == T0 + 5
    assert "6 failed logins on studio from 10.1.2.3" in alert["summary"]


def test_burst_fires_again_after_its_cooldown():
    stream = [wrong_password(i) for i in range(6)] + [wrong_password(700 + i) for i in range(6)]
    assert [a["count"] for a in fire(stream)] == [6, 6]


# ------------------------------------------------------------ new source


def login(seconds, address, user="alice", **fields):
    return access(seconds, remote_addr=address, remote_user=user, auth_sent="basic", **fields)


DAY = 86400


@pytest.mark.parametrize(
    ("name", "records", "rules", "expected"),
    [
        ("a user's first address is learnt", [login(0, "10.1.2.3")], None, []),
        ("the same /24 again", [login(0, "10.1.2.3"), login(60, "10.1.2.99")], None, []),
        (
            "a known user from a new /24",
            [login(0, "10.1.2.3"), login(60, "203.0.113.7")],
            None,
            [{"principal": "user:alice", "network": "203.0.113.0/24"}],
        ),
        (
            "a new /24 twice: one alert",
            [login(0, "10.1.2.3"), login(60, "203.0.113.7"), login(120, "203.0.113.8")],
            None,
            [{"network": "203.0.113.0/24"}],
        ),
        (
            "a network not used for more than 30 days",
            [login(0, "10.1.2.3"), login(10, "198.51.100.4"), login(31 * DAY, "10.1.2.3")],
            None,
            [{"network": "198.51.100.0/24"}, {"network": "10.1.2.0/24"}],
        ),
        (
            "a failed login teaches nothing",
            [login(0, "10.1.2.3"), wrong_password(5, "203.0.113.7"), login(9, "10.1.2.3")],
            None,
            [],
        ),
        (
            "outside the allowed networks, even at first sight",
            [login(0, "203.0.113.7")],
            {"new_source": {"allowed_networks": ["10.0.0.0/8"]}},
            [{"network": "203.0.113.0/24"}],
        ),
        (
            "alert_first: the first address alerts too",
            [login(0, "10.1.2.3")],
            {"new_source": {"alert_first": True}},
            [{"network": "10.1.2.0/24"}],
        ),
        (
            "an API token from a new network",
            [access(0, token="t0123456789ab"), access(60, token="t0123456789ab", remote_addr="192.0.2.1")],
            None,
            [{"principal": "token:t0123456789ab", "network": "192.0.2.0/24"}],
        ),
        (
            "IPv6 by /48",
            [login(0, "2001:db8:1:2::5"), login(5, "2001:db8:1:ffff::9"), login(9, "2001:db8:2::1")],
            None,
            [{"network": "2001:db8:2::/48"}],
        ),
        (
            "two users are two histories",
            [login(0, "10.1.2.3"), login(5, "203.0.113.7", user="bob"), login(9, "203.0.113.7")],
            None,
            [{"principal": "user:alice"}],
        ),
    ],
)
def test_new_source(name, records, rules, expected):
    alerts = [a for a in fire(records, rules) if a["rule"] == "new_source"]
    assert len(alerts) == len(expected), (name, alerts)
    for alert, labels in zip(alerts, expected, strict=True):
        assert labels.items() <= alert["labels"].items(), name


def test_new_source_survives_a_restart(tmp_path):
    state = str(tmp_path / "seen.json")
    first = alertrules.Detector(state_path=state)
    stream = [login(0, "10.1.2.3"), login(60, "203.0.113.7"), login(70, "198.51.100.1", user="bob")]
    assert [a["rule"] for r in stream for a in first.feed(r)] == ["new_source"]
    first.save()
    again = alertrules.Detector(state_path=state)
    # the same addresses after the restart: nothing; a new one still alerts
    assert [
        a
        for r in [login(100, "10.1.2.3"), login(110, "203.0.113.9"), login(120, "198.51.100.2", user="bob")]
        for a in again.feed(r)
    ] == []
    assert [a["labels"]["network"] for a in again.feed(login(130, "192.0.2.50"))] == ["192.0.2.0/24"]


def test_state_keeps_users_whose_networks_aged_out(tmp_path):
    state = str(tmp_path / "seen.json")
    detector = alertrules.Detector(state_path=state)
    detector.feed(login(0, "10.1.2.3"))
    detector.feed(login(40 * DAY, "10.7.7.7", user="bob"))  # moves the clock on
    detector.save()
    saved = json.loads((tmp_path / "seen.json").read_text())
    assert not any(key.endswith("10.1.2.0/24") for key in saved["seen"])
    assert "app1|studio|user:alice" in saved["known"]
    again = alertrules.Detector(state_path=state)
    assert [a["labels"]["principal"] for a in again.feed(login(41 * DAY, "10.1.2.3"))] == ["user:alice"]


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"seen": {"a|b|c|d": "x"}}', '{"seen": 5}'])
def test_a_damaged_state_file_starts_empty(tmp_path, content):
    path = tmp_path / "seen.json"
    path.write_text(content)
    detector = alertrules.Detector(state_path=str(path))
    assert detector.feed(login(0, "10.1.2.3")) == []


# -------------------------------------------------------------- API spike


def api_calls(start, count, spacing, token="t0123456789ab", address="10.1.2.3"):
    return [
        access(start + i * spacing, token=token, remote_addr=address, auth_sent="bearer", path="/v1/chat/completions")
        for i in range(count)
    ]


def test_spike_over_the_hourly_limit():
    alerts = fire(api_calls(0, 60, 1), {"api_spike": {"per_hour": 50}})
    assert [(a["rule"], a["count"], a["labels"]["client"]) for a in alerts if a["rule"] == "api_spike"] == [
        ("api_spike", 51, "token:t0123456789ab")
    ]


def test_overnight_drain_over_its_own_baseline():
    rules = {"api_spike": {"min_count": 50, "multiple": 5.0, "min_history_hours": 3}}
    # a day of 20 calls an hour, then 400 in one night hour
    steady = [r for hour in range(24) for r in api_calls(hour * 3600, 20, 170)]
    night = api_calls(24 * 3600, 400, 8)
    alerts = [a for a in fire(steady + night, rules) if a["rule"] == "api_spike"]
    assert len(alerts) == 1
    assert alerts[0]["count"] == 101  # more than 5 times its usual 20
    assert "times its usual hour" in alerts[0]["summary"]


@pytest.mark.parametrize(
    ("name", "records"),
    [
        ("a steady client", [r for hour in range(30) for r in api_calls(hour * 3600, 100, 30)]),
        ("a new token's first busy hour (no history yet)", api_calls(0, 1000, 3)),
        (
            "a busy hour below min_count",
            [r for hour in range(24) for r in api_calls(hour * 3600, 2, 600)] + api_calls(86400, 150, 10),
        ),
        ("browsing without a token, below the address limit", [access(i) for i in range(3000)]),
    ],
)
def test_no_spike(name, records):
    assert [a for a in fire(records) if a["rule"] == "api_spike"] == [], name


def test_address_without_token_over_its_limit():
    alerts = fire([access(i * 0.1) for i in range(120)], {"api_spike": {"per_hour_address": 100}})
    assert [(a["rule"], a["labels"]["client"]) for a in alerts] == [("api_spike", "10.1.2.3")]


# ---------------------------------------------------------- rules checked


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ([], "rules: must be a mapping"),
        ({"brute": {}}, "rules.brute: no such rule"),
        ({"failed_login_burst": 5}, "rules.failed_login_burst: must be a mapping"),
        ({"failed_login_burst": {"treshold": 5}}, "rules.failed_login_burst.treshold: no such setting"),
        ({"failed_login_burst": {"count": 0}}, "rules.failed_login_burst.count: must be a whole number, at least 1"),
        ({"failed_login_burst": {"count": "10"}}, "must be a whole number"),
        ({"failed_login_burst": {"enabled": "yes"}}, "rules.failed_login_burst.enabled: must be true or false"),
        ({"new_source": {"ipv4_prefix": 33}}, "rules.new_source.ipv4_prefix: must be a whole number, 0 to 32"),
        ({"new_source": {"allowed_networks": "10.0.0.0/8"}}, "must be a list of networks"),
        (
            {"new_source": {"allowed_networks": ["10.0.0.0/33"]}},
            "rules.new_source.allowed_networks[0]: '10.0.0.0/33' is not a network",
        ),
        ({"api_spike": {"multiple": 1}}, "rules.api_spike.multiple: must be a number above 1"),
        (
            {"app_failure": {"patterns": {"oom": "CUDA ("}}},
            "rules.app_failure.patterns.oom: not a valid regular expression",
        ),
        ({"app_failure": {"patterns": {}}}, "rules.app_failure.patterns: must be a mapping of names"),
        ({"large_upload": {"cooldown": -1}}, "rules.large_upload.cooldown: must be a whole number, at least 0"),
    ],
)
def test_rule_problems(rules, problem):
    problems = alertrules.rule_problems(rules)
    assert any(problem in p for p in problems), problems
    with pytest.raises(alertrules.RuleError):
        alertrules.build_rules(rules)


def test_good_overrides_have_no_problems():
    rules = {
        "failed_login_burst": {"count": 5, "window": 30},
        "new_source": {"allowed_networks": ["10.0.0.0/8", "2001:db8::/32"], "days": 7},
        "large_upload": {"enabled": False},
        "api_spike": {"multiple": 3.5},
        "app_failure": {"patterns": {"oom": "Killed process"}},
    }
    assert alertrules.rule_problems(rules) == []
    built = alertrules.build_rules(rules)
    assert built["failed_login_burst"]["count_all"] == alertrules.DEFAULT_RULES["failed_login_burst"]["count_all"]


def test_a_disabled_rule_is_silent():
    records = [wrong_password(i) for i in range(30)]
    assert fire(records, {"failed_login_burst": {"enabled": False}}) == []


def test_a_growing_attack_is_one_alert_whose_count_moves_on():
    detector = alertrules.Detector()
    fired = [a for i in range(6) for a in detector.feed(wrong_password(i))]
    assert [a["count"] for a in fired] == [6] and detector.changes() == []
    more = [a for i in range(6, 20) for a in detector.feed(wrong_password(i))]
    assert more == []
    [changed] = detector.changes()
    assert (changed["key"], changed["count"], changed["first"], changed["last"]) == (
        fired[0]["key"],
        20,
        T0,
        T0 + 19,
    )
    assert "20 failed logins" in changed["summary"]
    assert detector.changes() == []


def test_a_restart_keeps_the_tokens_baselines(tmp_path):
    state = str(tmp_path / "seen.json")
    rules = {"api_spike": {"min_count": 50, "multiple": 5.0, "min_history_hours": 3}}
    first = alertrules.Detector(rules, state)
    for record in [r for hour in range(12) for r in api_calls(hour * 3600, 40, 80)]:
        first.feed(record)
    first.save()
    # After the restart, a busy hour of 150 is under 5 times its usual 40: no alert.
    again = alertrules.Detector(rules, state)
    assert [a for r in api_calls(12 * 3600, 150, 20) for a in again.feed(r)] == []
    # Without the saved hours, the same hour would look like a spike once 3 hours had passed.
    fresh = alertrules.Detector(rules)
    quiet = [r for hour in range(3) for r in api_calls(hour * 3600, 5, 600)]
    assert [a["rule"] for r in quiet + api_calls(3 * 3600, 150, 20) for a in fresh.feed(r)] == ["api_spike"]
