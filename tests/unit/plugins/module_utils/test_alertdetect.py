# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""aiguard-alert-detect: omprog's protocol, records once, alerts logged first, posts retried."""

from __future__ import annotations

import http.server
import io
import json
import threading
import typing

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import alertdetect

TIME = "2026-12-04T09:00:{:02d}+00:00"


def record(second, seq, status=401, address="10.1.2.3"):
    entry = {
        "time": TIME.format(second),
        "site": "studio",
        "remote_addr": address,
        "remote_user": "alice",
        "auth_sent": "basic",
        "status": status,
        "bytes_in": 400,
    }
    msg = json.dumps(entry)
    return json.dumps({"host": "app1", "source": "nginx_access", "seq": seq, "time": TIME.format(second), "msg": msg})


class Collecting:
    def __init__(self):
        self.alerts = []

    def put(self, key, alert):
        self.alerts.append((key, alert))


def config(tmp_path, **settings):
    return {
        **alertdetect.DEFAULTS,
        "state": str(tmp_path / "seen.json"),
        "detections_log": str(tmp_path / "detections.log"),
        **settings,
    }


def test_omprog_protocol_and_records_once(tmp_path):
    poster = Collecting()
    service = alertdetect.Service(config(tmp_path, rules={"failed_login_burst": {"count": 10}}), poster)
    lines = [record(i, f"k-{i}") for i in range(11)]
    lines += lines[5:]  # a client's resend after a reconnect
    lines.append("not json")
    out = io.StringIO()
    alertdetect.serve(service, io.StringIO("\n".join(lines) + "\n"), out)
    assert out.getvalue() == "OK\n" * (len(lines) + 1)  # ready, then one OK a line
    [(_key, alert)] = poster.alerts
    assert alert["labels"] == {
        "alertname": "failed_login_burst",
        "severity": "warning",
        "aiguard": "detect",
        "host": "app1",
        "site": "studio",
        "address": "10.1.2.3",
    }
    assert alert["annotations"]["count"] == "11"
    assert alert["startsAt"] == "2026-12-04T09:00:00Z"
    logged = [json.loads(line) for line in (tmp_path / "detections.log").read_text().splitlines()]
    assert [(entry["rule"], entry["count"], entry["changed"]) for entry in logged] == [
        ("failed_login_burst", 11, False)
    ]


def test_a_growing_alert_is_posted_again_with_its_count(tmp_path):
    poster = Collecting()
    clock = iter(range(1000)).__next__
    rules = {"failed_login_burst": {"count": 10}}
    service = alertdetect.Service(config(tmp_path, update_interval=5, rules=rules), poster, clock=clock)
    for i in range(20):
        service.take(record(i, f"k-{i}"))
    service.finish()
    counts = [int(alert["annotations"]["count"]) for _key, alert in poster.alerts]
    assert counts[0] == 11 and counts[-1] == 20
    assert len({key for key, _alert in poster.alerts}) == 1


def test_the_detections_log_cannot_be_written(tmp_path):
    service = alertdetect.Service(config(tmp_path, detections_log=str(tmp_path / "no" / "dir.log")), Collecting())
    # The line is not confirmed (the program stops; omprog starts it again and resends).
    with pytest.raises(OSError):
        for i in range(11):
            service.take(record(i, f"k-{i}"))


class AlertmanagerStandIn(http.server.BaseHTTPRequestHandler):
    answers: typing.ClassVar[list] = []
    bodies: typing.ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.answers.pop(0) if self.answers else 200
        if status == 200:
            self.bodies.append((self.path, json.loads(body)))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def alertmanager():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AlertmanagerStandIn)
    AlertmanagerStandIn.answers, AlertmanagerStandIn.bodies = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, AlertmanagerStandIn
    server.shutdown()


def test_poster_retries_until_taken(alertmanager):
    server, handler = alertmanager
    handler.answers = [503]
    poster = alertdetect.Poster(f"http://127.0.0.1:{server.server_port}", timeout=2)
    poster.put("a", {"labels": {"alertname": "x"}})
    poster.put("b", {"labels": {"alertname": "y"}})
    poster.put("a", {"labels": {"alertname": "x", "n": "2"}})  # the latest form replaces the waiting one
    assert poster.post_once() is False and len(poster.pending) == 2
    assert poster.post_once() is True and not poster.pending
    [(path, body)] = handler.bodies
    assert path == "/api/v2/alerts"
    assert body == [{"labels": {"alertname": "y"}}, {"labels": {"alertname": "x", "n": "2"}}]


def test_poster_when_nothing_listens():
    poster = alertdetect.Poster("http://127.0.0.1:9", timeout=1)
    poster.put("a", {"labels": {}})
    assert poster.post_once() is False and poster.pending


def test_poster_caps_what_waits():
    poster = alertdetect.Poster("http://127.0.0.1:9", max_pending=2)
    for key in "abc":
        poster.put(key, {"labels": {"k": key}})
    assert list(poster.pending) == ["b", "c"]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"colour": 1}, "colour: no such setting"),
        ({"rules": {"failed_login_burst": {"count": 0}}}, "rules.failed_login_burst.count"),
        ({"alertmanager": "127.0.0.1:9093"}, "alertmanager: '127.0.0.1:9093' is not an http(s) URL"),
        ({"state": "seen.json"}, "state: 'seen.json' is not an absolute path"),
        ({"severity": {"brute": "high"}}, "severity: must map rule names"),
        ({"update_interval": 0}, "update_interval: must be a number above 0"),
    ],
)
def test_config_problems(settings, problem):
    assert any(problem in p for p in alertdetect.config_problems(settings))


def test_main_check(tmp_path, capsys):
    path = tmp_path / "detect.json"
    path.write_text(json.dumps({"rules": {"large_upload": {"bytes": 1000}}}))
    assert alertdetect.main(["--config", str(path), "--check"]) == 0
    path.write_text(json.dumps({"timeout": -1}))
    assert alertdetect.main(["--config", str(path), "--check"]) == 2
    assert "timeout: must be a number above 0" in capsys.readouterr().err


def test_the_ticker_posts_the_final_count_when_the_lines_stop(tmp_path):
    poster = Collecting()
    now = [0.0]
    service = alertdetect.Service(config(tmp_path, update_interval=5), poster, clock=lambda: now[0])
    for i in range(9):
        service.take(record(i, f"k-{i}"))
    assert [alert["annotations"]["count"] for _key, alert in poster.alerts] == ["6"]
    now[0] = 6.0  # no more lines; the ticker's turn
    service.tick()
    assert [alert["annotations"]["count"] for _key, alert in poster.alerts] == ["6", "9"]
