# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The alert relay: signatures, message bodies, the robots' verdicts, retries, the alert log and the HTTP service."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import alertrelay

PROGRAM = Path(alertrelay.__file__)
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
TOKEN = "d1f0c3a5b7e9d1f0c3a5b7e9d1f0c3a5b7e9d1f0c3a5b7e9d1f0c3a5b7e9aa55"


def hmac_sha256(key, message):
    """HMAC-SHA256 as RFC 2104 writes it, with hashlib alone (not the hmac module the relay uses)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in key) + inner).digest()


def alert(**labels):
    """An alert as Alertmanager posts it."""
    return {
        "status": "firing",
        "labels": {"alertname": "failed_login_burst", "rule": "failed_login_burst", **labels},
        "annotations": {"summary": "31 failed logins on chat from 203.0.113.7 within 60 s", "count": "31"},
        "startsAt": "2026-12-04T03:12:09.512Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "",
        "fingerprint": "5c4f8a2b9d1e3f60",
    }


def notification(*alerts, status="firing", truncated=0):
    """Alertmanager's webhook payload, version 4."""
    alerts = list(alerts) or [alert(host="app1", site="chat", address="203.0.113.7")]
    return {
        "receiver": "team",
        "status": status,
        "alerts": alerts,
        "groupLabels": {"alertname": "failed_login_burst"},
        "commonLabels": {"alertname": "failed_login_burst"},
        "commonAnnotations": {},
        "externalURL": "http://logs:9093",
        "version": "4",
        "groupKey": '{}:{alertname="failed_login_burst"}',
        "truncatedAlerts": truncated,
    }


# ------------------------------------------------------------------ signing


@pytest.mark.parametrize(
    ("secret", "stamp"),
    [("secret", 1700000000000), (SECRET, 1796358729512), ("短い秘密", 1)],
)
def test_dingtalk_sign_is_the_url_encoded_base64_hmac_of_the_stamp_and_secret_keyed_by_the_secret(secret, stamp):
    digest = hmac_sha256(secret.encode(), f"{stamp}\n{secret}".encode())
    expected = urllib.parse.quote(base64.b64encode(digest).decode(), safe="")
    assert alertrelay.dingtalk_sign(secret, stamp) == expected


def test_dingtalk_sign_matches_a_published_vector():
    # The value another DingTalk client's tests give for these inputs.
    assert alertrelay.dingtalk_sign("secret", 1700000000000) == "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"


@pytest.mark.parametrize(("secret", "stamp"), [("test-secret", 1599360473), (SECRET, 1796358729)])
def test_feishu_sign_is_the_base64_hmac_of_nothing_keyed_by_the_stamp_and_secret(secret, stamp):
    expected = base64.b64encode(hmac_sha256(f"{stamp}\n{secret}".encode(), b"")).decode()
    assert alertrelay.feishu_sign(secret, stamp) == expected
    assert alertrelay.feishu_sign(secret, stamp) != alertrelay.feishu_sign(secret, stamp + 1)


# ------------------------------------------------------------------ bodies


def target(kind, url="https://robot.example/send?access_token=" + TOKEN, **extra):
    return {"type": kind, "url": url, "secret": "", "keyword": "", "timeout": 5.0, **extra}


def test_the_message_has_the_status_alertname_count_and_each_alerts_summary_count_labels_and_start():
    title, lines = alertrelay.render(
        notification(
            alert(host="app1", site="chat", address="203.0.113.7"),
            alert(host="app2", site="chat", address="198.51.100.9"),
        )
    )
    assert title == "[FIRING:2] failed_login_burst"
    assert lines[0] == (
        "31 failed logins on chat from 203.0.113.7 within 60 s "
        "(count=31, host=app1, site=chat, address=203.0.113.7, since 2026-12-04T03:12:09.512Z)"
    )
    assert "host=app2" in lines[1]


def test_a_long_notification_lists_the_first_alerts_and_counts_the_rest_and_alertmanagers_truncated_ones():
    many = [alert(host=f"app{n}", site="chat", address="203.0.113.7") for n in range(14)]
    title, lines = alertrelay.render(notification(*many, truncated=6))
    assert title == "[FIRING:14] failed_login_burst"
    assert len(lines) == alertrelay.MAX_ALERTS + 1
    assert lines[-1] == "... and 10 more"


def test_a_resolved_notification_says_so():
    title, _lines = alertrelay.render(notification(status="resolved"))
    assert title.startswith("[RESOLVED:1] ")


@pytest.mark.parametrize(
    ("kind", "secret", "check"),
    [
        (
            "dingtalk",
            "",
            lambda url, body: (
                url.endswith(TOKEN)
                and body["msgtype"] == "markdown"
                and body["markdown"]["title"] == "[FIRING:1] failed_login_burst"
                and body["markdown"]["text"].startswith("### [FIRING:1] failed_login_burst\n\n- 31 failed logins")
            ),
        ),
        (
            "dingtalk",
            SECRET,
            lambda url, body: (
                url
                == f"https://robot.example/send?access_token={TOKEN}&timestamp=1796358729512&sign="
                + urllib.parse.quote(
                    base64.b64encode(hmac_sha256(SECRET.encode(), f"1796358729512\n{SECRET}".encode())).decode(),
                    safe="",
                )
            ),
        ),
        (
            "feishu",
            "",
            lambda url, body: (
                body
                == {
                    "msg_type": "text",
                    "content": {
                        "text": "[FIRING:1] failed_login_burst\n31 failed logins on chat "
                        "from 203.0.113.7 within 60 s (count=31, host=app1, site=chat, address=203.0.113.7, "
                        "since 2026-12-04T03:12:09.512Z)"
                    },
                }
            ),
        ),
        (
            "feishu",
            SECRET,
            lambda url, body: (
                body["timestamp"] == "1796358729"
                and body["sign"] == base64.b64encode(hmac_sha256(f"1796358729\n{SECRET}".encode(), b"")).decode()
                and body["msg_type"] == "text"
                and url.endswith(TOKEN)
            ),
        ),
        (
            "wecom",
            "",
            lambda url, body: (
                body["msgtype"] == "markdown"
                and body["markdown"]["content"].startswith("### [FIRING:1] failed_login_burst\n> 31 failed logins")
            ),
        ),
    ],
)
def test_each_robot_gets_its_own_body_and_signature(kind, secret, check):
    url, body = alertrelay.request_for(target(kind, secret=secret), notification(), now=1796358729.512)
    assert check(url, body), (url, body)


def test_a_url_without_a_query_gets_the_signature_as_its_query():
    url, _body = alertrelay.request_for(
        target("dingtalk", url="http://127.0.0.1:1/robot", secret="s"), notification(), now=1.0
    )
    assert url.startswith("http://127.0.0.1:1/robot?timestamp=1000&sign=")


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "wecom"])
def test_the_keyword_leads_the_title_and_the_text(kind):
    _url, body = alertrelay.request_for(target(kind, keyword="AIGuard"), notification(), now=1.0)
    text = {"dingtalk": lambda: body["markdown"]["text"], "feishu": lambda: body["content"]["text"]}.get(
        kind, lambda: body["markdown"]["content"]
    )()
    assert "AIGuard [FIRING:1]" in text
    if kind == "dingtalk":
        assert body["markdown"]["title"].startswith("AIGuard ")


def test_a_wecom_message_is_cut_to_the_robots_4096_bytes_on_a_character_boundary():
    long = alert(host="app1", site="chat", address="203.0.113.7")
    long["annotations"]["summary"] = "模型加载失败 " * 300
    _url, body = alertrelay.request_for(target("wecom"), notification(long, long), now=1.0)
    content = body["markdown"]["content"]
    assert len(content.encode("utf-8")) <= alertrelay.WECOM_LIMIT
    assert content.endswith("...")


# ------------------------------------------------------------------ verdicts

VERDICTS = [
    # DingTalk: 200 whatever went wrong, the verdict is errcode.
    ("dingtalk", 200, {"errcode": 0, "errmsg": "ok"}, True),
    ("dingtalk", 200, {"errcode": 310000, "errmsg": "keywords not in content"}, False),
    ("dingtalk", 200, {"errcode": 310000, "errmsg": "sign not match"}, False),
    ("dingtalk", 200, {"errcode": 310000, "errmsg": "invalid timestamp"}, False),
    ("dingtalk", 200, {"errcode": 310000, "errmsg": "ip 198.51.100.2 not in whitelist"}, False),
    ("dingtalk", 200, {"errcode": 300005, "errmsg": "token is not exist"}, False),
    ("dingtalk", 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, False),
    # Feishu/Lark: code (older bots StatusCode).
    ("feishu", 200, {"code": 0, "data": {}, "msg": "success"}, True),
    ("feishu", 200, {"Extra": None, "StatusCode": 0, "StatusMessage": "success"}, True),
    (
        "feishu",
        200,
        {"code": 19021, "data": {}, "msg": "sign match fail or timestamp is not within one hour from current time"},
        False,
    ),
    ("feishu", 200, {"code": 19024, "data": {}, "msg": "Key Words Not Found"}, False),
    ("feishu", 200, {"code": 19022, "data": {}, "msg": "Ip Not Allowed"}, False),
    ("feishu", 200, {"code": 19001, "data": {}, "msg": "param invalid: incoming webhook access token invalid"}, False),
    ("feishu", 200, {"code": 9499, "data": {}, "msg": "Bad Request"}, False),
    ("feishu", 200, {"code": 11232, "data": {}, "msg": "frequency limited psm"}, False),
    ("feishu", 200, {"errcode": 0, "errmsg": "ok"}, False),  # not Feishu's answer
    # WeCom: errcode.
    ("wecom", 200, {"errcode": 0, "errmsg": "ok"}, True),
    ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1708397705432012366598976]"}, False),
    ("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, False),
    ("wecom", 200, {"errcode": 40008, "errmsg": "invalid message type"}, False),
    ("wecom", 200, {"errcode": -1, "errmsg": "system busy"}, False),
    # Whatever the robot: a 2xx with a code 0 (the number) or nothing.
    ("wecom", 500, {"errcode": 0, "errmsg": "ok"}, False),
    ("dingtalk", 302, {"errcode": 0}, False),
    ("dingtalk", 200, {"errcode": "0"}, False),
    ("feishu", 200, {"code": False}, False),
    ("dingtalk", 200, "<html><body>gateway</body></html>", False),
    ("wecom", 200, "", False),
    ("feishu", 200, [], False),
]


@pytest.mark.parametrize(("kind", "status", "answer", "delivered"), VERDICTS)
def test_a_delivery_is_done_only_when_the_robots_body_says_so(kind, status, answer, delivered):
    data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
    done, detail = alertrelay.verdict(kind, status, data)
    assert done is delivered
    assert detail.startswith(f"HTTP {status}")
    if isinstance(answer, dict) and not delivered and ("errcode" in answer or "code" in answer) and status == 200:
        code = answer.get("code", answer.get("errcode"))
        message = answer.get("msg", answer.get("errmsg", ""))
        if kind != "feishu" or "code" in answer:
            assert f"code {code}: {message}" in detail


# ------------------------------------------------------------------ a robot and a relay


class Robot(BaseHTTPRequestHandler):
    """A robot's endpoint: answers each post with the next (status, body, delay) of its list, then errcode 0."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "body": json.loads(body)})
        status, answer, delay = self.server.answers.pop(0) if self.server.answers else (200, self.server.ok, 0)
        time.sleep(delay)
        data = json.dumps(answer).encode() if isinstance(answer, dict) else answer.encode()
        with_errors = (BrokenPipeError, ConnectionResetError)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except with_errors:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    server.daemon_threads = True
    server.requests, server.answers, server.ok = [], [], {"errcode": 0, "errmsg": "ok"}
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token={TOKEN}"
    yield server
    server.shutdown()
    server.server_close()


def relay_for(tmp_path, targets, **options):
    config = {"listen": "127.0.0.1:0", "alert_log": str(tmp_path / "alerts.log"), "targets": targets}
    pauses = []
    relay = alertrelay.Relay(config, sleep=pauses.append, backoff=options.pop("backoff", (1, 3)), **options)
    relay.pauses = pauses
    return relay


def alert_log(tmp_path):
    path = tmp_path / "alerts.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def post(relay, name, payload=None):
    return relay.handle(name, json.dumps(payload or notification()).encode())


def test_an_error_body_is_tried_again_and_a_later_ok_is_delivered(tmp_path, robot, capsys):
    robot.answers = [(200, {"errcode": 310000, "errmsg": "keywords not in content"}, 0)]
    relay = relay_for(tmp_path, {"ops": target("dingtalk", url=robot.url, secret=SECRET)})
    assert post(relay, "ops") == (200, "delivered\n")
    assert len(robot.requests) == 2
    assert relay.pauses == [1]
    log = capsys.readouterr().err
    assert "target ops (dingtalk): try 1 failed: HTTP 200, errcode 310000: keywords not in content" in log
    assert "delivered on try 2" in log
    assert [r["delivered"] for r in alert_log(tmp_path)] == [True]


@pytest.mark.parametrize(
    ("kind", "answers"),
    [
        ("dingtalk", [(200, {"errcode": 310000, "errmsg": "sign not match"}, 0)] * 3),
        ("feishu", [(200, {"code": 19024, "data": {}, "msg": "Key Words Not Found"}, 0)] * 3),
        ("wecom", [(200, {"errcode": 93000, "errmsg": "invalid webhook url"}, 0)] * 3),
        ("wecom", [(503, "upstream down", 0)] * 3),
        ("feishu", [(200, "<html>captive portal</html>", 0)] * 3),
    ],
)
def test_a_delivery_that_fails_every_try_is_answered_502_and_logged(tmp_path, robot, capsys, kind, answers):
    robot.answers = list(answers)
    relay = relay_for(tmp_path, {"team": target(kind, url=robot.url, secret=SECRET if kind != "wecom" else "")})
    assert post(relay, "team")[0] == 502
    assert len(robot.requests) == 3
    assert relay.pauses == [1, 3]
    log = capsys.readouterr().err
    assert log.count(f"target team ({kind}): try ") == 3
    assert "answered 502 so that Alertmanager tries again" in log
    assert SECRET not in log
    assert TOKEN not in log
    assert [(r["target"], r["delivered"]) for r in alert_log(tmp_path)] == [("team", False)]


def test_the_retries_stop_within_the_deadline(tmp_path, robot):
    robot.answers = [(500, "down", 0)] * 3
    relay = relay_for(tmp_path, {"team": target("wecom", url=robot.url)}, backoff=(5, 5), deadline=4)
    assert post(relay, "team")[0] == 502
    assert len(robot.requests) == 1
    assert relay.pauses == []


def test_a_robot_that_does_not_answer_in_time_is_a_failure(tmp_path, robot, capsys):
    robot.answers = [(200, {"errcode": 0, "errmsg": "ok"}, 1.0)]
    relay = relay_for(tmp_path, {"team": target("wecom", url=robot.url, timeout=0.2)}, backoff=())
    assert post(relay, "team")[0] == 502
    assert "no answer: " in capsys.readouterr().err


def test_a_robot_that_refuses_connections_is_a_failure(tmp_path, capsys):
    relay = relay_for(tmp_path, {"team": target("feishu", url="http://127.0.0.1:9/hook/" + "a" * 36)}, backoff=())
    assert post(relay, "team")[0] == 502
    err = capsys.readouterr().err
    assert "no answer: ConnectionRefusedError" in err
    assert "a" * 36 not in err


def test_a_vendor_message_that_echoes_the_secret_is_logged_without_it(tmp_path, robot, capsys):
    robot.answers = [(200, {"code": 19021, "msg": f"sign match fail for {SECRET}"}, 0)]
    relay = relay_for(tmp_path, {"team": target("feishu", url=robot.url, secret=SECRET)}, backoff=())
    post(relay, "team")
    err = capsys.readouterr().err
    assert "code 19021: sign match fail for ***" in err
    assert SECRET not in err


def test_a_log_target_writes_one_line_per_alert_and_sends_nothing(tmp_path, robot):
    relay = relay_for(tmp_path, {"local": {"type": "log", "url": "", "secret": "", "keyword": "", "timeout": 10}})
    payload = notification(
        alert(host="app1", site="chat", address="203.0.113.7"), alert(host="app2", site="chat", address="*")
    )
    assert post(relay, "local", payload) == (200, "logged\n")
    lines = alert_log(tmp_path)
    assert [line["labels"]["host"] for line in lines] == ["app1", "app2"]
    assert lines[0]["alertname"] == "failed_login_burst"
    assert lines[0]["annotations"]["count"] == "31"
    assert lines[0]["status"] == "firing"
    assert lines[0]["startsAt"] == "2026-12-04T03:12:09.512Z"
    assert lines[0]["target"] == "local"
    assert lines[0]["delivered"] is True
    assert lines[0]["time"].endswith("+00:00")
    assert robot.requests == []


def test_an_alert_log_that_cannot_be_written_is_answered_500(tmp_path, robot, capsys):
    config = {"alert_log": str(tmp_path / "missing" / "alerts.log"), "targets": {"team": target("wecom", robot.url)}}
    relay = alertrelay.Relay(config, sleep=lambda seconds: None)
    assert relay.handle("team", json.dumps(notification()).encode())[0] == 500
    assert "cannot write the alert log" in capsys.readouterr().err


def test_an_unknown_target_is_answered_404_logged_and_its_alerts_kept_in_the_alert_log(tmp_path, capsys):
    relay = relay_for(tmp_path, {"team": target("wecom")})
    assert post(relay, "tema")[0] == 404
    assert "unknown target 'tema'" in capsys.readouterr().err
    assert [(r["target"], r["delivered"]) for r in alert_log(tmp_path)] == [("tema", False)]


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"alerts": "x"}', b"\xff\xfe"])
def test_a_body_that_is_not_a_notification_is_answered_400(tmp_path, raw):
    relay = relay_for(tmp_path, {"team": target("wecom")})
    assert relay.handle("team", raw)[0] == 400


# ------------------------------------------------------------------ the HTTP service end to end


@pytest.fixture
def service(tmp_path, robot):
    config = {
        "listen": "127.0.0.1:0",
        "alert_log": str(tmp_path / "alerts.log"),
        "targets": {
            "ops-dingtalk": target("dingtalk", url=robot.url, secret=SECRET, keyword="AIGuard"),
            "local": {"type": "log", "url": "", "secret": "", "keyword": "", "timeout": 10},
        },
    }
    server = alertrelay.make_server(alertrelay.Relay(config, backoff=(0.05, 0.05)), config["listen"])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def alertmanager_post(url, payload):
    """(status, text) of a post as Alertmanager's webhook notifier makes it."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "Alertmanager/0.25.0"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_service_relays_a_notification_to_a_signed_dingtalk_robot_after_its_error_answer(
    tmp_path, robot, service, capsys
):
    robot.answers = [(200, {"errcode": 310000, "errmsg": "keywords not in content"}, 0)]
    payload = notification(
        alert(host="app1", site="chat", address="203.0.113.7"),
        alert(host="app1", site="comfy", address="203.0.113.7"),
    )
    before = int(time.time() * 1000)
    assert alertmanager_post(service.url + "/ops-dingtalk", payload) == (200, "delivered\n")
    after = int(time.time() * 1000)
    assert len(robot.requests) == 2
    for request in robot.requests:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
        assert query["access_token"] == [TOKEN]
        stamp = int(query["timestamp"][0])
        assert before <= stamp <= after
        expected = base64.b64encode(hmac_sha256(SECRET.encode(), f"{stamp}\n{SECRET}".encode())).decode()
        assert query["sign"] == [expected]  # parse_qs decodes what the relay encoded
        body = request["body"]
        assert body["msgtype"] == "markdown"
        assert body["markdown"]["title"] == "AIGuard [FIRING:2] failed_login_burst"
        assert "site=comfy" in body["markdown"]["text"]
    assert [(r["target"], r["delivered"], r["labels"]["site"]) for r in alert_log(tmp_path)] == [
        ("ops-dingtalk", True, "chat"),
        ("ops-dingtalk", True, "comfy"),
    ]
    assert SECRET not in capsys.readouterr().err


def test_the_service_answers_502_while_the_robot_refuses_and_404_for_an_unknown_target(tmp_path, robot, service):
    robot.answers = [(200, {"errcode": 310000, "errmsg": "sign not match"}, 0)] * 3
    assert alertmanager_post(service.url + "/ops-dingtalk", notification())[0] == 502
    assert alertmanager_post(service.url + "/nobody", notification())[0] == 404
    assert alertmanager_post(service.url + "/local", notification()) == (200, "logged\n")
    assert [(r["target"], r["delivered"]) for r in alert_log(tmp_path)] == [
        ("ops-dingtalk", False),
        ("nobody", False),
        ("local", True),
    ]


# ------------------------------------------------------------------ settings

GOOD_TARGETS = {
    "ops": {"type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=x", "keyword": "AIGuard"},
    "lark": {"type": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/x", "timeout": 5},
    "wx": {"type": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"},
    "local": {"type": "log"},
}


@pytest.mark.parametrize(
    ("targets", "problem"),
    [
        ([], "alerting_targets: must be a mapping of target names to settings, not list"),
        ({"a b": {"type": "log"}}, "alerting_targets.a b: a target name is letters, digits"),
        ({"x": "dingtalk"}, "alerting_targets.x: must be a mapping with type"),
        ({"x": {"type": "slack", "url": "https://h"}}, "alerting_targets.x.type: must be one of dingtalk, feishu"),
        ({"x": {"type": "wecom"}}, "alerting_targets.x.url: must be the robot's http:// or https:// webhook URL"),
        ({"x": {"type": "wecom", "url": "qyapi.weixin.qq.com"}}, "alerting_targets.x.url: must be the robot's"),
        ({"x": {"type": "wecom", "url": "https://h/s?key=a b"}}, "alerting_targets.x.url: has white space"),
        ({"x": {"type": "log", "url": "https://h"}}, "alerting_targets.x.url: a log target sends nothing"),
        ({"x": {"type": "wecom", "url": "https://h", "secret_file": "/s"}}, "only dingtalk and feishu robots sign"),
        ({"x": {"type": "feishu", "url": "https://h", "secret_file": "s"}}, "secret_file: must be an absolute path"),
        ({"x": {"type": "feishu", "url": "https://h", "secret": "abc"}}, "alerting_targets.x.secret: no such setting"),
        ({"x": {"type": "feishu", "url": "https://h", "keyword": 3}}, "alerting_targets.x.keyword: must be one line"),
        ({"x": {"type": "feishu", "url": "https://h", "timeout": 0}}, "x.timeout: must be a number of seconds"),
        ({"x": {"type": "feishu", "url": "https://h", "timeout": "5"}}, "x.timeout: must be a number of seconds"),
    ],
)
def test_target_problems_name_the_key_and_the_fix(targets, problem):
    problems = alertrelay.target_problems(targets, "alerting_targets")
    assert any(p.startswith(problem) or problem in p for p in problems), problems


def test_good_targets_have_no_problems():
    assert alertrelay.target_problems(GOOD_TARGETS) == []


def write_config(tmp_path, secret_mode=0o600, secret="s3cret\n", **changes):
    secret_file = tmp_path / "ops.secret"
    secret_file.write_text(secret)
    secret_file.chmod(secret_mode)
    config = {
        "listen": "127.0.0.1:9095",
        "alert_log": str(tmp_path / "alerts.log"),
        "targets": {**GOOD_TARGETS, "ops": {**GOOD_TARGETS["ops"], "secret_file": str(secret_file)}},
        **changes,
    }
    path = tmp_path / "relay.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"listen": "9095"}, "listen: must be HOST:PORT"),
        ({"listen": "localhost:9095"}, "listen: must be HOST:PORT"),
        ({"listen": "127.0.0.1:70000"}, "listen: the port must be 1 to 65535"),
        ({"alert_log": "alerts.log"}, "alert_log: must be an absolute path"),
        ({"targets": {}}, "targets: must name at least one target"),
        ({"colour": "red"}, "colour: no such setting"),
        ({"secret_mode": 0o644}, "is mode 0644; make it 0600"),
        ({"secret": "\n"}, "is empty; write the robot's secret there"),
    ],
)
def test_config_problems_name_the_key_and_the_fix(tmp_path, options, problem):
    secret_options = {key: options.pop(key) for key in ("secret_mode", "secret") if key in options}
    path = write_config(tmp_path, **secret_options, **options)
    with pytest.raises(alertrelay.ConfigError) as error:
        alertrelay.load_config(str(path))
    assert any(problem in p and p.startswith(str(path)) for p in error.value.problems), error.value.problems


def test_a_missing_secret_file_is_a_problem(tmp_path):
    path = write_config(tmp_path)
    (tmp_path / "ops.secret").unlink()
    problems = alertrelay.config_problems(json.loads(path.read_text()))
    assert problems == [
        f"relay.targets.ops.secret_file: cannot read {tmp_path / 'ops.secret'} (FileNotFoundError); "
        "write the robot's secret there, mode 0600"
    ]


def test_load_config_reads_the_secret_and_the_defaults(tmp_path):
    config = alertrelay.load_config(str(write_config(tmp_path)))
    assert config["targets"]["ops"]["secret"] == "s3cret"
    assert config["targets"]["wx"]["timeout"] == 10.0
    assert config["targets"]["local"] == {"type": "log", "url": "", "secret": "", "keyword": "", "timeout": 10.0}


def test_the_program_checks_its_settings_without_ansible(tmp_path):
    good = write_config(tmp_path)
    check = subprocess.run(
        [sys.executable, "-I", str(PROGRAM), "--check", "--config", str(good)], capture_output=True, check=False
    )
    assert check.returncode == 0, check.stderr
    assert b"4 target(s), settings fine" in check.stdout
    bad = write_config(tmp_path, secret_mode=0o640, listen="0.0.0.0")
    check = subprocess.run(
        [sys.executable, "-I", str(PROGRAM), "--check", "--config", str(bad)], capture_output=True, check=False
    )
    assert check.returncode == 1
    assert check.stderr.decode().splitlines() == [
        f"aiguard-alert-relay: {bad}.listen: must be HOST:PORT (127.0.0.1:9095, [::1]:9095), not '0.0.0.0'",
        f"aiguard-alert-relay: {bad}.targets.ops.secret_file: {tmp_path / 'ops.secret'} is mode 0640; "
        "make it 0600 (the secret signs messages)",
    ]
