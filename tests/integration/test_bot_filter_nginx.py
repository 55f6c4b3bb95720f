# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The files bot_filter writes work in a real nginx, as classify() says.

The module runs for real (its main(), as Ansible runs it) and writes its
files, one server-level include per policy (server_snippets); a throw-away
container per Debian release (aiguard-bench-check-*, from
localhost/aiguard-debian:bookworm and :trixie, nginx 1.22 and 1.26) includes
them (the http-level one in http, a server-level one at the end of each server
block: the private policy's on port 8080, the public policy's on 8081, the
location-level one in the filtered locations), passes ``nginx -t`` without a
warning and answers requests sent over its loopback by a client inside the
container: real browser user agents get 200, real bot user agents, probe paths
and an empty user agent have the connection closed (444), a rate-limited user
agent gets 429 after its burst, the ACME challenge path (an exempt path) stays
open to bots, the public server lets a search engine in and drops an AI
crawler. Takes about a minute (apt-get install nginx in each container).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = {"bookworm": "localhost/aiguard-debian:bookworm", "trixie": "localhost/aiguard-debian:trixie"}
PORT = 8080
PUBLIC_PORT = 8081
ACME = "/.well-known/acme-challenge/"
ENV = dict(os.environ, CONTAINERS_CONF=os.environ.get("CONTAINERS_CONF", str(ROOT / ".config" / "containers.conf")))

pytestmark = pytest.mark.skipif(
    shutil.which("podman") is None, reason="podman is not installed (run scripts/bootstrap.sh)"
)

SERVER = """
    server {
        listen 127.0.0.1:%d;
        limit_req_status 429;
        # A content handler: limit_req runs in the preaccess phase, which a
        # "return" (rewrite phase) would end the request before.
        location / {
            include /etc/aiguard/snippets/aiguard-bots.conf;
            empty_gif;
        }
        location ~ ^/echo/(.*)$ {
            include /etc/aiguard/snippets/aiguard-bots.conf;
            return 200 "echo $1\\n";
        }
        # Exempt (exempt_paths): no location-level include, and the server-level one lets it through.
        location ^~ /.well-known/acme-challenge/ {
            return 200 "acme\\n";
        }
        # Last: its break ends the server-level rewrite directives for a browser in the fast path.
        include /etc/aiguard/server/%s;
    }
"""

NGINX_CONF = (
    """pcre_jit on;
worker_processes 1;
pid /run/check-nginx.pid;
error_log /tmp/check-error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    include /etc/aiguard/conf.d/aiguard-bots.conf;
"""
    + SERVER % (PORT, "aiguard-bots-server.conf")
    + SERVER % (PUBLIC_PORT, "aiguard-bots-public.conf")
    + "}\n"
)

# Runs inside the container: one request per line of stdin, one result per line of stdout.
CLIENT = (
    r"""
import http.client, json, sys
for line in sys.stdin:
    req = json.loads(line)
    conn = http.client.HTTPConnection("127.0.0.1", req.get("port", %d), timeout=10)
    conn.putrequest("GET", req["path"], skip_accept_encoding=True)
    if req["ua"] is not None:
        conn.putheader("User-Agent", req["ua"])
    conn.endheaders()
    try:
        resp = conn.getresponse()
        print(json.dumps([resp.status, resp.read().decode("latin-1")]), flush=True)
    except (http.client.RemoteDisconnected, ConnectionResetError):
        print(json.dumps(["closed", ""]), flush=True)
    conn.close()
"""  # noqa: UP031 (text full of braces)
    % PORT
)


def podman(*args, check=True, **kwargs):
    proc = subprocess.run(["podman", *args], capture_output=True, text=True, env=ENV, check=False, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"podman {' '.join(args[:3])} failed: {proc.stderr.strip()[-800:]}")
    return proc


def start(release):
    name = f"aiguard-bench-check-{release}"
    podman("rm", "-f", "-t", "0", name, check=False)
    podman("run", "-d", "--name", name, IMAGES[release], "sleep", "infinity")
    podman(
        "exec",
        name,
        "sh",
        "-c",
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq"
        " --no-install-recommends nginx >/dev/null",
    )
    podman(
        "exec", name, "sh", "-c", "nginx -s stop 2>/dev/null; pkill -x nginx; mkdir -p /etc/aiguard; true", check=False
    )
    return name


@pytest.fixture(scope="module")
def module_output(tmp_path_factory):
    """Run the bot_filter module for real; return the directory it wrote, the filter and botfilter_data."""
    base = tmp_path_factory.mktemp("bot_filter")
    link = base / "collections" / "ansible_collections" / "aiguard" / "hardening"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT, target_is_directory=True)
    out = base / "etc"
    (out / "conf.d").mkdir(parents=True)
    (out / "snippets").mkdir()
    (out / "server").mkdir()
    args = dict(
        dest=str(out / "conf.d" / "aiguard-bots.conf"),
        server_snippets=dict(
            private=str(out / "server" / "aiguard-bots-server.conf"),
            public=str(out / "server" / "aiguard-bots-public.conf"),
        ),
        snippet_dest=str(out / "snippets" / "aiguard-bots.conf"),
        patterns=[
            # Shadowed in private: the generic markers 'bot' and '://' block bingbot whatever its limit.
            dict(name="bingbot", pattern="bingbot", action="limit"),
            # A rate-limited user agent no built-in name or generic marker matches.
            dict(name="watcher", pattern="AcmeWatcher", action="limit"),
            dict(name="quoted", pattern='say "hi" \\ back'),
            dict(name="version", pattern=r"EvilScraper/\d+\.\d+", regex=True),
            dict(name="anchored", pattern=r"^(?:Fetcher|Grabber)/", regex=True),
        ],
        probe_paths=["/backup.zip"],
        exempt_paths=[ACME],
        limit_rate="1r/m",
        limit_burst=2,
    )
    (base / "args.json").write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ansible_collections.aiguard.hardening.plugins.modules.bot_filter",
            str(base / "args.json"),
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(base / "collections")),
        check=False,
    )
    result = json.loads(proc.stdout)
    assert not result.get("failed"), result.get("msg")
    sys.path.insert(0, str(base / "collections"))
    from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter, botfilter_data

    options = {name: args[name] for name in ("patterns", "probe_paths", "exempt_paths")}
    flt = botfilter.build(**options)
    public = botfilter.build(policy="public", **options)
    assert result["counts"] == flt.counts and result["fast_path_dropped"] == []
    assert result["policies"] == {"private": flt.counts, "public": public.counts}
    return out, flt, botfilter_data, public


@pytest.fixture(scope="module")
def servers(module_output):
    """{release: container} with nginx running on the module's files."""
    available = [r for r in IMAGES if podman("image", "exists", IMAGES[r], check=False).returncode == 0]
    if not available:
        pytest.skip("neither localhost/aiguard-debian:bookworm nor :trixie exists (scripts/build-images.sh all)")
    out = module_output[0]
    names = {}
    try:
        with ThreadPoolExecutor(len(available)) as pool:
            for release, name in zip(available, pool.map(start, available), strict=True):
                names[release] = name
        conf = out.parent / "nginx.conf"
        conf.write_text(NGINX_CONF)
        (out.parent / "client.py").write_text(CLIENT)
        for name in names.values():
            podman("cp", str(out) + "/.", f"{name}:/etc/aiguard/")
            podman("cp", str(conf), f"{name}:/etc/aiguard/nginx.conf")
            podman("cp", str(out.parent / "client.py"), f"{name}:/etc/aiguard/client.py")
        yield names
    finally:
        for release in available:
            podman("rm", "-f", "-t", "0", f"aiguard-bench-check-{release}", check=False)


def send(name, requests, port=PORT):
    """[(status or 'closed', body)] for [(path, user agent or None)], in order."""
    lines = "".join(json.dumps({"path": path, "ua": ua, "port": port}) + "\n" for path, ua in requests)
    proc = podman("exec", "-i", name, "python3", "/etc/aiguard/client.py", input=lines)
    return [tuple(json.loads(line)) for line in proc.stdout.splitlines()]


@pytest.fixture(scope="module")
def running(servers):
    for name in servers.values():
        test = podman("exec", name, "nginx", "-t", "-c", "/etc/aiguard/nginx.conf", check=False)
        assert test.returncode == 0, test.stderr
        assert "[warn]" not in test.stderr and "[emerg]" not in test.stderr, test.stderr
        podman("exec", name, "nginx", "-c", "/etc/aiguard/nginx.conf")
    return servers


def crawler_instances():
    path = (
        ROOT
        / "tests"
        / "unit"
        / "plugins"
        / "module_utils"
        / "fixtures"
        / "botfilter"
        / "crawler-user-agents-excerpt.json"
    )
    return [agent for item in json.loads(path.read_text()) for agent in item["instances"]]


def verdict(status, body):
    """What nginx did with a request, in classify()'s words."""
    if status == "closed":
        return "block"
    if status == 200 and (body.startswith(("GIF89a", "echo ")) or body == "acme\n"):
        return "allow"
    return status


@pytest.mark.parametrize("release", list(IMAGES))
def test_nginx_agrees_with_classify(running, module_output, release):
    if release not in running:
        pytest.skip(f"image {IMAGES[release]} is missing")
    _out, flt, data, _public = module_output
    browsers = [agent for _label, agent in data.BROWSER_USER_AGENTS]
    agents = (
        browsers
        + [a.upper() for a in browsers[:3]]
        + crawler_instances()
        + [
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
            "MOZILLA/5.0 APPLEWEBKIT/537.36 (KHTML, LIKE GECKO; COMPATIBLE; GPTBOT/1.2)",
            "curl/8.5.0",
            "python-requests/2.32.3",
            "Go-http-client/1.1",
            'x say "hi" \\ back',
            "EvilScraper/2.10",
            "Fetcher/1.0",
            "My Fetcher/1.0",
            "",
            None,
            # Out of the fast path's window or shape: through the merged patterns. (Not a trailing space: nginx
            # strips the whitespace around a header value, so such a user agent arrives in the fast path.)
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0"
            " Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
            "  Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0.1",
        ]
    )
    paths = [
        "/",
        "/.env",
        "/%2eenv",
        "/.ENV",
        "/app/.env.bak",
        "/app/.git/config",
        "/.git/config",
        "/wp-login.php",
        "/WP-LOGIN.PHP",
        "/x/backup.zip",
        "/backup.zip",
        "/gradio_api/queue/join",
        ACME + "token",
        ACME + ".env",
        "/.well-known/acme-challenge",
        "/echo/.env",
    ]
    # The real browsers of browsers.json (most in the fast path now), on "/" only.
    npm = json.loads((ROOT / "tests" / "unit" / "data" / "botfilter" / "browsers.json").read_text())["user_agents"]
    once = set(crawler_instances()) | set(npm)
    agents += [agent for agent in npm if agent not in agents]
    requests = [(path, agent) for agent in agents for path in (["/"] if agent in once else paths)]
    requests = [(p, a) for p, a in requests if flt.classify(a, "/") != "limit"]  # rate-limited: see below
    results = send(running[release], requests)
    assert len(results) == len(requests)
    mismatches = []
    for (path, agent), (status, body) in zip(requests, results, strict=True):
        expected = flt.classify(agent, path.replace("%2e", "."))
        got = verdict(status, body)
        if got != expected:
            mismatches.append((agent, path, expected, got))
    assert mismatches == []
    verdicts = {flt.classify(agent, path.replace("%2e", ".")) for path, agent in requests}
    assert verdicts == {"allow", "block"}
    # Both sides of the fast path were exercised.
    assert {flt.in_fast_path(agent) for _path, agent in requests} == {True, False}


@pytest.mark.parametrize("release", list(IMAGES))
def test_rate_limit_captures_and_acme(running, module_output, release):
    if release not in running:
        pytest.skip(f"image {IMAGES[release]} is missing")
    flt = module_output[1]
    bing = "Mozilla/5.0 (compatible; AcmeWatcher/2.0)"
    assert flt.classify(bing, "/") == "limit" and flt.classify(bing, "/.env") == "block"
    bingbot = (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
    )
    assert flt.classify(bingbot, "/") == "block"  # the generic markers
    browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0"
    samsung = (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0"
        " Chrome/136.0.0.0 Mobile Safari/537.36"
    )
    results = send(
        running[release],
        [
            ("/", bing),
            ("/", bing),
            ("/", bing),
            ("/", bing),
            ("/", bing),  # rate 1r/m, burst 2: 3 pass, then 429
            ("/", browser),  # others are not limited
            ("/.env", bing),  # a probe is blocked even for a limited user agent
            ("/echo/hello", samsung),  # outside the fast path: the named captures left $1 of the location intact
            ("/echo/world", browser),
            (ACME + "token", "curl/8.5.0"),  # an exempt path, in a location without the location-level include
            (ACME + "token", None),
            ("/", bingbot),
        ],
    )
    assert [status for status, _body in results[:5]] == [200, 200, 200, 429, 429]
    assert results[5][0] == 200 and results[5][1].startswith("GIF89a")
    assert results[6:] == [
        ("closed", ""),
        (200, "echo hello\n"),
        (200, "echo world\n"),
        (200, "acme\n"),
        (200, "acme\n"),
        ("closed", ""),
    ]


@pytest.mark.parametrize("release", list(IMAGES))
def test_fast_path_and_exempt_paths(running, module_output, release):
    if release not in running:
        pytest.skip(f"image {IMAGES[release]} is missing")
    flt = module_output[1]
    chrome = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
        " Safari/537.36"
    )
    samsung = (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0"
        " Chrome/136.0.0.0 Mobile Safari/537.36"
    )
    gptbot = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"
    assert flt.in_fast_path(chrome) and not flt.in_fast_path(samsung)
    cases = [
        ("/", chrome, "allow"),
        ("/.env", chrome, "block"),  # fast path: the probe location
        ("/wp-login.php", chrome, "block"),
        ("/.ENV", chrome, "allow"),  # fast path: prefix locations are case-sensitive (basic auth still applies)
        ("/app/.env.bak", chrome, "allow"),  # fast path: not at the start of the path
        ("/app/.env.bak", samsung, "block"),  # outside the fast path: anywhere, any case
        ("/.ENV", samsung, "block"),
        ("/", samsung, "allow"),
        (ACME + "token", gptbot, "allow"),  # exempt
        (ACME + "token", "", "allow"),
        ("/", gptbot, "block"),
        ("/", "", "block"),
    ]
    results = send(running[release], [(path, agent) for path, agent, _verdict in cases])
    assert [(path, agent, verdict(*result)) for (path, agent, _v), result in zip(cases, results, strict=True)] == cases
    assert [flt.classify(agent, path) for path, agent, _verdict in cases] == [v for _p, _a, v in cases]


@pytest.mark.parametrize("release", list(IMAGES))
def test_public_policy(running, module_output, release):
    if release not in running:
        pytest.skip(f"image {IMAGES[release]} is missing")
    flt, public = module_output[1], module_output[3]
    googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    gptbot = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"
    cases = [
        ("/", googlebot),
        ("/", gptbot),
        ("/", "curl/8.5.0"),  # "library" in the catalog: the public policy lets it in
        ("/", "Mozilla/5.0 zgrab/0.x"),  # a scanner
        ("/", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)"),
        ("/", ""),
        ("/x/.env", googlebot),
        ("/", 'x say "hi" \\ back'),  # a user pattern applies to every policy
    ]
    results = send(running[release], cases, port=PUBLIC_PORT)
    got = [verdict(*result) for result in results]
    assert got == [public.classify(agent, path) for path, agent in cases]
    assert got == ["allow", "block", "allow", "block", "allow", "block", "block", "block"]
    # The private server drops the search engine.
    assert [verdict(*result) for result in send(running[release], cases[:1])] == ["block"] == [flt.classify(googlebot)]
