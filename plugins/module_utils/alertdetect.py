# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""aiguard-alert-detect: the collector's detector, fed by rsyslog, posting to Alertmanager.

rsyslog runs it through log_shipping's ``program`` forward (``omprog`` with
confirmMessages): each stored record arrives as one JSON line on standard
input and is answered ``OK`` once the detector has taken it, so a record is
never skipped when the detector restarts. Records sent twice by a client
(at-least-once) are recognised by host and sequence ID and fed once.

Each alert (``alertrules``) is appended to the detections log first (one
JSON object a line: nothing detected is lost when Alertmanager is away),
then posted to Alertmanager's API (``/api/v2/alerts``), which groups,
deduplicates, silences and routes. An alert that grows (an attack that goes
on) is posted again with its new count, at most every ``update_interval``
seconds; Alertmanager keeps it one alert. Posts that fail are retried in the
background, oldest first, and the failures logged to syslog.

Plain Python (standard library only); the same file is the alertrules
module's neighbour on the collector (``--check`` validates a configuration).
"""

from __future__ import annotations

import collections
import datetime
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

try:
    import syslog
except ImportError:  # pragma: no cover - not on Linux
    syslog = None

try:  # in the collection (tests, the controller)
    from ansible_collections.aiguard.hardening.plugins.module_utils import alertrules
except ImportError:  # on the collector, both files lie side by side (run with python3 -I)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import alertrules

DEFAULTS = {
    "rules": {},
    "state": "/var/lib/aiguard-alerting/seen.json",
    "detections_log": "/var/log/aiguard-alerting/detections.log",
    "alertmanager": "http://127.0.0.1:9093",
    "severity": {
        "failed_login_burst": "warning",
        "new_source": "warning",
        "large_upload": "warning",
        "app_failure": "critical",
        "api_spike": "critical",
    },
    "update_interval": 1,
    "retry_interval": 10,
    "max_pending": 10000,
    "timeout": 5,
}
SEEN_SEQS = 200000


def config_problems(config):
    """Every problem of a detector configuration (a dict), each naming its key."""
    if not isinstance(config, dict):
        return ["the configuration must be a JSON object"]
    problems = [
        f"{key}: no such setting; the settings are {', '.join(DEFAULTS)}" for key in config if key not in DEFAULTS
    ]
    problems += alertrules.rule_problems(config.get("rules", {}), "rules")
    url = config.get("alertmanager", DEFAULTS["alertmanager"])
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        problems.append(f"alertmanager: {url!r} is not an http(s) URL of Alertmanager")
    for key in ("state", "detections_log"):
        value = config.get(key, DEFAULTS[key])
        if not isinstance(value, str) or not value.startswith("/"):
            problems.append(f"{key}: {value!r} is not an absolute path")
    severity = config.get("severity", {})
    if not isinstance(severity, dict) or any(k not in alertrules.DEFAULT_RULES for k in severity):
        problems.append(f"severity: must map rule names ({', '.join(alertrules.DEFAULT_RULES)}) to severities")
    for key in ("update_interval", "retry_interval", "max_pending", "timeout"):
        value = config.get(key, DEFAULTS[key])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            problems.append(f"{key}: must be a number above 0, not {value!r}")
    return problems


def load(path):
    """The configuration at PATH over DEFAULTS; ValueError naming every problem."""
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    problems = config_problems(config)
    if problems:
        raise ValueError("; ".join(problems))
    merged = {**DEFAULTS, **config}
    merged["severity"] = {**DEFAULTS["severity"], **config.get("severity", {})}
    return merged


def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat().replace("+00:00", "Z")


def to_alertmanager(alert, severity):
    """Alertmanager's form of ALERT: labels say which alert it is, annotations what happened."""
    labels = {"alertname": alert["rule"], "severity": severity, "aiguard": "detect"}
    labels.update({name: str(value) for name, value in alert["labels"].items()})
    return {
        "labels": labels,
        "annotations": {
            "summary": alert["summary"],
            "count": str(alert["count"]),
            "first": iso(alert["first"]),
            "last": iso(alert["last"]),
        },
        "startsAt": iso(alert["first"]),
    }


def log(message):
    if syslog is not None:
        syslog.openlog("aiguard-alert-detect", 0, syslog.LOG_DAEMON)
        syslog.syslog(syslog.LOG_WARNING, message)
    else:  # pragma: no cover
        sys.stderr.write(message + "\n")


class Poster:
    """Posts alerts to Alertmanager from a thread of its own; what fails waits and is tried again."""

    def __init__(self, url, timeout=5, retry_interval=10, max_pending=10000, opener=None):
        self.url = url.rstrip("/") + "/api/v2/alerts"
        self.timeout = timeout
        self.retry_interval = retry_interval
        self.pending = collections.OrderedDict()  # key -> Alertmanager alert (its latest form)
        self.max_pending = max_pending
        self.lock = threading.Condition()
        # Plain urllib (this runs without Ansible), no proxy from the environment.
        self.opener = opener or urllib.request.build_opener(urllib.request.ProxyHandler({})).open
        self.failing = False
        self.stopping = False
        self.thread = None

    def put(self, key, alert):
        with self.lock:
            self.pending.pop(key, None)
            self.pending[key] = alert
            while len(self.pending) > self.max_pending:
                dropped, _alert = self.pending.popitem(last=False)
                log(f"over {self.max_pending} alerts wait for Alertmanager; {dropped} dropped (in the detections log)")
            self.lock.notify()

    def post_once(self):
        """Post what waits, in one request; True when Alertmanager took it (or nothing waited)."""
        with self.lock:
            batch = list(self.pending.items())
        if not batch:
            return True
        body = json.dumps([alert for _key, alert in batch]).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        try:
            with self.opener(request, timeout=self.timeout) as answer:
                answer.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            if not self.failing:
                log(f"Alertmanager at {self.url} did not take {len(batch)} alert(s): {error}; trying again")
            self.failing = True
            return False
        if self.failing:
            log(f"Alertmanager at {self.url} takes alerts again")
        self.failing = False
        with self.lock:
            for key, alert in batch:
                if self.pending.get(key) is alert:
                    del self.pending[key]
        return True

    def run(self):
        while True:
            with self.lock:
                while not self.pending and not self.stopping:
                    self.lock.wait()
                if self.stopping and not self.pending:
                    return
            if not self.post_once():
                with self.lock:
                    if self.stopping:
                        return
                    self.lock.wait(self.retry_interval)

    def start(self):
        self.thread = threading.Thread(target=self.run, name="alertmanager", daemon=True)
        self.thread.start()

    def stop(self, grace=5):
        """Post what waits (for up to GRACE seconds), then stop."""
        deadline = time.monotonic() + grace
        while self.pending and time.monotonic() < deadline:
            if not self.post_once():
                time.sleep(0.5)
        with self.lock:
            self.stopping = True
            self.lock.notify()


class Service:
    """Records in, alerts to the detections log and to the poster."""

    def __init__(self, config, poster, clock=time.monotonic):
        self.config = config
        self.detector = alertrules.Detector(config["rules"], config["state"])
        self.poster = poster
        self.clock = clock
        self.seqs = collections.OrderedDict()
        self.last_update = clock()
        self.log_path = config["detections_log"]
        # take() runs in the main thread, tick() also in the ticker's.
        self.lock = threading.Lock()

    def _record_once(self, record):
        seq = record.get("seq")
        if not seq:
            return True
        key = (str(record.get("host", "")), str(seq))
        if key in self.seqs:
            return False
        self.seqs[key] = None
        if len(self.seqs) > SEEN_SEQS:
            self.seqs.popitem(last=False)
        return True

    def _deliver(self, alerts, changed=False):
        if not alerts:
            return
        lines = "".join(
            json.dumps({**alert, "changed": changed}, ensure_ascii=False, separators=(",", ":")) + "\n"
            for alert in alerts
        )
        # Written before anything else: what was detected stays on record.
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(lines)
        for alert in alerts:
            severity = self.config["severity"].get(alert["rule"], "warning")
            self.poster.put(alert["key"], to_alertmanager(alert, severity))

    def take(self, line):
        """Feed one line of rsyslog's; the detector's state saved when it changed."""
        try:
            record = json.loads(line)
        except ValueError:
            return
        if not isinstance(record, dict):
            return
        with self.lock:
            if not self._record_once(record):
                return
            self._deliver(self.detector.feed(record))
            self.detector.save()
        self.tick()

    def tick(self):
        """Post the alerts that grew, at most every update_interval seconds."""
        with self.lock:
            if self.clock() - self.last_update >= self.config["update_interval"]:
                self.last_update = self.clock()
                self._deliver(self.detector.changes(), changed=True)

    def ticker(self):
        """tick() every second in a thread of its own: an attack's final count goes out when its lines stop."""

        def run():
            while True:
                time.sleep(1)
                try:
                    self.tick()
                except OSError as error:  # the detections log: the main thread fails on it too
                    log(f"cannot write the detections log: {error}")

        thread = threading.Thread(target=run, name="ticker", daemon=True)
        thread.start()
        return thread

    def finish(self):
        with self.lock:
            self._deliver(self.detector.changes(), changed=True)
            self.detector.save()


def serve(service, stdin, stdout):
    """omprog's confirmMessages protocol: OK when ready, then OK for each line taken."""
    stdout.write("OK\n")
    stdout.flush()
    for line in stdin:
        service.take(line)
        stdout.write("OK\n")
        stdout.flush()
    service.finish()


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="aiguard-alert-detect", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="the detector's JSON configuration")
    parser.add_argument("--check", action="store_true", help="check the configuration and exit")
    args = parser.parse_args(argv)
    try:
        config = load(args.config)
    except (OSError, ValueError) as error:
        sys.stderr.write(f"aiguard-alert-detect: {args.config}: {error}\n")
        return 2
    if args.check:
        return 0
    for path in (config["state"], config["detections_log"]):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    poster = Poster(config["alertmanager"], config["timeout"], config["retry_interval"], config["max_pending"])
    poster.start()
    service = Service(config, poster)
    service.ticker()
    try:
        serve(service, sys.stdin, sys.stdout)
    finally:
        poster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
