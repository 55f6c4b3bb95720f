"""nginx_auth, tested from a client host the way users and bots reach it."""

from __future__ import annotations

import json
import re
import shlex
import time
from dataclasses import dataclass

import pytest

testinfra_group = "ai_apps"

CLIENT = "aiguard-nginx-auth-client"
STUDIO = "studio.lab.test"
API = "api.lab.test"
PAGES = "pages.lab.test"
KEY = "sk-lab-aiguard-demo-key"
ALICE = ("alice", "alice-lab-password")
BOB = ("bob", "bob-lab-password")
# Real user agents: a current desktop Chrome and Googlebot.
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SAMSUNG = (
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36"
)
GPTBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"
# A crawler in no list, caught by the generic markers of the private policy.
UNKNOWN_BOT = "Mozilla/5.0 (compatible; Zqxwv-Indexer-Bot/0.3; +https://zqxwv.example/about)"
LIBRARIES = ["curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1"]


@dataclass
class Response:
    status: int  # 0 when nginx closed the connection without answering (444)
    headers: dict
    body: str


class Front:
    """HTTP requests from the client host to one target's nginx."""

    def __init__(self, client, target):
        self.client = client
        self.target = target

    def request(self, path, host=STUDIO, user=None, ua=BROWSER, headers=(), method="GET", data_file=None, max_time=20):
        cmd = ["curl", "-sS", "-i", "--max-time", str(max_time), "-X", method, "-H", f"Host: {host}"]
        cmd += ["-A", ua] if ua is not None else ["-H", "User-Agent:"]
        if user:
            cmd += ["-u", f"{user[0]}:{user[1]}"]
        for header in headers:
            cmd += ["-H", header]
        if data_file:
            cmd += ["-F", f"files=@{data_file}"]
        cmd.append(f"http://{self.target}{path}")
        out = self.client.run(" ".join(shlex.quote(c) for c in cmd) + " 2>&1; echo; echo __rc=$?")
        text = out.stdout
        rc = int(re.search(r"__rc=(\d+)\s*$", text).group(1))
        text = text[: text.rindex("__rc=")]
        if rc == 52 or not text.startswith("HTTP/"):  # empty reply: the connection was closed
            return Response(0, {}, text)
        head, _blank, body = text.replace("\r\n", "\n").partition("\n\n")
        lines = head.split("\n")
        headers = {}
        for line in lines[1:]:
            name, _colon, value = line.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        return Response(int(lines[0].split()[1]), headers, body)


@pytest.fixture
def front(node, host_of):
    return Front(host_of(CLIENT), node.backend.get_hostname())


@pytest.fixture(scope="module")
def one(hosts_in):
    """The host the slow re-converge tests use (one is enough for them)."""
    return hosts_in("ai_apps")[0]


def test_ui_needs_a_valid_login(front):
    assert front.request("/").status == 401
    assert front.request("/", user=("alice", "wrong")).status == 401
    assert front.request("/", user=("mallory", "alice-lab-password")).status == 401
    page = front.request("/", user=ALICE)
    assert page.status == 200 and "gradio" in page.body.lower()
    assert front.request("/", user=BOB).status == 200


def test_site_user_list_limits_who_gets_in(front):
    # The API site allows alice only.
    assert front.request("/", host=API, user=ALICE).status == 200
    assert front.request("/", host=API, user=BOB).status == 401


def test_api_paths_need_a_bearer_token(front):
    missing = front.request("/v1/models", host=API)
    assert missing.status == 401
    assert json.loads(missing.body)["error"]["code"] == "invalid_api_key"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert front.request("/v1/models", host=API, headers=["Authorization: Bearer sk-wrong-token-0000000"]).status == 401
    # Basic credentials are not a token.
    assert front.request("/v1/models", host=API, user=ALICE).status == 401
    ok = front.request("/v1/models", host=API, headers=[f"Authorization: Bearer {KEY}"])
    assert ok.status == 200 and json.loads(ok.body)["data"][0]["id"] == "lab-echo-1"
    mj = front.request("/mj/task/nothing/fetch", host=API)
    assert mj.status == 401


def test_upload_path_under_an_api_path_needs_the_token(front):
    front.client.check_output("head -c 1000 /dev/urandom > /tmp/api-upload.bin")
    upload = {"host": API, "method": "POST", "data_file": "/tmp/api-upload.bin"}
    assert front.request("/v1/files", **upload).status == 401
    assert front.request("/v1/files", user=ALICE, **upload).status == 401
    passed = front.request("/v1/files", headers=[f"Authorization: Bearer {KEY}"], **upload)
    assert passed.status not in (0, 401, 403), passed


def test_public_location_is_the_only_exception(front):
    assert front.request("/health", host=API).status == 200
    assert front.request("/health/more", host=API).status == 401


@pytest.mark.parametrize(
    "ua",
    [GOOGLEBOT, GPTBOT, UNKNOWN_BOT, "curl/8.5.0", "python-requests/2.32.3", "sqlmap/1.8", None],
    ids=["googlebot", "gptbot", "generic-marker", "curl", "python-requests", "sqlmap", "empty"],
)
def test_crawlers_and_scanners_are_dropped(front, ua):
    # studio: policy private, HTTP libraries not let through even with credentials.
    assert front.request("/", ua=ua, user=ALICE).status == 0


@pytest.mark.parametrize("ua", LIBRARIES)
def test_a_client_holding_a_valid_token_passes_whatever_its_user_agent(front, ua):
    assert front.request("/v1/models", host=API, ua=ua, headers=[f"Authorization: Bearer {KEY}"]).status == 200
    # Without a token, or with a wrong one, the user agent is judged by the policy: dropped.
    assert front.request("/v1/models", host=API, ua=ua).status == 0
    wrong = ["Authorization: Bearer sk-wrong-token-0000000"]
    assert front.request("/v1/models", host=API, ua=ua, headers=wrong).status == 0
    # A probe path stays dropped, token or not.
    assert front.request("/v1/.env", host=API, ua=ua, headers=[f"Authorization: Bearer {KEY}"]).status == 0


def test_http_libraries_with_basic_credentials_pass_where_the_site_allows_it(front):
    # apiproxy has bot_libraries_with_auth: the credentials are then checked as for anyone.
    assert front.request("/", host=API, ua="curl/8.5.0", user=ALICE).status == 200
    assert front.request("/", host=API, ua="curl/8.5.0", user=("alice", "wrong-password")).status == 401
    assert front.request("/", host=API, ua="curl/8.5.0").status == 0
    assert front.request("/", host=API, ua=GPTBOT, user=ALICE).status == 0  # a crawler is not a library


def test_public_policy_lets_search_engines_in_and_keeps_ai_crawlers_out(front):
    assert front.request("/", host=PAGES, ua=GOOGLEBOT).status == 200
    assert front.request("/", host=PAGES, ua=BROWSER).status == 200
    for ua in (GPTBOT, "sqlmap/1.8", None):
        assert front.request("/", host=PAGES, ua=ua).status == 0, ua
    assert front.request("/.env", host=PAGES, ua=GOOGLEBOT).status == 0
    page = front.request("/", host=PAGES)
    assert "x-robots-tag" not in page.headers
    assert front.request("/robots.txt", host=PAGES).body.split() == ["User-agent:", "*", "Allow:", "/"]


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/wp-login.php", "/phpmyadmin/index.php"])
def test_probe_paths_are_dropped(front, path):
    assert front.request(path, user=ALICE).status == 0


def test_browser_passes_the_filter(front):
    assert front.request("/", user=ALICE, ua=BROWSER).status == 200
    # Outside the fast path (Samsung Internet): through the patterns, still allowed.
    assert front.request("/", user=ALICE, ua=SAMSUNG).status == 200


def test_probe_anywhere_is_dropped_outside_the_fast_path(front):
    assert front.request("/app/.env.bak", user=ALICE, ua=SAMSUNG).status == 0


def test_public_paths_stay_open_to_monitoring_tools(front):
    # Health checks come from curl and the like; the public location and
    # robots.txt are left out of the filter, the rest of the site is not.
    assert front.request("/health", host=API, ua="curl/8.5.0").status == 200
    assert front.request("/robots.txt", ua=GPTBOT).status == 200
    assert (
        front.request("/v1/models", host=API, ua="curl/8.5.0", headers=[f"Authorization: Bearer {KEY}"]).status == 200
    )


def test_pcre_jit_is_on_in_the_main_context(node):
    dump = node.run("nginx -T 2>/dev/null").stdout
    assert "\npcre_jit on;\n" in dump


def test_headers_on_success_and_on_errors(front):
    for response in (front.request("/", user=ALICE), front.request("/"), front.request("/v1/models", host=API)):
        h = response.headers
        assert h["x-content-type-options"] == "nosniff", response
        assert h["x-robots-tag"] == "noindex, nofollow"
        assert h["referrer-policy"] == "strict-origin-when-cross-origin"
        assert h["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in h["content-security-policy"]
        assert h["server"] == "nginx"  # no version, no upstream server header
        assert "x-powered-by" not in h


def test_robots_txt_disallows_everything(front):
    robots = front.request("/robots.txt")
    assert robots.status == 200
    assert robots.body.split() == ["User-agent:", "*", "Disallow:", "/"]


def test_upload_over_the_limit_gets_413(front):
    front.client.check_output(
        "head -c 2000000 /dev/urandom > /tmp/big.bin && head -c 1000 /dev/urandom > /tmp/small.wav"
    )
    assert front.request("/gradio_api/upload", user=ALICE, method="POST", data_file="/tmp/big.bin").status == 413
    small = front.request("/gradio_api/upload", user=ALICE, method="POST", data_file="/tmp/small.wav")
    assert small.status == 200 and "/srv/aiguard-lab/gradio/uploads/" in small.body
    assert front.request("/gradio_api/upload", method="POST", data_file="/tmp/small.wav").status == 401


def test_websocket_upgrade_through_the_proxy(front):
    script = f"""
import base64, os, socket
s = socket.create_connection(({front.target!r}, 80), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /v1/realtime HTTP/1.1\\r\\nHost: {API}\\r\\nUser-Agent: {BROWSER}\\r\\n"
           "Upgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Version: 13\\r\\n"
           "Sec-WebSocket-Key: " + key + "\\r\\nAuthorization: Bearer {KEY}\\r\\n\\r\\n").encode())
print(s.recv(4096).decode().split("\\r\\n")[0])
"""
    out = front.client.check_output(f"python3 -c {shlex.quote(script)}")
    assert out.startswith("HTTP/1.1 101"), out


def test_gradio_queue_streams_through_the_proxy(front):
    """Server-sent events of a queued Gradio job arrive through nginx."""
    base = f"http://{front.target}/gradio_api"
    auth = f"-u {ALICE[0]}:{ALICE[1]} -H 'Host: {STUDIO}' -A {shlex.quote(BROWSER)}"
    script = f"""
set -e
echo iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg== |
  base64 -d > /tmp/p.png
python3 -c "
import wave
with wave.open('/tmp/v.wav', 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000); w.writeframes(bytes(1600))"
up() {{ curl -fsS {auth} -F files=@$1 {base}/upload | python3 -c 'import json,sys;print(json.load(sys.stdin)[0])'; }}
img=$(up /tmp/p.png); voice=$(up /tmp/v.wav)
payload=$(python3 -c '
import json, sys
files = [{{"path": path, "meta": {{"_type": "gradio.FileData"}}}} for path in sys.argv[1:]]
print(json.dumps({{"data": [*files, "hello"]}}))' "$img" "$voice")
event=$(curl -fsS {auth} -H 'Content-Type: application/json' -d "$payload" {base}/call/predict |
  python3 -c 'import json,sys;print(json.load(sys.stdin)["event_id"])')
curl -fsS -N --max-time 60 {auth} {base}/call/predict/$event
"""
    out = front.client.run(script)
    assert out.rc == 0, out.stdout + out.stderr
    assert out.stdout.count("event: generating") >= 3 and "event: complete" in out.stdout, out.stdout


def test_rate_limit_answers_429_with_a_body(front):
    codes = front.client.check_output(
        "for i in $(seq 40); do curl -s -o /dev/null -w '%{http_code} ' -A "
        + shlex.quote(BROWSER)
        + f" -H 'Host: {API}' -H 'Authorization: Bearer {KEY}' http://{front.target}/v1/models; done"
    ).split()
    assert "200" in codes and "429" in codes, codes
    limited = front.request("/v1/models", host=API, headers=[f"Authorization: Bearer {KEY}"])
    if limited.status == 429:
        assert "Too many requests" in limited.body


def test_the_token_limit_names_a_hash_never_the_token(node):
    # The token's own limit (burst 8, below the address's 10) is what stopped the
    # flood above, keyed by a hash of the token, never the token itself.
    log = node.run("cat /var/log/nginx/error.log").stdout
    assert 'by zone "aiguard_apiproxy_token"' in log, log[-2000:]
    tokens = node.run("cat /etc/nginx/aiguard/active/tokens-apiproxy.conf").stdout
    assert re.search(r"\bt[0-9a-f]{12};$", tokens, re.M), tokens


def test_wrong_bearer_tokens_are_rate_limited(front):
    # The token is checked in the access phase, after limit_req: a client guessing tokens
    # meets the API limit (5r/s, burst 10) like any other. Let the zone refill first.
    time.sleep(3)
    codes = front.client.check_output(
        "for i in $(seq 40); do curl -s -o /dev/null -w '%{http_code} ' -A "
        + shlex.quote(BROWSER)
        + f" -H 'Host: {API}' -H 'Authorization: Bearer sk-wrong-token-0000000' http://{front.target}/v1/models; done"
    ).split()
    assert codes[0] == "401" and "429" in codes and "200" not in codes, codes
    time.sleep(3)


def test_app_ports_are_not_reachable_from_another_host(front):
    for port in (7860, 3002):
        out = front.client.run(f"curl -s -o /dev/null --max-time 5 http://{front.target}:{port}/")
        assert out.rc == 7, f"port {port} answered from {CLIENT}"


def test_htpasswd_is_cheap_salted_sha512_crypt_and_private(node):
    # SHA-512 crypt with 1000 rounds (bcrypt cost nginx 0.3 s of CPU per request), each with its own salt.
    f = node.file("/etc/nginx/aiguard/htpasswd/studio")
    assert f.mode == 0o640 and f.user == "root" and f.group == "www-data"
    lines = dict(line.split(":", 1) for line in f.content_string.split())
    assert sorted(lines) == ["alice", "bob"]
    assert all(h.startswith("$6$rounds=1000$") for h in lines.values()), lines
    assert len({h.split("$")[3] for h in lines.values()}) == 2
    assert sorted(
        dict(line.split(":", 1) for line in node.file("/etc/nginx/aiguard/htpasswd/apiproxy").content_string.split())
    ) == ["alice"]
    tokens = node.file("/etc/nginx/aiguard/active/tokens-apiproxy.conf")
    assert tokens.mode == 0o600


def test_check_mode_on_converged_host_reports_no_change(converge_check):
    assert not converge_check.failed, converge_check.output
    assert not converge_check.changed, converge_check.output


def test_removed_user_is_removed_from_the_file(one, host_of, converge):
    node = host_of(one)
    # No converge back: the next test's good run at its end restores bob.
    users = json.dumps({"nginx_auth_users": [{"name": "alice", "password": ALICE[1]}]})
    recap = converge("-e", users, "--limit", one)
    assert recap.rc == 0, recap.output
    names = [line.split(":", 1)[0] for line in node.file("/etc/nginx/aiguard/htpasswd/studio").content_string.split()]
    assert names == ["alice"]
    assert Front(host_of(CLIENT), one).request("/", user=BOB).status == 401


def test_broken_site_fails_and_nginx_keeps_the_old_config(one, host_of, converge):
    node = host_of(one)
    state = "readlink /etc/nginx/aiguard/active; cat /etc/nginx/aiguard/active/sites/*.conf | sha256sum"
    before = node.check_output(state)
    broken = json.dumps(
        {
            "nginx_auth_sites": [
                {
                    "name": "studio",
                    "server_names": [STUDIO],
                    "default_server": True,
                    "upstream": "127.0.0.1:7860",
                    "directives": ["proxy_buffering maybe;"],
                }
            ]
        }
    )
    recap = converge("-e", broken, "--limit", one)
    assert recap.rc != 0
    assert "nginx rejected the new configuration" in recap.output
    assert "proxy_buffering" in recap.output  # nginx's own message
    assert node.check_output(state) == before
    front = Front(host_of(CLIENT), one)
    assert front.request("/", host=API, user=ALICE).status == 200  # the API site is still served
    assert front.request("/").status == 401
    # A good run afterwards converges again (and brings back the user the test above removed).
    assert converge("--limit", one).rc == 0
    assert front.request("/", user=BOB).status == 200


def test_bad_variable_fails_in_preflight_without_showing_the_token(one, host_of, converge):
    # That the preflight is wired in: a bad variable stops the play before any
    # change, with the message. Every check and message is a unit test of the
    # site model (tests/unit/plugins/module_utils/test_sites.py).
    node = host_of(one)
    state = "readlink /etc/nginx/aiguard/active; find /etc/nginx/aiguard/ -type f -exec sha256sum {} + | sort"
    before = node.check_output(state)
    bad = {"name": "api", "upstream": "127.0.0.1:3002", "api_paths": ["/v1/"], "api_tokens": ["leak-check!"]}
    recap = converge("-e", json.dumps({"nginx_auth_sites": [bad]}), "--limit", one)
    assert recap.rc != 0 and "nginx_auth_sites[api].api_tokens[0]" in recap.output, recap.output
    assert "16 to 256" in recap.output, recap.output
    assert "leak-check" not in recap.output  # tokens never appear in output
    assert node.check_output(state) == before
