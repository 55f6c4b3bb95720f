# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Loki pusher against a real local HTTP server: batches, labels, headers, retries, and omprog's protocol."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import lokipush

PROGRAM = Path(lokipush.__file__)
RECORD = {
    "host": "app1",
    "source": "heygem",
    "seq": "0a1b2c3d-7",
    "time": "2026-12-04T04:21:21.250000+00:00",
    "unit": "",
    "msg": "started",
    "peer": "10.89.0.4",
}


class Loki(BaseHTTPRequestHandler):
    """Answers each push with the next status of the server's list (204 when it is empty) and keeps the request."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append(
            {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": json.loads(body)}
        )
        status = self.server.statuses.pop(0) if self.server.statuses else 204
        self.send_response(status)
        payload = b"" if status == 204 else b"entry too far behind\n"
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def loki():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Loki)
    server.requests, server.statuses = [], []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def settings_file(tmp_path, server, **extra):
    settings = {
        "url": f"http://127.0.0.1:{server.server_address[1]}/loki/api/v1/push",
        "labels": {"job": "aiguard"},
        "record_labels": ["host", "source"],
        "tenant": "",
        "user": "",
        "password_file": "",
        "ca_file": "",
        "timeout": 5,
        **extra,
    }
    path = tmp_path / "loki.json"
    path.write_text(json.dumps(settings))
    return path


def line(**changes):
    return json.dumps({**RECORD, **changes}).encode() + b"\n"


def converse(pusher, *lines):
    out = io.BytesIO()
    lokipush.run(pusher, io.BytesIO(b"".join(lines)), out)
    return out.getvalue().decode().splitlines()


def test_a_transaction_is_one_push_with_a_stream_per_host_and_source(tmp_path, loki):
    pusher = lokipush.Pusher(lokipush.load_settings(settings_file(tmp_path, loki, tenant="team-a")))
    answers = converse(
        pusher,
        b"BEGIN TRANSACTION\n",
        line(),
        line(seq="0a1b2c3d-8", msg="ready"),
        line(host="app2", seq="ffff0000-1"),
        b"COMMIT TRANSACTION\n",
    )
    assert answers == ["OK", "OK", "DEFER_COMMIT", "DEFER_COMMIT", "DEFER_COMMIT", "OK"]
    (request,) = loki.requests
    assert request["path"] == "/loki/api/v1/push"
    assert request["headers"]["x-scope-orgid"] == "team-a"
    assert request["headers"]["content-type"] == "application/json"
    assert "authorization" not in request["headers"]
    streams = request["body"]["streams"]
    assert [stream["stream"] for stream in streams] == [
        {"job": "aiguard", "host": "app1", "source": "heygem"},
        {"job": "aiguard", "host": "app2", "source": "heygem"},
    ]
    first, second = streams[0]["values"]
    assert first == ["1796358081250000000", line().decode().rstrip("\n")]
    assert json.loads(second[1])["msg"] == "ready"
    assert len(streams[1]["values"]) == 1


@pytest.mark.parametrize("status", [429, 500, 503, 401, 404, 413])
def test_a_failed_push_is_an_error_answer_so_rsyslog_sends_the_batch_again(tmp_path, loki, status):
    loki.statuses = [status]
    pusher = lokipush.Pusher(lokipush.load_settings(settings_file(tmp_path, loki)))
    batch = [b"BEGIN TRANSACTION\n", line(), b"COMMIT TRANSACTION\n"]
    answers = converse(pusher, *batch, *batch)
    assert answers[:3] == ["OK", "OK", "DEFER_COMMIT"]
    assert answers[3].startswith(f"ERROR loki push failed, kept for a retry: HTTP {status}")
    # the second try (rsyslog's resend) goes through
    assert answers[4:] == ["OK", "DEFER_COMMIT", "OK"]
    assert len(loki.requests) == 2
    assert loki.requests[0]["body"] == loki.requests[1]["body"]


def test_a_refused_batch_is_dropped_not_retried_forever(tmp_path, loki, monkeypatch):
    reported = []
    monkeypatch.setattr(lokipush, "report", reported.append)
    loki.statuses = [400]
    pusher = lokipush.Pusher(lokipush.load_settings(settings_file(tmp_path, loki)))
    assert converse(pusher, b"BEGIN TRANSACTION\n", line(), b"COMMIT TRANSACTION\n") == [
        "OK",
        "OK",
        "DEFER_COMMIT",
        "OK",
    ]
    assert reported == ["Loki refused 1 record(s), dropped: HTTP 400 entry too far behind"]


def test_nobody_listening_is_an_error_answer(tmp_path, loki):
    path = settings_file(tmp_path, loki)
    loki.shutdown()
    loki.server_close()
    pusher = lokipush.Pusher(lokipush.load_settings(path))
    answers = converse(pusher, b"BEGIN TRANSACTION\n", line(), b"COMMIT TRANSACTION\n")
    assert answers[-1].startswith("ERROR loki push failed, kept for a retry:")


def test_basic_auth_from_the_password_file(tmp_path, loki):
    secret = tmp_path / "loki.secret"
    secret.write_text("s3cret\n")
    pusher = lokipush.Pusher(
        lokipush.load_settings(settings_file(tmp_path, loki, user="aiguard", password_file=str(secret)))
    )
    assert converse(pusher, line()) == ["OK", "OK"]
    expected = "Basic " + base64.b64encode(b"aiguard:s3cret").decode()
    assert loki.requests[0]["headers"]["authorization"] == expected


def test_a_line_outside_a_transaction_and_a_line_that_is_not_json(tmp_path, loki, monkeypatch):
    monkeypatch.setattr(lokipush.time, "time_ns", lambda: 42)
    pusher = lokipush.Pusher(lokipush.load_settings(settings_file(tmp_path, loki)))
    assert converse(pusher, b"not json\n") == ["OK", "OK"]
    assert loki.requests[0]["body"] == {"streams": [{"stream": {"job": "aiguard"}, "values": [["42", "not json"]]}]}


def test_an_empty_transaction_sends_nothing(tmp_path, loki):
    pusher = lokipush.Pusher(lokipush.load_settings(settings_file(tmp_path, loki)))
    assert converse(pusher, b"BEGIN TRANSACTION\n", b"COMMIT TRANSACTION\n") == ["OK", "OK", "OK"]
    assert loki.requests == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04T04:21:21Z", 1796358081 * 10**9),
        ("2026-12-04T05:21:21.000001+01:00", 1796358081 * 10**9 + 1000),
    ],
)
def test_timestamps(text, expected):
    assert lokipush.timestamp_ns({"time": text}) == expected


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"url": "loki:3100"}, "url must be an http:// or https:// URL"),
        ({"url": "http://l", "colour": 1}, "unknown key(s) colour"),
        ({"url": "http://l", "labels": {"a": 1}}, "labels must map names to strings"),
        ({"url": "http://l", "user": "u"}, "a user needs password_file"),
    ],
)
def test_bad_settings(tmp_path, settings, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(settings))
    with pytest.raises(lokipush.SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lokipush.load_settings(path)


def test_the_program_as_rsyslog_runs_it(tmp_path, loki):
    path = settings_file(tmp_path, loki)
    check = subprocess.run([sys.executable, "-I", str(PROGRAM), "--check", str(path)], capture_output=True, check=False)
    assert check.returncode == 0, check.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    check = subprocess.run([sys.executable, "-I", str(PROGRAM), "--check", str(bad)], capture_output=True, check=False)
    assert check.returncode == 1
    assert b"url must be" in check.stderr
    run = subprocess.run(
        [sys.executable, "-I", str(PROGRAM), str(path)],
        input=b"BEGIN TRANSACTION\n" + line() + b"COMMIT TRANSACTION\n",
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert run.stdout.decode().splitlines() == ["OK", "OK", "DEFER_COMMIT", "OK"]
    assert loki.requests[0]["body"]["streams"][0]["values"][0][1] == line().decode().rstrip("\n")
