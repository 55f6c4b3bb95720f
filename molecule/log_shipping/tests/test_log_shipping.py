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
    assert entry["drop"] == ""  # nothing dropped
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


RELP_OPEN = """
import socket, ssl, sys
tls, cert = sys.argv[1] == "tls", sys.argv[2]
sock = socket.create_connection((%(host)r, 2514), timeout=5)
try:
    if tls:
        ctx = ssl.create_default_context(cafile="/etc/aiguard/log-shipping/ca.pem")
        if cert:
            ctx.load_cert_chain(f"/etc/aiguard/log-shipping/{cert}.pem", f"/etc/aiguard/log-shipping/{cert}.key")
        sock = ctx.wrap_socket(sock, server_hostname=%(host)r)
    data = b"relp_version=0\\nrelp_software=aiguard-test\\ncommands=syslog"
    sock.sendall(b"1 open %%d " %% len(data) + data + b"\\n")
    answer = sock.recv(200)
    print("ANSWER", answer[:12])
except (OSError, ssl.SSLError) as error:
    print("REFUSED", type(error).__name__, error)
"""


def relp_open(app, mode, cert=""):
    """What the collector answers a RELP open from the app host: ANSWER b'1 rsp ...' or REFUSED."""
    script = RELP_OPEN % {"host": COLLECTOR}
    return app.run(f"python3 -c {shlex.quote(script)} {mode} {shlex.quote(cert)}").stdout


def test_the_collector_answers_a_client_with_its_certificate(app):
    """The control for the refusals below: the same open, over TLS with the host's own certificate."""
    assert "ANSWER b'1 rsp" in relp_open(app, "tls", "host")


@pytest.mark.parametrize(
    ("mode", "cert"),
    [("plain", ""), ("tls", ""), ("tls", "aiguard-log-shipping-stranger")],
    ids=["plaintext", "tls-without-certificate", "tls-untrusted-certificate"],
)
def test_the_collector_refuses_other_clients(app, collector, mode, cert):
    out = relp_open(app, mode, cert)
    assert "1 rsp" not in out, out


def test_an_outage_loses_nothing_and_stores_nothing_twice(app, collector):
    run = uuid.uuid4().hex[:12]
    lines = [f"outage {run} line {n:04d}" for n in range(300)]
    append(app, OUTAGE_LOG, lines[:50])
    assert wait_for(lambda: len([r for r in stored(collector, "outage") if run in r["msg"]]) == 50)
    collector.run("systemctl stop rsyslog")
    append(app, OUTAGE_LOG, lines[50:120])
    time.sleep(2)
    assert app.run("systemctl restart rsyslog").rc == 0
    append(app, OUTAGE_LOG, lines[120:200])
    time.sleep(2)
    # A crash of the client's rsyslog inside the outage; systemd starts it again.
    assert app.run("kill -9 $(pidof rsyslogd)").rc == 0
    append(app, OUTAGE_LOG, lines[200:250])
    assert wait_for(lambda: app.run("pidof rsyslogd").rc == 0, timeout=15)
    time.sleep(2)
    assert collector.run("systemctl start rsyslog").rc == 0
    append(app, OUTAGE_LOG, lines[250:])

    def ours():
        return [r["msg"] for r in stored(collector, "outage") if run in r["msg"]]

    got = wait_for(lambda: len(ours()) >= 300 and ours(), timeout=60)
    time.sleep(3)  # anything resent late would show now
    got = ours()
    assert sorted(set(got)) == lines, f"lost: {sorted(set(lines) - set(got))[:10]}"
    assert len(got) == len(set(got)) == 300, f"stored twice: {len(got) - len(set(got))}"


TCP_COLLECTOR = "aiguard-log-shipping-tcp"
TCP_SEND = """
import json, socket, ssl, sys
tls, cert, marker = sys.argv[1] == "tls", sys.argv[2], sys.argv[3]
record = {"host": %(app)r, "source": "tcptest", "seq": "abcdef0123456789-1", "prev": "0",
          "time": "2026-12-04T05:00:00+00:00", "unit": "", "msg": marker}
line = ("<13>1 2026-12-04T05:00:00+00:00 app aiguard - - - " + json.dumps(record)).encode()
sock = socket.create_connection((%(host)r, 6514), timeout=5)
try:
    if tls:
        ctx = ssl.create_default_context(cafile="/etc/aiguard/log-shipping/ca.pem")
        if cert:
            ctx.load_cert_chain(f"/etc/aiguard/log-shipping/{cert}.pem", f"/etc/aiguard/log-shipping/{cert}.key")
        sock = ctx.wrap_socket(sock, server_hostname=%(host)r)
    sock.sendall(b"%%d %%s" %% (len(line), line))
    sock.settimeout(2)
    try:
        print("READ", sock.recv(10))
    except socket.timeout:
        print("OPEN")
except (OSError, ssl.SSLError) as error:
    print("REFUSED", type(error).__name__, error)
finally:
    sock.close()
"""


def tcp_send(app, mode, cert=""):
    """A shipped line sent to the TCP collector from the app host; returns its marker."""
    marker = uuid.uuid4().hex
    script = TCP_SEND % {"host": TCP_COLLECTOR, "app": APP}
    app.run(f"python3 -c {shlex.quote(script)} {mode} {shlex.quote(cert)} {marker}")
    return marker


def tcp_stored(host_of, marker):
    return host_of(TCP_COLLECTOR).run(f"grep -rlF {marker} /var/log/aiguard-collector").stdout.strip()


def test_the_tcp_collector_stores_a_client_with_its_certificate(app, host_of):
    """The control for the refusals below: TCP with TLS and the host's own certificate."""
    marker = tcp_send(app, "tls", "host")
    assert wait_for(lambda: tcp_stored(host_of, marker), timeout=15) == f"/var/log/aiguard-collector/{APP}/tcptest.log"


@pytest.mark.parametrize(
    ("mode", "cert"),
    [("plain", ""), ("tls", ""), ("tls", "aiguard-log-shipping-stranger")],
    ids=["plaintext", "tls-without-certificate", "tls-untrusted-certificate"],
)
def test_the_tcp_collector_refuses_other_clients(app, host_of, mode, cert):
    marker = tcp_send(app, mode, cert)
    time.sleep(3)
    assert tcp_stored(host_of, marker) == ""


def test_the_running_config_survives_a_broken_change(app, converge):
    recap = converge("-e", json.dumps({"log_shipping_redact_extra_patterns": [{"name": "bad", "regex": "(x"}]}))
    assert recap.rc != 0
    assert "log_shipping_redact_extra_patterns[0].regex" in recap.output
    assert app.service("rsyslog").is_running


def test_check_mode_reports_no_change(converge_check):
    assert converge_check.changed == {}, converge_check.output


FORWARDS = ("elasticsearch", "opensearch", "gelf", "loki")


def test_the_collector_runs_with_its_forwards_and_still_stores(app, collector):
    # One forward of each type (converge.yml), to ports where nothing listens:
    # not a live backend test, but rsyslog takes the configuration, keeps
    # running, and storing does not wait for the suspended forwards.
    conf = collector.file("/etc/rsyslog.d/50-aiguard-collector.conf").content_string
    for name in FORWARDS:
        assert f'name="aiguard_fwd_{name}"' in conf
        assert f'queue.filename="aiguard_fwd_{name}"' in conf
    assert "lab-es-password" not in conf
    secret = collector.file("/etc/aiguard/log-forward/elasticsearch.secret")
    assert secret.mode == 0o600
    assert secret.content_string == "lab-es-password"
    check = collector.run("rsyslogd -N1")
    assert check.rc == 0, check.stdout + check.stderr
    assert collector.run("systemctl is-active rsyslog").stdout.strip() == "active"
    marker = uuid.uuid4().hex
    append(app, HEYGEM_LOG, [f"forwards configured {marker}"])
    assert wait_for(lambda: [r for r in stored(collector, "heygem") if marker in r["msg"]])
    # The Loki forward's pusher is running (omprog started it for the record).
    pusher = "pgrep -f '^/usr/bin/python3 -I /usr/local/lib/aiguard/aiguard-log-loki.py'"
    assert wait_for(lambda: collector.run(pusher).rc == 0, timeout=15)
    assert collector.run("systemctl is-active rsyslog").stdout.strip() == "active"
