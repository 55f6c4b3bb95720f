# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A collector's forward to Loki: stored records pushed in batches to ``/loki/api/v1/push``.

Plain Python with no Ansible import, run as ``python3 -I`` by rsyslog's
``omprog`` with ``confirmMessages="on"`` and ``useTransactions="on"``
(Debian's rsyslog has no ``omhttp``). rsyslog hands it one stored record a
line (the JSON the collector wrote: ``host``, ``source``, ``seq``, ``time``,
``unit``, ``msg``, ``peer``) between ``BEGIN TRANSACTION`` and ``COMMIT
TRANSACTION``; it answers ``OK`` at start and to the begin mark,
``DEFER_COMMIT`` to each record and, at the commit, ``OK`` once Loki has taken
the batch. Any other answer makes rsyslog keep the batch in the forward's
queue and send it again later: Loki down, a timeout, 401/403/404 (fix the
settings: nothing is lost meanwhile), 413, 429 and 5xx. A 400 (records Loki
refuses, such as ones older than its limit) would be refused again, so the
batch is dropped and the drop logged to the local syslog.

Each record becomes one entry: the line is the record's JSON, the time its
``time`` (now if it has none), the stream the configured labels plus the
record's ``host`` and ``source``. Loki keeps one entry of identical stream,
time and line, so a record sent twice is stored once.

The settings are a JSON file (the role writes it): ``url`` (the push URL),
``labels``, ``record_labels``, ``tenant`` (``X-Scope-OrgID``), ``user`` and
``password_file`` (basic auth), ``ca_file`` (for https), optional
``timeout`` (seconds). ``--check FILE`` checks a settings file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import ssl
import sys
import syslog
import time
import urllib.error
import urllib.request
from datetime import datetime

BEGIN, COMMIT = b"BEGIN TRANSACTION", b"COMMIT TRANSACTION"
KEYS = {"url", "labels", "record_labels", "tenant", "user", "password_file", "ca_file", "timeout"}
DEFAULT_TIMEOUT = 10


class SettingsError(ValueError):
    """A settings file the pusher cannot use."""


class PushError(RuntimeError):
    """Loki did not take a batch; rsyslog sends it again."""


def load_settings(path):
    """The settings in the JSON file PATH, checked; raises SettingsError."""
    try:
        with open(path, encoding="utf-8") as handle:
            settings = json.load(handle)
    except (OSError, ValueError) as error:
        raise SettingsError(f"{path}: {error}") from None
    if not isinstance(settings, dict):
        raise SettingsError(f"{path}: not a JSON object")
    unknown = sorted(set(settings) - KEYS)
    if unknown:
        raise SettingsError(f"{path}: unknown key(s) {', '.join(unknown)}")
    url = settings.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise SettingsError(f"{path}: url must be an http:// or https:// URL")
    labels = settings.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise SettingsError(f"{path}: labels must map names to strings")
    if settings.get("user") and not settings.get("password_file"):
        raise SettingsError(f"{path}: a user needs password_file")
    return {
        "url": url,
        "labels": dict(labels),
        "record_labels": list(settings.get("record_labels", [])),
        "tenant": settings.get("tenant") or "",
        "user": settings.get("user") or "",
        "password_file": settings.get("password_file") or "",
        "ca_file": settings.get("ca_file") or "",
        "timeout": float(settings.get("timeout") or DEFAULT_TIMEOUT),
    }


def timestamp_ns(record):
    """The record's time in nanoseconds since the epoch (now if it has no readable time)."""
    text = record.get("time") if isinstance(record, dict) else None
    if isinstance(text, str) and text:
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000
    return time.time_ns()


def payload(lines, labels, record_labels):
    """The push request's body of LINES (records as bytes): one stream per distinct label set."""
    streams = {}
    for raw in lines:
        line = raw.decode("utf-8", "replace")
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        stream = dict(labels)
        if isinstance(record, dict):
            for key in record_labels:
                if isinstance(record.get(key), str) and record[key]:
                    stream[key] = record[key]
        key = tuple(sorted(stream.items()))
        streams.setdefault(key, []).append([str(timestamp_ns(record)), line])
    return {"streams": [{"stream": dict(key), "values": values} for key, values in streams.items()]}


class Pusher:
    """Sends batches to Loki with the settings' labels, tenant, credentials and CA."""

    def __init__(self, settings):
        self.settings = settings
        self.headers = {"Content-Type": "application/json"}
        if settings["tenant"]:
            self.headers["X-Scope-OrgID"] = settings["tenant"]
        if settings["user"]:
            with open(settings["password_file"], encoding="utf-8") as handle:
                password = handle.read().rstrip("\r\n")
            token = base64.b64encode(f"{settings['user']}:{password}".encode()).decode("ascii")
            self.headers["Authorization"] = f"Basic {token}"
        handlers = []
        if settings["url"].startswith("https://"):
            context = ssl.create_default_context(cafile=settings["ca_file"] or None)
            handlers.append(urllib.request.HTTPSHandler(context=context))
        # Plain urllib (this runs without Ansible), no proxy from the environment.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), *handlers)

    def push(self, lines):
        """Send LINES; returns 'sent', 'empty' or 'dropped' (a 400); raises PushError for a retry."""
        if not lines:
            return "empty"
        body = json.dumps(payload(lines, self.settings["labels"], self.settings["record_labels"])).encode("utf-8")
        request = urllib.request.Request(self.settings["url"], data=body, headers=self.headers, method="POST")
        try:
            with self.opener.open(request, timeout=self.settings["timeout"]) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            detail = error.read(200).decode("utf-8", "replace").strip().replace("\n", " ")
            if error.code == 400:
                report(f"Loki refused {len(lines)} record(s), dropped: HTTP 400 {detail}")
                return "dropped"
            raise PushError(f"HTTP {error.code} {detail}") from None
        except (OSError, ValueError) as error:
            raise PushError(str(error).replace("\n", " ")) from None
        return "sent"


def report(text):
    """Tell the collector's own syslog (a dropped batch is not retried, so it must be seen)."""
    try:
        syslog.openlog("aiguard-log-loki", 0, syslog.LOG_DAEMON)
        syslog.syslog(syslog.LOG_WARNING, text)
    except OSError:
        sys.stderr.write(text + "\n")


def run(pusher, stdin, stdout):
    """omprog's protocol with confirmMessages and transactions (a line outside one is sent on its own)."""

    def answer(text):
        stdout.write(text.encode("utf-8") + b"\n")
        stdout.flush()

    answer("OK")
    batch, in_transaction = [], False
    for raw in stdin:
        line = raw.rstrip(b"\n")
        if line == BEGIN:
            batch, in_transaction = [], True
            answer("OK")
            continue
        if line != COMMIT and in_transaction:
            batch.append(line)
            answer("DEFER_COMMIT")
            continue
        lines = batch if line == COMMIT else [line]
        batch, in_transaction = [], False
        try:
            pusher.push(lines)
        except PushError as error:
            answer(f"ERROR loki push failed, kept for a retry: {error}")
        else:
            answer("OK")


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    check = args[:1] == ["--check"]
    if check:
        args = args[1:]
    if len(args) != 1:
        sys.stderr.write("usage: aiguard-log-loki [--check] SETTINGS.json\n")
        return 2
    try:
        settings = load_settings(args[0])
        pusher = Pusher(settings)
    except (SettingsError, OSError, ssl.SSLError) as error:
        sys.stderr.write(f"aiguard-log-loki: {error}\n")
        return 1
    if check:
        return 0
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        run(pusher, sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
