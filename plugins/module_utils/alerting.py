# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The alerting role's model: its variables checked, and the three files made of them.

``build`` takes the role's variables (without the ``alerting_`` prefix) and
returns the problems of them, each naming the variable and the fix, or:

``detect_config``
    the JSON the detector (``alertdetect``) reads: the rules over
    ``alertrules.DEFAULT_RULES``, severities, paths, Alertmanager's URL;
``alertmanager_config``
    Alertmanager's configuration as a dict (the role writes it as YAML and
    ``amtool check-config`` checks it): one route to every target, grouping
    and timing from the variables;
``relay_config``
    the JSON the relay (``alertrelay``) reads, for the targets Alertmanager
    does not cover itself (DingTalk, Feishu/Lark, WeCom, the alert log), with
    their secrets in files of their own (``secrets``: ``[{target, file}]``;
    the role writes each from the variable's entry, never shown).

Targets: ``webhook`` (generic JSON, Alertmanager's own), ``slack`` (Slack
and compatible incoming webhooks, Alertmanager's own), ``email``
(Alertmanager's own), ``dingtalk``, ``feishu``, ``wecom`` and ``log``
(through the relay). The alert log is always written, whatever the targets.
"""

from __future__ import annotations

import ipaddress
import re

try:
    from ansible_collections.aiguard.hardening.plugins.module_utils import alertrules
except ImportError:  # pragma: no cover - beside alertrules on a host
    import alertrules

NATIVE = ("webhook", "slack", "email")
RELAYED = ("dingtalk", "feishu", "wecom", "log")
TYPES = NATIVE + RELAYED
TARGET_OPTIONS = {
    "webhook": {"url": None, "send_resolved": None, "matchers": []},
    "slack": {"url": None, "channel": "", "send_resolved": None, "matchers": []},
    "email": {
        "to": None,
        "from": None,
        "smarthost": None,
        "auth_username": "",
        "auth_password": "",
        "require_tls": True,
        "send_resolved": None,
        "matchers": [],
    },
    "dingtalk": {"url": None, "secret": "", "keyword": "", "send_resolved": None, "matchers": []},
    "feishu": {"url": None, "secret": "", "keyword": "", "send_resolved": None, "matchers": []},
    "wecom": {"url": None, "keyword": "", "send_resolved": None, "matchers": []},
    "log": {"send_resolved": None, "matchers": []},
}
SECRET_KEYS = ("secret", "auth_password")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
URL_RE = re.compile(r"^https?://[^\s/]+(/\S*)?$")
DURATION_RE = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
LABEL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ADDRESS_RE = re.compile(r"^(?P<host>\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})$")
EMAIL_RE = re.compile(r"^[^@\s,]+@[^@\s,]+$")
# Where the role puts what the programs read.
CONFIG_DIR = "/etc/aiguard/alerting"
ALERT_LOG_TARGET = "alert-log"


class AlertingError(ValueError):
    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _address_problem(label, value):
    match = ADDRESS_RE.match(str(value))
    if not match or not 0 < int(match.group("port")) < 65536:
        return f"{label}: {value!r} is not HOST:PORT (127.0.0.1:9093)"
    host = match.group("host").strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"{label}: {value!r} must listen on an address (127.0.0.1:9093), not a name"
    return None


def _target(index, item):
    where = f"alerting_targets[{index}]"
    if not isinstance(item, dict):
        return None, [f"{where}: must be a dict with name, type ({', '.join(TYPES)}) and its options"]
    kind = item.get("type")
    if kind not in TYPES:
        return None, [f"{where}.type: {kind!r} is not a target type; use one of {', '.join(TYPES)}"]
    options = TARGET_OPTIONS[kind]
    unknown = sorted(key for key in item if key not in ("name", "type", *options))
    if unknown:
        return None, [
            f"{where}: {', '.join(unknown)} not an option of type {kind}; its options are name, {', '.join(options)}"
        ]
    found = []
    entry = {"name": item.get("name") or kind, "type": kind}
    for key, default in options.items():
        value = item.get(key)
        if value is None:
            if default is None and key != "send_resolved":
                found.append(f"{where}.{key}: is required for type {kind}")
            value = default
        entry[key] = value
    if not isinstance(entry["name"], str) or not NAME_RE.match(entry["name"]):
        found.append(f"{where}.name: {entry['name']!r} is not a name (lower-case letters, digits, - and _, up to 32)")
    elif entry["name"] == ALERT_LOG_TARGET:
        found.append(f"{where}.name: {ALERT_LOG_TARGET!r} is the role's own alert log; choose another name")
    if "url" in options and isinstance(entry.get("url"), str) and not URL_RE.match(entry["url"]):
        found.append(f"{where}.url: {entry['url']!r} is not an http(s) URL")
    if entry["send_resolved"] is not None and not isinstance(entry["send_resolved"], bool):
        found.append(f"{where}.send_resolved: must be true or false")
    if not isinstance(entry["matchers"], list) or not all(isinstance(m, str) and m for m in entry["matchers"]):
        found.append(f"{where}.matchers: must be a list of Alertmanager matchers ('severity=\"critical\"')")
    for key in ("secret", "keyword", "channel", "auth_username", "auth_password"):
        if key in entry and not isinstance(entry[key], str):
            found.append(f"{where}.{key}: must be a string")
    if kind == "email":
        to = entry["to"]
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not to or not all(isinstance(a, str) and EMAIL_RE.match(a) for a in to):
            found.append(f"{where}.to: must be an e-mail address or a list of them")
        else:
            entry["to"] = to
        if entry["from"] is not None and not (isinstance(entry["from"], str) and EMAIL_RE.match(entry["from"])):
            found.append(f"{where}.from: {entry['from']!r} is not an e-mail address")
        if entry["smarthost"] is not None and not ADDRESS_RE.match(str(entry["smarthost"])):
            found.append(f"{where}.smarthost: {entry['smarthost']!r} is not HOST:PORT (smtp.example.com:587)")
        if not isinstance(entry["require_tls"], bool):
            found.append(f"{where}.require_tls: must be true or false")
    return (None if found else entry), found


def _receiver(target, relay_url, send_resolved):
    resolved = send_resolved if target["send_resolved"] is None else target["send_resolved"]
    kind, name = target["type"], target["name"]
    if kind == "webhook":
        return {"name": name, "webhook_configs": [{"url": target["url"], "send_resolved": resolved}]}
    if kind == "slack":
        config = {"api_url": target["url"], "send_resolved": resolved, "title": '{{ template "aiguard.title" . }}'}
        config["text"] = '{{ template "aiguard.text" . }}'
        if target["channel"]:
            config["channel"] = target["channel"]
        return {"name": name, "slack_configs": [config]}
    if kind == "email":
        config = {
            "to": ", ".join(target["to"]),
            "from": target["from"],
            "smarthost": target["smarthost"],
            "require_tls": target["require_tls"],
            "send_resolved": resolved,
            "headers": {"Subject": '{{ template "aiguard.title" . }}'},
            "text": '{{ template "aiguard.text" . }}',
        }
        if target["auth_username"]:
            config["auth_username"] = target["auth_username"]
            config["auth_password"] = target["auth_password"]
        return {"name": name, "email_configs": [config]}
    return {"name": name, "webhook_configs": [{"url": f"{relay_url}/{name}", "send_resolved": resolved}]}


def _route(name, matchers):
    route = {"receiver": name, "continue": True}
    if matchers:
        route["matchers"] = list(matchers)
    return route


def build(
    rules=None,
    severity=None,
    targets=None,
    alert_log="/var/log/aiguard-alerting/alerts.log",
    detections_log="/var/log/aiguard-alerting/detections.log",
    state_file="/var/lib/aiguard-alerting/seen.json",
    group_by=None,
    group_wait="10s",
    group_interval="1m",
    repeat_interval="4h",
    resolve_timeout="5m",
    send_resolved=False,
    alertmanager_listen="127.0.0.1:9093",
    relay_listen="127.0.0.1:9095",
):
    """The model of the role's variables (see the module's docstring); AlertingError with every problem."""
    rules = {} if rules is None else rules
    severity = {} if severity is None else severity
    targets = [] if targets is None else targets
    group_by = ["alertname", "host", "site"] if group_by is None else group_by
    found = list(alertrules.rule_problems(rules, "alerting_rules"))
    if not isinstance(severity, dict):
        found.append("alerting_severity: must map rule names to severities (critical, warning, info)")
    else:
        for rule, level in severity.items():
            if rule not in alertrules.DEFAULT_RULES:
                found.append(
                    f"alerting_severity.{rule}: no such rule; the rules are {', '.join(alertrules.DEFAULT_RULES)}"
                )
            elif not isinstance(level, str) or not LABEL_RE.match(level):
                found.append(f"alerting_severity.{rule}: {level!r} is not a severity (a word: critical, warning, info)")
    checked = []
    if not isinstance(targets, list):
        found.append("alerting_targets: must be a list of targets (name, type and its options)")
        targets = []
    for index, item in enumerate(targets):
        entry, more = _target(index, item)
        found += more
        if entry:
            checked.append(entry)
    names = [t["name"] for t in checked]
    for name in sorted({n for n in names if names.count(n) > 1}):
        found.append(f"alerting_targets: the name {name!r} is used twice; give each target its own name")
    for label, path in (
        ("alerting_alert_log", alert_log),
        ("alerting_detections_log", detections_log),
        ("alerting_state_file", state_file),
    ):
        if not isinstance(path, str) or not path.startswith("/") or "\n" in path:
            found.append(f"{label}: {path!r} is not an absolute path")
    if not isinstance(group_by, list) or not all(
        isinstance(g, str) and (g == "..." or LABEL_RE.match(g)) for g in group_by
    ):
        found.append("alerting_group_by: must be a list of label names (alertname, host, site) or ['...']")
    for label, value in (
        ("alerting_group_wait", group_wait),
        ("alerting_group_interval", group_interval),
        ("alerting_repeat_interval", repeat_interval),
        ("alerting_resolve_timeout", resolve_timeout),
    ):
        if not isinstance(value, str) or not DURATION_RE.match(value):
            found.append(f"{label}: {value!r} is not a duration (10s, 1m, 4h)")
    if not isinstance(send_resolved, bool):
        found.append("alerting_send_resolved: must be true or false")
    for label, value in (
        ("alerting_alertmanager_listen", alertmanager_listen),
        ("alerting_relay_listen", relay_listen),
    ):
        problem = _address_problem(label, value)
        if problem:
            found.append(problem)
    if not found and alertmanager_listen == relay_listen:
        found.append("alerting_relay_listen: the same address as alerting_alertmanager_listen; give it another port")
    if found:
        raise AlertingError(found)

    relay_url = "http://" + relay_listen
    all_targets = [*checked, {"name": ALERT_LOG_TARGET, "type": "log", "send_resolved": None, "matchers": []}]
    receivers = [{"name": "aiguard-root"}] + [_receiver(t, relay_url, send_resolved) for t in all_targets]
    alertmanager_config = {
        "global": {"resolve_timeout": resolve_timeout},
        "templates": [f"{CONFIG_DIR}/alertmanager.tmpl"],
        "route": {
            "receiver": "aiguard-root",
            "group_by": list(group_by),
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
            "routes": [_route(t["name"], t["matchers"]) for t in all_targets],
        },
        "receivers": receivers,
    }
    relayed = [t for t in all_targets if t["type"] in RELAYED]
    secrets = [
        {"target": t["name"], "position": names.index(t["name"]), "file": f"{CONFIG_DIR}/{t['name']}.secret"}
        for t in relayed
        if t.get("secret")
    ]
    secret_files = {s["target"]: s["file"] for s in secrets}
    relay_config = {
        "listen": relay_listen,
        "alert_log": alert_log,
        "targets": {
            t["name"]: {
                key: value
                for key, value in {
                    "type": t["type"],
                    "url": t.get("url", ""),
                    "keyword": t.get("keyword", ""),
                    "secret_file": secret_files.get(t["name"], ""),
                }.items()
                if value
            }
            for t in relayed
        },
    }
    detect_config = {
        "rules": rules,
        "severity": severity,
        "state": state_file,
        "detections_log": detections_log,
        "alertmanager": "http://" + alertmanager_listen,
    }
    return {
        "problems": [],
        "targets": [{"name": t["name"], "type": t["type"]} for t in all_targets],
        "alertmanager_config": alertmanager_config,
        "relay_config": relay_config,
        "detect_config": detect_config,
        "secrets": secrets,
        "has_email_secret": any(t["type"] == "email" and t["auth_password"] for t in checked),
    }
