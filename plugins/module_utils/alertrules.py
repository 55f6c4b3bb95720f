# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Detections over the collector's stream: which records make an alert, and when.

Plain Python with no Ansible import, like the other programs the collector
runs: the alerting role's model checks the rules with ``rule_problems`` on
the controller, pytest drives ``Detector`` with recorded streams, and on a
collector ``alertdetect`` (the program rsyslog runs) feeds it the stored
records (as ``logcollect`` writes them: ``host``, ``source``, ``time``,
``unit``, ``msg``; for ``nginx_access`` the ``msg`` is nginx_auth's JSON
access line).

Rules (``DEFAULT_RULES``; every key can be changed, ``enabled: false``
turns a rule off):

- ``failed_login_burst``: more than ``count`` answers 401 for one site from
  one address within ``window`` seconds, or more than ``count_all`` from
  any addresses (a spread attack);
- ``new_source``: a successful request of a user or token from an address
  whose network (``/ipv4_prefix``, ``/ipv6_prefix``) it has not used in the
  last ``days`` days, or from outside ``allowed_networks`` (when given). What
  has been seen is kept in the state file, so a restart does not alert
  again; a user or token seen for the first time is learnt without an
  alert unless ``alert_first`` is on;
- ``large_upload``: a request body over ``bytes``;
- ``app_failure``: a line of an app's log or of an app unit's journal with a
  Python traceback, CUDA running out of memory, a model that failed to
  load, or a unit that failed (``patterns``, Python regular expressions);
- ``api_spike``: more than ``per_hour`` requests with one API token (the
  ``token`` field: nginx_auth's key of the token, never the token) on a
  site within an hour, or more than ``multiple`` times the token's own mean
  hour over the previous ``baseline_hours`` hours once it has
  ``min_history_hours`` of history and at least ``min_count`` requests in
  the hour (the overnight quota drain); and more than ``per_hour_address``
  requests without a token from one address within an hour.

An alert is a dict: ``rule``, ``key`` (what makes it the same alert:
the rule and its labels), ``labels``, ``count``, ``first`` and ``last``
(times of the records), ``summary``. One key alerts at most once per
``cooldown`` seconds (of the records' time); grouping and routing are the
delivery engine's.
"""

from __future__ import annotations

import collections
import datetime
import ipaddress
import json
import os
import re

DEFAULT_RULES = {
    "failed_login_burst": {"enabled": True, "count": 5, "count_all": 30, "window": 60, "cooldown": 600},
    "new_source": {
        "enabled": True,
        "days": 30,
        "ipv4_prefix": 24,
        "ipv6_prefix": 48,
        "allowed_networks": [],
        "alert_first": False,
        "cooldown": 3600,
    },
    "large_upload": {"enabled": True, "bytes": 1024**3, "cooldown": 0},
    "app_failure": {
        "enabled": True,
        "patterns": {
            "traceback": r"^Traceback \(most recent call last\)",
            "cuda_oom": r"CUDA out of memory|torch\.(cuda\.)?OutOfMemoryError|CUDA error: out of memory",
            "model_load": r"(?i)(failed|unable|error) (to |while |when )?load(ing)? (the )?(model|checkpoint|weights)",
            "unit_failed": r"(?:Main process exited, code=(?:exited|killed|dumped)|Failed with result ')",
        },
        "cooldown": 300,
    },
    "api_spike": {
        "enabled": True,
        "per_hour": 5000,
        "per_hour_address": 20000,
        "multiple": 5.0,
        "baseline_hours": 24,
        "min_history_hours": 3,
        "min_count": 200,
        "cooldown": 3600,
    },
}
SOURCE_ACCESS = "nginx_access"
INT_KEYS = {
    "count",
    "count_all",
    "window",
    "cooldown",
    "days",
    "ipv4_prefix",
    "ipv6_prefix",
    "bytes",
    "per_hour",
    "per_hour_address",
    "baseline_hours",
    "min_history_hours",
    "min_count",
}
LIMITS = {"ipv4_prefix": (0, 32), "ipv6_prefix": (0, 128)}
HOUR = 3600


class RuleError(ValueError):
    """Rules no detector is made of; ``problems`` lists every problem."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def rule_problems(rules, label="rules"):
    """Every problem of RULES (overrides of DEFAULT_RULES), each naming LABEL.RULE.KEY and the fix."""
    problems = []
    if not isinstance(rules, dict):
        return [f"{label}: must be a mapping of rule names to settings, not {type(rules).__name__}"]
    for name, settings in rules.items():
        where = f"{label}.{name}"
        if name not in DEFAULT_RULES:
            problems.append(f"{where}: no such rule; the rules are {', '.join(sorted(DEFAULT_RULES))}")
            continue
        if not isinstance(settings, dict):
            problems.append(f"{where}: must be a mapping of settings")
            continue
        for key, value in settings.items():
            spot = f"{where}.{key}"
            if key not in DEFAULT_RULES[name]:
                problems.append(f"{spot}: no such setting; {name} has {', '.join(sorted(DEFAULT_RULES[name]))}")
            elif key == "enabled" or key == "alert_first":
                if not isinstance(value, bool):
                    problems.append(f"{spot}: must be true or false")
            elif key in INT_KEYS:
                low, high = LIMITS.get(key, (0 if key == "cooldown" else 1, None))
                if isinstance(value, bool) or not isinstance(value, int) or value < low or (high and value > high):
                    bound = f"{low} to {high}" if high else f"at least {low}"
                    problems.append(f"{spot}: must be a whole number, {bound}, not {value!r}")
            elif key == "multiple":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 1:
                    problems.append(f"{spot}: must be a number above 1, not {value!r}")
            elif key == "allowed_networks":
                if not isinstance(value, list):
                    problems.append(f"{spot}: must be a list of networks (10.0.0.0/8, 2001:db8::/32)")
                    continue
                for index, network in enumerate(value):
                    try:
                        ipaddress.ip_network(str(network), strict=False)
                    except ValueError:
                        problems.append(f"{spot}[{index}]: {network!r} is not a network (10.0.0.0/8, 2001:db8::/32)")
            elif key == "patterns":
                if not isinstance(value, dict) or not value:
                    problems.append(f"{spot}: must be a mapping of names to regular expressions")
                    continue
                for kind, regex in value.items():
                    try:
                        re.compile(str(regex))
                    except re.error as error:
                        problems.append(f"{spot}.{kind}: not a valid regular expression ({error})")
    return problems


def build_rules(rules=None):
    """DEFAULT_RULES with RULES' settings over them; RuleError when they have problems."""
    rules = {} if rules is None else rules
    problems = rule_problems(rules)
    if problems:
        raise RuleError(problems)
    built = {}
    for name, defaults in DEFAULT_RULES.items():
        built[name] = {**defaults, **rules.get(name, {})}
    return built


def _number(value):
    """VALUE as a whole number; 0 for nginx's empty or "-" fields."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_time(text):
    """Seconds since the epoch of an ISO 8601 time (nginx's $time_iso8601, rsyslog's RFC 3339)."""
    try:
        moment = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


class Detector:
    """Feeds on stored records, one at a time (``feed``), and returns the alerts they make."""

    def __init__(self, rules=None, state_path=None):
        self.rules = build_rules(rules)
        self.state_path = state_path
        self.failures = collections.defaultdict(collections.deque)
        self.site_failures = collections.defaultdict(collections.deque)
        self.site_counts = collections.defaultdict(collections.Counter)
        self.requests = collections.defaultdict(collections.deque)
        self.hours = collections.defaultdict(dict)
        self.fired = {}
        self.active = {}
        self.changed = set()
        self.seen = {}
        self.known = set()
        self.dirty = False
        self.patterns = {kind: re.compile(regex) for kind, regex in self.rules["app_failure"]["patterns"].items()}
        self.allowed = [ipaddress.ip_network(n, strict=False) for n in self.rules["new_source"]["allowed_networks"]]
        if state_path:
            try:
                with open(state_path, encoding="utf-8") as handle:
                    state = json.load(handle)
                seen, known = state.get("seen", {}), state.get("known", [])
                self.seen = {key: float(value) for key, value in seen.items() if isinstance(value, (int, float))}
                self.known = {str(key) for key in known}
                for host, site, who, counts in state.get("hours", []):
                    self.hours[(host, site, who)] = {int(hour): int(count) for hour, count in counts.items()}
            except (OSError, ValueError, AttributeError, TypeError):
                self.seen, self.known = {}, set()
                self.hours.clear()
        # Users and tokens ever seen, kept when their networks age out.
        self.known |= {key.rsplit("|", 1)[0] for key in self.seen}

    # -------------------------------------------------------------- plumbing

    def save(self):
        """Write what new_source has seen and the tokens' hours (atomically), when it changed."""
        if not self.state_path or not self.dirty:
            return
        # What is older than the rule's days would alert again anyway; the
        # newest time is the clock (the records' time, not the host's).
        horizon = max(self.seen.values(), default=0) - self.rules["new_source"]["days"] * 86400 - HOUR
        self.seen = {key: when for key, when in self.seen.items() if when >= horizon}
        temporary = self.state_path + ".new"
        with open(temporary, "w", encoding="utf-8") as handle:
            # The tokens' hourly counts too: a restart keeps their baselines.
            hours = [[*key, counts] for key, counts in sorted(self.hours.items()) if key[2].startswith("token:")]
            json.dump({"seen": self.seen, "known": sorted(self.known), "hours": hours}, handle, separators=(",", ":"))
        os.replace(temporary, self.state_path)
        self.dirty = False

    def _alert(self, rule, labels, now, count, first, summary):
        key = rule + "|" + "|".join(f"{name}={labels[name]}" for name in sorted(labels))
        cooldown = self.rules[rule]["cooldown"]
        last = self.fired.get(key)
        if last is not None and now - last < cooldown:
            # The same alert still going on: its count and last time move on
            # (``changes``), so the delivered alert says how big it got.
            active = self.active.get(key)
            if active is not None and (count != active["count"] or now != active["last"]):
                active.update(count=max(count, active["count"]), last=now, summary=summary)
                self.changed.add(key)
            return []
        self.fired[key] = now
        alert = {
            "rule": rule,
            "key": key,
            "labels": dict(labels),
            "count": count,
            "first": first,
            "last": now,
            "summary": summary,
        }
        self.active[key] = dict(alert)
        self.changed.discard(key)
        return [alert]

    def changes(self):
        """The alerts fired earlier whose count grew since (their latest form), once each; then forgotten."""
        changed = [dict(self.active[key]) for key in sorted(self.changed)]
        self.changed.clear()
        return changed

    def feed(self, record):
        """The alerts RECORD (a stored record, a dict) makes, a list (mostly empty)."""
        if not isinstance(record, dict):
            return []
        host = str(record.get("host", ""))
        if record.get("source") == SOURCE_ACCESS:
            try:
                entry = json.loads(record.get("msg", ""))
            except (ValueError, TypeError):
                return []
            if not isinstance(entry, dict):
                return []
            now = parse_time(entry.get("time")) or parse_time(record.get("time"))
            if now is None:
                return []
            return self._access(host, entry, now)
        now = parse_time(record.get("time"))
        if now is None:
            return []
        return self._app_line(host, record, now)

    # ------------------------------------------------------------ the rules

    def _access(self, host, entry, now):
        alerts = []
        site = str(entry.get("site", ""))
        address = str(entry.get("remote_addr", ""))
        status = _number(entry.get("status"))
        # The body the client announced counts too: nginx refuses an
        # oversized body (413) before reading it, and bytes_in stays small.
        size = max(_number(entry.get("bytes_in")), _number(entry.get("content_length")))
        rules = self.rules
        # A 401 counts when credentials were sent (auth_sent): a browser's
        # first request of a session has none and is answered 401 too.
        if status == 401 and entry.get("auth_sent", "unknown") != "" and rules["failed_login_burst"]["enabled"]:
            alerts += self._burst(host, site, address, now)
        if 200 <= status < 400:
            principal = self._principal(entry)
            if principal and rules["new_source"]["enabled"]:
                alerts += self._new_source(host, site, principal, address, now)
        if rules["large_upload"]["enabled"] and size > rules["large_upload"]["bytes"]:
            labels = {"host": host, "site": site, "address": address, "path": str(entry.get("path", ""))}
            alerts += self._alert(
                "large_upload", labels, now, 1, now, f"{address} sent {size:,} bytes to {site}{labels['path']}"
            )
        if rules["api_spike"]["enabled"]:
            token = str(entry.get("token") or "")
            alerts += self._spike(host, site, "token:" + token if token else address, now, bool(token))
        return alerts

    @staticmethod
    def _principal(entry):
        if entry.get("token"):
            return "token:" + str(entry["token"])
        if entry.get("remote_user"):
            return "user:" + str(entry["remote_user"])
        return ""

    def _burst(self, host, site, address, now):
        rule = self.rules["failed_login_burst"]
        window, limit = rule["window"], rule["count"]
        alerts = []
        mine = self.failures[(host, site, address)]
        mine.append(now)
        while mine and mine[0] <= now - window:
            mine.popleft()
        if len(mine) > limit:
            labels = {"host": host, "site": site, "address": address}
            summary = f"{len(mine)} failed logins on {site} from {address} within {window} s"
            alerts += self._alert("failed_login_burst", labels, now, len(mine), mine[0], summary)
        # The spread attack: failures of addresses that each stay under the
        # limit (one attacker's burst is its own alert, not also this one).
        spread, by_address = self.site_failures[(host, site)], self.site_counts[(host, site)]
        spread.append((now, address))
        by_address[address] += 1
        while spread and spread[0][0] <= now - window:
            _when, old = spread.popleft()
            by_address[old] -= 1
            if not by_address[old]:
                del by_address[old]
        quiet = sum(count for count in by_address.values() if count <= limit)
        if quiet > rule["count_all"]:
            labels = {"host": host, "site": site, "address": "*"}
            summary = f"{quiet} failed logins on {site} from {len(by_address)} addresses within {window} s"
            alerts += self._alert("failed_login_burst", labels, now, quiet, spread[0][0], summary)
        return alerts

    def _network(self, address):
        rule = self.rules["new_source"]
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None, False
        prefix = rule["ipv4_prefix"] if ip.version == 4 else rule["ipv6_prefix"]
        outside = bool(self.allowed) and not any(ip in network for network in self.allowed)
        return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False)), outside

    def _new_source(self, host, site, principal, address, now):
        rule = self.rules["new_source"]
        network, outside = self._network(address)
        if network is None:
            return []
        key = f"{host}|{site}|{principal}|{network}"
        last = self.seen.get(key)
        known = last is not None or f"{host}|{site}|{principal}" in self.known
        if last is None or now - last > HOUR:
            self.seen[key] = now
            self.known.add(f"{host}|{site}|{principal}")
            self.dirty = True
        labels = {"host": host, "site": site, "principal": principal, "network": network}
        if outside:
            return self._alert(
                "new_source", labels, now, 1, now, f"{principal} on {site} from {address}, outside the allowed networks"
            )
        if last is not None and now - last <= rule["days"] * 86400:
            return []
        if last is None and not known and not rule["alert_first"]:
            return []
        return self._alert("new_source", labels, now, 1, now, f"{principal} on {site} from a new network, {network}")

    def _spike(self, host, site, who, now, token):
        rule = self.rules["api_spike"]
        limit = rule["per_hour"] if token else rule["per_hour_address"]
        queue = self.requests[(host, site, who)]
        queue.append(now)
        while queue and queue[0] <= now - HOUR:
            queue.popleft()
        hours = self.hours[(host, site, who)]
        hour = int(now // HOUR)
        if token and hour not in hours:
            self.dirty = True  # an hour of the token's baseline is complete: keep it
        hours[hour] = hours.get(hour, 0) + 1
        for old in [h for h in hours if h < hour - rule["baseline_hours"]]:
            del hours[old]
        count = len(queue)
        labels = {"host": host, "site": site, "client": who}
        if count > limit:
            return self._alert(
                "api_spike", labels, now, count, queue[0], f"{who} made {count} requests on {site} in an hour"
            )
        history = [hours.get(h, 0) for h in range(hour - rule["baseline_hours"], hour)]
        first_hour = min(hours)
        lived = hour - first_hour
        if not token or lived < rule["min_history_hours"] or count < rule["min_count"]:
            return []
        span = history[-min(lived, rule["baseline_hours"]) :]
        mean = sum(span) / len(span)
        if count > rule["multiple"] * max(mean, 1.0):
            return self._alert(
                "api_spike",
                labels,
                now,
                count,
                queue[0],
                f"{who} made {count} requests on {site} in an hour, {count / max(mean, 1.0):.1f} times its usual hour",
            )
        return []

    def _app_line(self, host, record, now):
        if not self.rules["app_failure"]["enabled"]:
            return []
        text = str(record.get("msg", ""))
        for kind, pattern in self.patterns.items():
            if pattern.search(text):
                where = str(record.get("unit") or record.get("source") or "")
                labels = {"host": host, "source": where, "kind": kind}
                return self._alert("app_failure", labels, now, 1, now, f"{kind} in {where} on {host}: {text[:200]}")
        return []
