"""alerting, tested from outside: an attacker banned on the app host, and the team told once."""

from __future__ import annotations

import json
import shlex
import time

import pytest

APP = "aiguard-alerting-app"
COLLECTOR = "aiguard-alerting-collector"
ATTACKER = "aiguard-alerting-attacker"
WEBHOOK = "/var/lib/aiguard-receiver/webhook.jsonl"
ALERT_LOG = "/var/log/aiguard-alerting/alerts.log"
APP_LOG = "/var/log/aiguard-lab/app.log"
STORE = f"/var/log/aiguard-collector/{APP}"
# A browser's user agent: the bot filter drops HTTP libraries (private policy).
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
CURL = f"curl -s -o /dev/null -w '%{{http_code}}' -A {shlex.quote(UA)}"

# Run on the attacker: a keep-alive connection opened before the attack,
# 20 wrong passwords on new connections, then (once new connections fail:
# the ban) one more request on the held connection. Prints what happened.
ATTACK = r"""
import http.client, json, socket, sys, time
host = sys.argv[1]
ua = sys.argv[2]
auth = {"Host": "studio.lab.test", "User-Agent": ua, "Authorization": "Basic YWxpY2U6d3Jvbmc="}  # alice:wrong
held = http.client.HTTPConnection(host, 80, timeout=5)
held.request("GET", "/", headers={"Host": "studio.lab.test", "User-Agent": ua})
first = held.getresponse(); first.read()
result = {"held_before": first.status, "wrong": []}
for _ in range(20):
    try:
        c = http.client.HTTPConnection(host, 80, timeout=3)
        c.request("GET", "/", headers=auth)
        r = c.getresponse(); r.read(); c.close()
        result["wrong"].append(r.status)
    except OSError as error:
        result["wrong"].append(type(error).__name__)
deadline = time.monotonic() + 60
result["banned_after"] = None
while time.monotonic() < deadline:
    try:
        socket.create_connection((host, 80), timeout=2).close()
        time.sleep(1)
    except OSError:
        result["banned_after"] = round(60 - (deadline - time.monotonic()), 1)
        break
try:
    held.request("GET", "/", headers={"Host": "studio.lab.test", "User-Agent": ua})
    again = held.getresponse(); again.read()
    result["held_after"] = again.status
except (OSError, http.client.HTTPException) as error:
    result["held_after"] = type(error).__name__
print(json.dumps(result))
"""

# Run on the collector (the admin client): a keep-alive connection held as
# long as the attacker's, to show a held connection survives when not banned.
HOLD = r"""
import http.client, sys, time
c = http.client.HTTPConnection(sys.argv[1], 80, timeout=5)
h = {"Host": "studio.lab.test", "User-Agent": sys.argv[3], "Authorization": "Basic YWxpY2U6YWxpY2UtbGFiLXBhc3N3b3Jk"}
c.request("GET", "/", headers=h); r = c.getresponse(); r.read()
time.sleep(float(sys.argv[2]))
c.request("GET", "/", headers=h); r = c.getresponse(); r.read()
print(r.status)
"""

# A 2 GB upload announced: nginx answers 413 at once (over the site's limit).
UPLOAD = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"POST /gradio_api/upload HTTP/1.1\r\nHost: studio.lab.test\r\nUser-Agent: " + sys.argv[2].encode() + b"\r\n"
          b"Authorization: Basic YWxpY2U6YWxpY2UtbGFiLXBhc3N3b3Jk\r\n"
          b"Content-Type: application/octet-stream\r\nContent-Length: 2147483648\r\n\r\n" + b"\0" * 65536)
print(s.recv(200).split(b"\r\n")[0].decode())
"""


@pytest.fixture(scope="module")
def app(host_of):
    return host_of(APP)


@pytest.fixture(scope="module")
def collector(host_of):
    return host_of(COLLECTOR)


@pytest.fixture(scope="module")
def attacker(host_of):
    return host_of(ATTACKER)


def address(node):
    return node.run("hostname -I").stdout.split()[0]


def wait_for(what, timeout=60, interval=1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def alerts(collector, alertname=None):
    """The firing alerts the team's webhook got: [(labels, annotations)]."""
    out = collector.run(f"cat {WEBHOOK} 2>/dev/null").stdout
    found = []
    for line in out.splitlines():
        body = json.loads(line)["body"]
        for alert in body.get("alerts", []):
            if alert["status"] == "firing" and alertname in (None, alert["labels"]["alertname"]):
                found.append((alert["labels"], alert["annotations"]))
    return found


def python(node, program, *args):
    command = f"python3 -c {shlex.quote(program)} " + " ".join(shlex.quote(str(a)) for a in args)
    out = node.run(command)
    assert out.rc == 0, out.stderr
    return out.stdout.strip()


def test_services_run(app, collector):
    for unit in ("prometheus-alertmanager", "aiguard-alert-relay", "rsyslog"):
        assert collector.service(unit).is_running, unit
    assert app.service("fail2ban").is_running
    # rsyslog runs the detector (log_shipping's detect forward).
    assert "alerting/alertdetect.py --config" in collector.run("ps -eo args").stdout


def test_normal_traffic_from_the_allowed_client_makes_no_alert(app, collector):
    target = address(app)
    for path in ["/", "/config", "/gradio_api/info", "/"] * 5:
        out = collector.run(f"{CURL} -u alice:alice-lab-password -H 'Host: studio.lab.test' http://{target}{path}")
        assert out.stdout in {"200", "404", "502"}, out.stdout
    # The browser's way: a first request without credentials (401), then with them.
    assert (
        collector.run(
            f"curl -s -o /dev/null -w '%{{http_code}}' -A {shlex.quote(UA)} -H 'Host: studio.lab.test' http://{target}/"
        ).stdout
        == "401"
    )
    # Every line arrived at the collector, and group_wait (5 s here) passed: still nothing.
    time.sleep(8)
    assert alerts(collector) == []


def test_an_attacker_is_banned_its_connection_cut_and_the_team_told_once(app, collector, attacker):
    target, bad = address(app), address(attacker)
    admin = collector.run(
        f"timeout 60 python3 -c {shlex.quote(HOLD)} {target} 20 {shlex.quote(UA)} > /tmp/hold.out 2>&1 &"
    )
    assert admin.rc == 0
    result = json.loads(python(attacker, ATTACK, target, UA))
    assert result["held_before"] == 401  # opened before the attack, no credentials
    assert result["wrong"].count(401) >= 10, result
    assert result["banned_after"] is not None, f"new connections from {bad} still accepted: {result}"
    # The ban went through ufw, and the held connection was cut with it.
    assert bad in app.run("fail2ban-client status aiguard-auth").stdout
    assert bad in app.run("ufw status").stdout
    assert result["held_after"] != 200 and result["held_after"] != 401, result
    # The admin network still gets in: a new connection, and its held one.
    out = collector.run(f"{CURL} -u alice:alice-lab-password -H 'Host: studio.lab.test' http://{target}/config")
    assert out.stdout in {"200", "404"}, out.stdout

    def held():
        return collector.run("cat /tmp/hold.out").stdout.strip()

    assert wait_for(held, timeout=60) in {"200", "404"}

    # One alert for the burst, naming the attacker and the count nginx logged.
    found = wait_for(lambda: alerts(collector, "failed_login_burst"), timeout=60)
    assert len(found) == 1, found
    labels, annotations = found[0]
    assert labels["address"] == bad and labels["host"] == APP
    records = [json.loads(line) for line in collector.run(f"cat {STORE}/nginx_access.log").stdout.splitlines()]
    entries = [json.loads(record["msg"]) for record in records]
    logged = sum(1 for e in entries if e["remote_addr"] == bad and e["status"] == 401 and e["auth_sent"] == "basic")
    # The count moved on while the attack went on: every failure nginx logged.
    assert int(annotations["count"]) == logged >= 10, (annotations, logged)
    # Still one a little later (Alertmanager grouped the updates).
    time.sleep(6)
    assert len(alerts(collector, "failed_login_burst")) == 1


def test_a_large_upload_makes_one_alert(app, collector):
    assert python(collector, UPLOAD, address(app), UA).startswith("HTTP/1.1 413")
    found = wait_for(lambda: alerts(collector, "large_upload"), timeout=60)
    assert len(found) == 1, found
    assert found[0][0]["address"] == address(collector)
    assert "2,147,483,648 bytes" in found[0][1]["summary"]


def test_a_crash_line_makes_one_alert(app, collector):
    trace = 'Traceback (most recent call last):\\n  File "app.py", line 9, in <module>\\nRuntimeError: model crashed\\n'
    app.run(f"mkdir -p /var/log/aiguard-lab && printf '{trace}' >> {APP_LOG}")
    found = wait_for(lambda: alerts(collector, "app_failure"), timeout=60)
    assert len(found) == 1, found
    assert found[0][0]["kind"] == "traceback" and found[0][0]["host"] == APP


def test_an_app_unit_that_fails_makes_an_alert(app, collector):
    app.run("systemctl kill -s KILL aiguard-lab-gradio.service")
    found = wait_for(lambda: [a for a in alerts(collector, "app_failure") if a[0]["kind"] == "unit_failed"], timeout=60)
    assert found and found[0][0]["source"] == "aiguard-lab-gradio.service", alerts(collector, "app_failure")
    app.run("systemctl restart aiguard-lab-gradio.service")


def test_every_delivered_alert_is_in_the_alert_log(collector):
    lines = [json.loads(line) for line in collector.run(f"cat {ALERT_LOG}").stdout.splitlines()]
    names = {entry.get("alertname") or entry.get("labels", {}).get("alertname") for entry in lines}
    assert {"failed_login_burst", "large_upload", "app_failure"} <= names, lines
