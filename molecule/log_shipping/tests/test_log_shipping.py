"""log_shipping, tested from outside: what the app host logs arrives at the collector, redacted, once."""

from __future__ import annotations

import json
import shlex
import time
import uuid

import pytest

APP = "aiguard-log-shipping-app"
COLLECTOR = "aiguard-log-shipping-collector"
STORE = f"/var/log/aiguard-collector/{APP}"
HEYGEM_LOG = "/root/workspace/运行实时日志.log"
OUTAGE_LOG = "/var/log/aiguard-lab/outage-test.log"
OPENAI = "sk-proj-Zq8Wx7Vc6Bn5Mm4Ll3Kk2Jj1Hh0Gg9Ff8Dd7Ss6Aa5"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJsYWIiOiJsb2ctc2hpcHBpbmcifQ.c2lnbmF0dXJlLWxhYg"
QUERY_TOKEN = "q7T0k3nV4lu3xyz"


@pytest.fixture(scope="module")
def app(host_of):
    return host_of(APP)


@pytest.fixture(scope="module")
def collector(host_of):
    return host_of(COLLECTOR)


def stored(collector, source):
    """The records the collector holds for the app host's SOURCE."""
    out = collector.run(f"cat {STORE}/{source}.log 2>/dev/null")
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def wait_for(what, timeout=30, interval=0.5):
    """WHAT() once it is truthy, or its last value after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def append(app, path, lines):
    text = "".join(line + "\n" for line in lines)
    app.run(f"printf %s {shlex.quote(text)} >> {shlex.quote(path)}")


def test_a_request_through_nginx_arrives_as_json(app, collector):
    marker = uuid.uuid4().hex
    start = time.monotonic()
    out = collector.run(
        f"curl -sS -o /dev/null -w '%{{http_code}}' -u alice:alice-lab-password -H 'Host: studio.lab.test' "
        f"-A 'aiguard-test/{marker}' 'http://{APP}/gradio_api/info?token={QUERY_TOKEN}&m={marker}'"
    )
    assert out.stdout.strip() in {"200", "502", "404"}, out.stdout + out.stderr

    def found():
        return [r for r in stored(collector, "nginx_access") if marker in r["msg"]]

    records = wait_for(found, timeout=20)
    assert records, f"no access line with {marker} at the collector within 20 s"
    assert time.monotonic() - start < 20
    record = records[0]
    assert record["host"] == APP
    assert record["source"] == "nginx_access"
    assert record["seq"]
    entry = json.loads(record["msg"])
    assert entry["remote_user"] == "alice"
    assert entry["method"] == "GET"
    assert entry["path"] == "/gradio_api/info"  # no query string at all
    assert entry["site"] == "studio.lab.test"
    assert entry["user_agent"] == f"aiguard-test/{marker}"
    for field in ("time", "remote_addr", "status", "bytes_in", "bytes_out", "request_time", "upstream_time"):
        assert field in entry
    assert entry["bot_filter"] in {"0", "1", ""}
    assert QUERY_TOKEN not in record["msg"]
    assert "alice-lab-password" not in record["msg"]


def test_secrets_arrive_masked(app, collector):
    marker = uuid.uuid4().hex
    append(
        app,
        HEYGEM_LOG,
        [f"{marker} 调用 OpenAI with {OPENAI} Authorization: Bearer {BEARER} GET /api?token={QUERY_TOKEN}&页=1"],
    )

    def found():
        return [r for r in stored(collector, "heygem") if marker in r["msg"]]

    records = wait_for(found)
    assert records, "the app's line did not reach the collector"
    text = records[0]["msg"]
    for secret in (OPENAI, BEARER, QUERY_TOKEN):
        assert secret not in text
    assert "[REDACTED:openai_key]" in text
    assert "Bearer [REDACTED:bearer_token]" in text
    assert "token=[REDACTED:query_secret]&页=1" in text
    assert "调用" in text
    # Nothing with the secrets anywhere on the collector.
    leaked = collector.run(f"grep -rlF -e {OPENAI} -e {BEARER} -e {QUERY_TOKEN} /var/log /var/spool/rsyslog")
    assert leaked.stdout == ""


def test_the_collector_refuses_a_plaintext_client(app, collector):
    marker = uuid.uuid4().hex
    # A RELP open and a syslog line without TLS.
    script = (
        "import socket\n"
        f"s = socket.create_connection(({COLLECTOR!r}, 2514), timeout=5)\n"
        "s.sendall(b'1 open 85 relp_version=0\\nrelp_software=x\\ncommands=syslog\\n"
        f"2 syslog 40 <13>1 - h t - - - {marker}\\n')\n"
        "try:\n"
        "    print(repr(s.recv(200)))\n"
        "except OSError as e:\n"
        "    print('closed', e)\n"
    )
    out = app.run(f"python3 -c {shlex.quote(script)}")
    assert "rsp" not in out.stdout  # no RELP answer
    time.sleep(2)
    assert collector.run(f"grep -rlF {marker} /var/log/aiguard-collector").stdout == ""


def test_the_collector_refuses_a_certificate_it_does_not_trust(app, collector):
    out = app.run(
        f"openssl s_client -connect {COLLECTOR}:2514 -CAfile /etc/aiguard/log-shipping/ca.pem "
        "-cert /etc/aiguard/log-shipping/aiguard-log-shipping-stranger.pem "
        "-key /etc/aiguard/log-shipping/aiguard-log-shipping-stranger.key -verify_return_error </dev/null 2>&1; "
        f"printf '1 open 0 \\n' | timeout 5 openssl s_client -quiet -connect {COLLECTOR}:2514 "
        "-CAfile /etc/aiguard/log-shipping/ca.pem -cert /etc/aiguard/log-shipping/aiguard-log-shipping-stranger.pem "
        "-key /etc/aiguard/log-shipping/aiguard-log-shipping-stranger.key 2>&1"
    )
    assert "rsp" not in out.stdout, out.stdout


def test_an_outage_loses_nothing_and_stores_nothing_twice(app, collector):
    run = uuid.uuid4().hex[:12]
    lines = [f"outage {run} line {n:04d}" for n in range(300)]
    append(app, OUTAGE_LOG, lines[:50])
    assert wait_for(lambda: len([r for r in stored(collector, "outage") if run in r["msg"]]) == 50)
    collector.run("systemctl stop rsyslog")
    append(app, OUTAGE_LOG, lines[50:150])
    time.sleep(2)
    assert app.run("systemctl restart rsyslog").rc == 0
    append(app, OUTAGE_LOG, lines[150:250])
    time.sleep(3)
    assert collector.run("systemctl start rsyslog").rc == 0
    append(app, OUTAGE_LOG, lines[250:])

    def ours():
        return [r["msg"] for r in stored(collector, "outage") if run in r["msg"]]

    got = wait_for(lambda: len(ours()) >= 300 and ours(), timeout=60)
    time.sleep(3)  # anything resent late would show now
    got = ours()
    assert sorted(set(got)) == lines, f"lost: {sorted(set(lines) - set(got))[:10]}"
    assert len(got) == len(set(got)) == 300, f"stored twice: {len(got) - len(set(got))}"


def test_the_running_config_survives_a_broken_change(app, converge):
    recap = converge("-e", json.dumps({"log_shipping_redact_extra_patterns": [{"name": "bad", "regex": "(x"}]}))
    assert recap.rc != 0
    assert "log_shipping_redact_extra_patterns[0].regex" in recap.output
    assert app.service("rsyslog").is_running


def test_check_mode_reports_no_change(converge_check):
    assert converge_check.changed == {}, converge_check.output
