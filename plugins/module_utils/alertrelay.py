# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collector's alert relay: Alertmanager's webhook in, the chat robots Alertmanager cannot reach out.

Plain Python with no Ansible import, run under systemd as ``python3 -I
alertrelay.py --config /etc/aiguard/alerting/relay.json``. Alertmanager's
``webhook_configs`` post each notification (webhook payload version 4) to
``http://127.0.0.1:PORT/<target>``; the relay renders one message of it and
delivers it to the target:

- ``dingtalk``: a DingTalk group robot, ``{"msgtype": "markdown", ...}``; with
  ``secret_file`` (the robot's "加签" secret) the URL gets ``&timestamp=<ms>``
  and ``&sign=`` the URL-encoded base64 of HMAC-SHA256("<ms>\\n<secret>")
  keyed with the secret. Done when the body says ``errcode`` 0;
- ``feishu``: a Feishu/Lark custom bot, ``{"msg_type": "text", ...}``; with
  ``secret_file`` the body gets ``timestamp`` (seconds) and ``sign``, the
  base64 of HMAC-SHA256 keyed with "<s>\\n<secret>" over nothing. Done when
  the body says ``code`` 0 (older bots: ``StatusCode`` 0);
- ``wecom``: a WeCom group robot, ``{"msgtype": "markdown", ...}`` (content cut
  to the robot's 4,096 bytes). Done when the body says ``errcode`` 0;
- ``log``: nothing sent; the alert log below is the destination.

These robots answer HTTP 200 with an error code in the body when the keyword
or the signature is wrong (DingTalk 310000, Feishu 19021/19024, WeCom 93000),
so a delivery counts as done only when the body says so. Anything else (an
error code, a body that is not the vendor's answer, another status, a
timeout, a refused connection) is a failure: tried again after 1 s and 3 s,
within ``DEADLINE`` seconds in all, then answered 502 so that Alertmanager
sends the notification again later (keep its ``group_interval`` above
``DEADLINE``). Every failure is logged to stderr (the journal) with the
target, the HTTP status and the vendor's code and message, never the secret
nor the robot's URL (its token is a credential too). ``keyword`` is put in
front of the title and the text, for robots whose security setting is a
keyword.

Every notification, whatever its target, appends one JSON line per alert to
``alert_log`` (``time``, ``status``, ``alertname``, ``labels``,
``annotations``, ``startsAt``, ``target``, ``delivered``): when that file
cannot be written the relay answers 500 and Alertmanager tries again, so no
alert is dropped silently. An unknown target is answered 404 (and logged,
and its alerts written to the alert log as not delivered).

Settings (the role writes them): ``{"listen": "127.0.0.1:9095", "alert_log":
"/var/log/aiguard/alerts.log", "targets": {"NAME": {"type": ..., "url": ...,
"secret_file": ..., "keyword": ..., "timeout": 10}}}``. ``--check`` checks
them (with the secret files) and exits non-zero with one line per problem;
the role's model checks the targets on the controller with
``target_problems``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import re
import socket
import stat
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("dingtalk", "feishu", "wecom", "log")
SIGNED = ("dingtalk", "feishu")
TARGET_KEYS = {"type", "url", "secret_file", "keyword", "timeout"}
CONFIG_KEYS = {"listen", "alert_log", "targets"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_LISTEN = "127.0.0.1:9095"
DEFAULT_TIMEOUT = 10
DEADLINE = 20  # seconds for all the tries of one notification
BACKOFF = (1, 3)  # pauses before the second and third tries
MAX_ALERTS = 10  # alerts listed in one message; the rest are counted
WECOM_LIMIT = 4096  # bytes of a WeCom robot's markdown content
MAX_BODY = 4 * 1024 * 1024  # bytes of a notification the relay reads
LABELS_SHOWN = ("host", "site", "address", "principal", "network", "client", "path", "source", "kind")


class ConfigError(ValueError):
    """Settings the relay cannot run with; ``problems`` lists them all."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


# ------------------------------------------------------------------ settings


def target_problems(targets, label="targets"):
    """Every problem of TARGETS (names to settings), each naming LABEL.NAME.KEY and the fix."""
    if not isinstance(targets, dict):
        return [f"{label}: must be a mapping of target names to settings, not {type(targets).__name__}"]
    problems = []
    for name, target in targets.items():
        where = f"{label}.{name}"
        if not isinstance(name, str) or not NAME.match(name):
            problems.append(f"{where}: a target name is letters, digits, '_', '-' and '.' (it is the URL's path)")
        if not isinstance(target, dict):
            problems.append(f"{where}: must be a mapping with type ({', '.join(KINDS)}) and url")
            continue
        problems += [
            f"{where}.{key}: no such setting; a target has {', '.join(sorted(TARGET_KEYS))}"
            for key in sorted(set(target) - TARGET_KEYS, key=str)
        ]
        kind = target.get("type")
        if kind not in KINDS:
            problems.append(f"{where}.type: must be one of {', '.join(KINDS)}, not {kind!r}")
            continue
        url = target.get("url")
        if kind == "log":
            if url:
                problems.append(f"{where}.url: a log target sends nothing; remove url")
        elif not isinstance(url, str) or not re.match(r"^https?://[^/\s?#]+", url):
            problems.append(f"{where}.url: must be the robot's http:// or https:// webhook URL")
        elif any(ch.isspace() for ch in url):
            problems.append(f"{where}.url: has white space in it; copy the robot's URL again")
        secret_file = target.get("secret_file")
        if secret_file is not None and secret_file != "":
            if kind not in SIGNED:
                problems.append(f"{where}.secret_file: only dingtalk and feishu robots sign requests; remove it")
            elif not isinstance(secret_file, str) or not secret_file.startswith("/"):
                problems.append(f"{where}.secret_file: must be an absolute path to a 0600 file holding the secret")
        keyword = target.get("keyword")
        if keyword is not None and (not isinstance(keyword, str) or "\n" in keyword):
            problems.append(f"{where}.keyword: must be one line of text (the robot's keyword)")
        timeout = target.get("timeout", DEFAULT_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 1 <= timeout <= DEADLINE:
            problems.append(f"{where}.timeout: must be a number of seconds from 1 to {DEADLINE}, not {timeout!r}")
    return problems


def listen_problem(listen, label="listen"):
    """The problem of a LISTEN address (HOST:PORT, [V6]:PORT), or None."""
    host, port = split_listen(listen)
    if host is None:
        return f"{label}: must be HOST:PORT (127.0.0.1:9095, [::1]:9095), not {listen!r}"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"{label}: the host must be an IP address (127.0.0.1, ::1), not {host!r}"
    if not 0 < port < 65536:
        return f"{label}: the port must be 1 to 65535, not {port}"
    return None


def split_listen(listen):
    """(host, port) of HOST:PORT or [V6]:PORT; (None, None) when it is neither."""
    match = re.match(r"^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$", str(listen))
    if not match:
        return None, None
    return match.group(1) or match.group(2), int(match.group(3))


def secret_problem(path, label):
    """The problem of the secret file PATH on this host, or None."""
    try:
        info = os.stat(path)
        with open(path, encoding="utf-8") as handle:
            secret = handle.read().strip()
    except (OSError, UnicodeDecodeError) as error:
        return f"{label}: cannot read {path} ({error.__class__.__name__}); write the robot's secret there, mode 0600"
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"{label}: {path} is mode {stat.S_IMODE(info.st_mode):04o}; make it 0600 (the secret signs messages)"
    if not secret:
        return f"{label}: {path} is empty; write the robot's secret there"
    return None


def config_problems(config, label="relay", files=True):
    """Every problem of the relay's settings; with FILES also of the secret files on this host."""
    if not isinstance(config, dict):
        return [f"{label}: must be a JSON object with listen, alert_log and targets"]
    problems = [
        f"{label}.{key}: no such setting; the relay has {', '.join(sorted(CONFIG_KEYS))}"
        for key in sorted(set(config) - CONFIG_KEYS, key=str)
    ]
    problem = listen_problem(config.get("listen", DEFAULT_LISTEN), f"{label}.listen")
    if problem:
        problems.append(problem)
    alert_log = config.get("alert_log")
    if not isinstance(alert_log, str) or not alert_log.startswith("/"):
        problems.append(f"{label}.alert_log: must be an absolute path (/var/log/aiguard/alerts.log)")
    targets = config.get("targets")
    if not isinstance(targets, dict) or not targets:
        problems.append(f"{label}.targets: must name at least one target")
        return problems
    target_issues = target_problems(targets, f"{label}.targets")
    problems += target_issues
    if files and not target_issues:
        for name, target in targets.items():
            if target.get("secret_file"):
                problem = secret_problem(target["secret_file"], f"{label}.targets.{name}.secret_file")
                if problem:
                    problems.append(problem)
    return problems


def load_config(path):
    """The settings in the JSON file PATH with their secrets read; raises ConfigError."""
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as error:
        raise ConfigError([f"{path}: {error}"]) from None
    problems = config_problems(config, path)
    if problems:
        raise ConfigError(problems)
    targets = {}
    for name, target in config["targets"].items():
        secret = ""
        if target.get("secret_file"):
            with open(target["secret_file"], encoding="utf-8") as handle:
                secret = handle.read().strip()
        targets[name] = {
            "type": target["type"],
            "url": target.get("url") or "",
            "secret": secret,
            "keyword": target.get("keyword") or "",
            "timeout": float(target.get("timeout", DEFAULT_TIMEOUT)),
        }
    return {"listen": config.get("listen", DEFAULT_LISTEN), "alert_log": config["alert_log"], "targets": targets}


# ------------------------------------------------------------------ signing


def dingtalk_sign(secret, timestamp_ms):
    """DingTalk's ``sign``: the URL-encoded base64 of HMAC-SHA256("<ms>\\n<secret>") keyed with the secret."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(secret, timestamp_s):
    """Feishu's ``sign``: the base64 of HMAC-SHA256 keyed with "<s>\\n<secret>" over an empty message."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


# ------------------------------------------------------------------ messages


def alertname(payload):
    """The notification's alert name (its group's, or the alerts' names joined)."""
    for labels in (payload.get("groupLabels"), payload.get("commonLabels")):
        if isinstance(labels, dict) and labels.get("alertname"):
            return str(labels["alertname"])
    names = []
    for alert in alerts_of(payload):
        name = str(alert.get("labels", {}).get("alertname", ""))
        if name and name not in names:
            names.append(name)
    return ", ".join(names) or "alert"


def alerts_of(payload):
    """The payload's alerts that are mappings, each with mapping labels and annotations."""
    alerts = []
    for alert in payload.get("alerts") or []:
        if isinstance(alert, dict):
            labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
            notes = alert.get("annotations") if isinstance(alert.get("annotations"), dict) else {}
            alerts.append({**alert, "labels": labels, "annotations": notes})
    return alerts


def render(payload):
    """(title, lines) of one notification: the title, then a line per alert (the first MAX_ALERTS)."""
    alerts = alerts_of(payload)
    status = str(payload.get("status") or "firing").upper()
    title = f"[{status}:{len(alerts)}] {alertname(payload)}"
    lines = []
    for alert in alerts[:MAX_ALERTS]:
        labels, notes = alert["labels"], alert["annotations"]
        text = str(notes.get("summary") or notes.get("description") or labels.get("alertname") or "alert")
        details = [f"{name}={labels[name]}" for name in LABELS_SHOWN if labels.get(name)]
        if notes.get("count"):
            details.insert(0, f"count={notes['count']}")
        if alert.get("startsAt"):
            details.append(f"since {alert['startsAt']}")
        if len(alerts) > 1 and str(alert.get("status", "")).lower() == "resolved":
            text = "resolved: " + text
        lines.append(text + (" (" + ", ".join(details) + ")" if details else ""))
    hidden = len(alerts) - min(len(alerts), MAX_ALERTS)
    with contextlib.suppress(TypeError, ValueError):
        hidden += int(payload.get("truncatedAlerts") or 0)
    if hidden:
        lines.append(f"... and {hidden} more")
    return title, lines


def cut_utf8(text, limit):
    """TEXT cut to at most LIMIT bytes of UTF-8, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "..."


def request_for(target, payload, now=None):
    """(url, body) of the request delivering PAYLOAD to TARGET (settings with ``secret``); NOW in seconds."""
    now = time.time() if now is None else now
    title, lines = render(payload)
    keyword = target.get("keyword") or ""
    if keyword:
        title = f"{keyword} {title}"
    url, kind, secret = target["url"], target["type"], target.get("secret") or ""
    if kind == "dingtalk":
        text = "\n\n".join([f"### {title}", *(f"- {line}" for line in lines)])
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        if secret:
            stamp = int(now * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={dingtalk_sign(secret, stamp)}"
        return url, body
    if kind == "feishu":
        body = {"msg_type": "text", "content": {"text": "\n".join([title, *lines])}}
        if secret:
            stamp = int(now)
            body = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **body}
        return url, body
    if kind == "wecom":
        content = cut_utf8("\n".join([f"### {title}", *(f"> {line}" for line in lines)]), WECOM_LIMIT)
        return url, {"msgtype": "markdown", "markdown": {"content": content}}
    raise ValueError(f"{kind} targets send nothing")


def verdict(kind, status, data):
    """(delivered, detail) of a robot's answer: HTTP STATUS and the body DATA (bytes).

    Done only with a 2xx status and a JSON object whose code (Feishu ``code``,
    older Feishu bots ``StatusCode``, DingTalk and WeCom ``errcode``) is the
    number 0; the detail names the status and the vendor's code and message.
    """
    try:
        answer = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = None
    field = "code" if kind == "feishu" else "errcode"
    code, message = None, ""
    if isinstance(answer, dict):
        if kind == "feishu":
            code = answer.get("code", answer.get("StatusCode"))
            message = answer.get("msg", answer.get("StatusMessage", ""))
        else:
            code, message = answer.get("errcode"), answer.get("errmsg", "")
    detail = f"HTTP {status}"
    if code is not None:
        detail += f", {field} {code}: {snippet(str(message).encode())}"
    elif 200 <= status < 300:
        detail += f", no {field} in the answer: {snippet(data)}"
    else:
        detail += f": {snippet(data)}"
    delivered = 200 <= status < 300 and isinstance(code, int) and not isinstance(code, bool) and code == 0
    return delivered, detail


def snippet(data, limit=200):
    """At most LIMIT characters of DATA (bytes) on one line."""
    return data[:limit].decode("utf-8", "replace").replace("\n", " ").strip()


# ------------------------------------------------------------------ the relay


class Relay:
    """Delivers notifications to the targets and keeps the alert log; the HTTP handler calls ``handle``."""

    def __init__(self, config, opener=None, sleep=time.sleep, clock=time.time, backoff=BACKOFF, deadline=DEADLINE):
        self.config = config
        self.targets = config["targets"]
        self.alert_log = config["alert_log"]
        self.sleep, self.clock, self.backoff, self.deadline = sleep, clock, tuple(backoff), deadline
        # Plain urllib, no proxy from the environment: the robots are reached directly.
        self.opener = opener or urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.lock = threading.Lock()

    def handle(self, name, raw):
        """(HTTP status, text) for a notification RAW (bytes) posted to /NAME."""
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
            report(f"target {name}: refused a body that is not Alertmanager's webhook payload")
            return 400, "not an Alertmanager webhook payload\n"
        target = self.targets.get(name)
        if target is None:
            report(f"unknown target {name!r}: answered 404; the targets are {', '.join(sorted(self.targets))}")
            delivered, status, text = False, 404, f"no target {name}\n"
        elif target["type"] == "log":
            delivered, status, text = True, 200, "logged\n"
        else:
            delivered = self.deliver(name, target, payload)
            status, text = (200, "delivered\n") if delivered else (502, "not delivered; try again\n")
        try:
            self.log(name, payload, delivered)
        except OSError as error:
            report(f"target {name}: cannot write the alert log {self.alert_log}: {error.strerror or error}")
            return 500, "alert log not written\n"
        return status, text

    def deliver(self, name, target, payload):
        """Send PAYLOAD to TARGET, tried again after each pause of ``backoff`` within ``deadline``; True once done."""
        start = self.clock()
        for attempt in range(len(self.backoff) + 1):
            if attempt:
                pause = self.backoff[attempt - 1]
                if self.clock() - start + pause >= self.deadline:
                    break
                self.sleep(pause)
            remaining = self.deadline - (self.clock() - start)
            if remaining <= 0:
                break
            delivered, detail = self.send(target, payload, min(target["timeout"], remaining))
            if delivered:
                if attempt:
                    report(f"target {name} ({target['type']}): delivered on try {attempt + 1}")
                return True
            report(f"target {name} ({target['type']}): try {attempt + 1} failed: {self.redact(target, detail)}")
        report(f"target {name} ({target['type']}): not delivered, answered 502 so that Alertmanager tries again")
        return False

    def send(self, target, payload, timeout):
        """(delivered, detail) of one request."""
        url, body = request_for(target, payload, self.clock())
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
        )
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                return verdict(target["type"], answer.status, answer.read(65536))
        except urllib.error.HTTPError as error:
            with contextlib.suppress(OSError):
                return verdict(target["type"], error.code, error.read(65536))
            return False, f"HTTP {error.code}"
        except (OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            return False, f"no answer: {reason.__class__.__name__}: {reason}"

    @staticmethod
    def redact(target, text):
        """TEXT without the target's secret and the tokens of its URL."""
        secrets = [target.get("secret") or ""]
        query = urllib.parse.urlsplit(target.get("url") or "")
        secrets += [value for values in urllib.parse.parse_qs(query.query).values() for value in values]
        secrets += [part for part in query.path.split("/") if len(part) >= 16]
        for secret in sorted(filter(None, secrets), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def log(self, name, payload, delivered):
        """Append one JSON line per alert of PAYLOAD to the alert log, synced; raises OSError."""
        moment = datetime.datetime.fromtimestamp(self.clock(), datetime.UTC).isoformat(timespec="seconds")
        lines = []
        alerts = alerts_of(payload) or [{"labels": {}, "annotations": {}}]
        for alert in alerts:
            record = {
                "time": moment,
                "status": str(alert.get("status") or payload.get("status") or ""),
                "alertname": str(alert["labels"].get("alertname") or alertname(payload)),
                "labels": alert["labels"],
                "annotations": alert["annotations"],
                "startsAt": alert.get("startsAt", ""),
                "target": name,
                "delivered": delivered,
            }
            lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str) + "\n")
        data = "".join(lines).encode("utf-8")
        with self.lock:
            handle = os.open(self.alert_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                written = os.write(handle, data)
                if written != len(data):
                    raise OSError(f"wrote {written} of {len(data)} bytes")
                os.fsync(handle)
            finally:
                os.close(handle)


class Handler(BaseHTTPRequestHandler):
    """POST /TARGET with Alertmanager's webhook payload; GET / answers 200 (a health check)."""

    server_version = "aiguard-alert-relay"
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        name = urllib.parse.unquote(self.path.split("?", 1)[0].strip("/"))
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.answer(411 if length < 0 else 413, "a notification needs a Content-Length up to 4 MiB\n")
            return
        raw = self.rfile.read(length)
        status, text = self.server.relay.handle(name, raw)
        self.answer(status, text)

    def do_GET(self):
        self.answer(200 if self.path.strip("/") == "" else 404, "aiguard alert relay\n")

    def answer(self, status, text):
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass  # failures are reported by the relay itself; a request log would only repeat Alertmanager's


class Server(ThreadingHTTPServer):
    """The relay's server: a thread per request, none kept at exit."""

    daemon_threads = True


class Server6(Server):
    address_family = socket.AF_INET6


def make_server(relay, listen):
    """A ThreadingHTTPServer for RELAY on LISTEN (HOST:PORT; port 0 picks one), not yet serving."""
    host, port = split_listen(listen)
    if host is None:
        raise ConfigError([f"listen: must be HOST:PORT, not {listen!r}"])
    server = (Server6 if ":" in host else Server)((host, port), Handler)
    server.relay = relay
    return server


def report(text):
    """One line to stderr: the journal under systemd."""
    sys.stderr.write(f"aiguard-alert-relay: {text}\n")
    sys.stderr.flush()


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="aiguard-alert-relay", description="Alertmanager's webhook to chat robots.")
    parser.add_argument("--config", default="/etc/aiguard/alerting/relay.json", help="the relay's JSON settings")
    parser.add_argument("--check", action="store_true", help="check the settings and the secret files, then exit")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        for problem in error.problems:
            sys.stderr.write(f"aiguard-alert-relay: {problem}\n")
        return 1
    if args.check:
        sys.stdout.write(f"{args.config}: {len(config['targets'])} target(s), settings fine\n")
        return 0
    try:
        server = make_server(Relay(config), config["listen"])
    except OSError as error:
        report(f"cannot listen on {config['listen']}: {error}")
        return 1
    report(f"listening on {config['listen']}, targets {', '.join(sorted(config['targets']))}")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
