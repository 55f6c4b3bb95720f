# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure which real crawlers and browsers the bot filter drops in a real
nginx, for the private and the public policy.

The filter is compiled with the collection's own code as the nginx_auth role
compiles it (botfilter.build(policy=..., exempt_paths=["/robots.txt"])), and
its includes are served by nginx in one throw-away Podman container (named
aiguard-bench-recall-PID, removed at the end, even on failure) created from
localhost/aiguard-debian:bookworm: the private policy on 127.0.0.1:8080, the
public one on 127.0.0.1:8081, pcre_jit on. One Python process inside the
container sends GET / once per user agent to each server, a new connection
per request (444 closes it). The user agents are the test data of
tests/unit/data/botfilter: crawlers.json (crawler-user-agents instances, with
tags) and browsers.json (real browsers). Every answer of nginx is checked
against classify(); a mismatch makes the script exit 1. The targets are
printed, not asserted. See benchmarks/README.md.

Usage: .venv/bin/python benchmarks/bot_filter_recall.py [--data DIR] [--keep-configs DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

# The container image, the import of this checkout's module_utils and podman
# with the repository's containers.conf, as the throughput benchmark has them.
from bot_filter_bench import IMAGE, import_botfilter, podman

ROOT = Path(__file__).resolve().parents[1]
PORTS = {"private": 8080, "public": 8081}
EXEMPT_PATHS = ["/robots.txt"]
PRIVATE_TARGET = 97.0
CONF_DIR = "/etc/nginx/aiguard-recall"
TAGS = [
    "search-engine",
    "ai-crawler",
    "scanner",
    "seo",
    "monitoring",
    "social-preview",
    "http-library",
    "advertising",
    "feed-reader",
    "archiver",
    "academic",
    "browser-automation",
]
HOSTILE = {"ai-crawler", "scanner"}
SHOWN = 10

SERVER = """
    server {{
        listen 127.0.0.1:{port};
        # A content handler, as in bot_filter_bench.py.
        location / {{
            include {conf_dir}/aiguard-bots-location.conf;
            empty_gif;
        }}
        # The exempt path, as the role leaves it unfiltered.
        location = /robots.txt {{
            return 200 "User-agent: *\\nDisallow:\\n";
        }}
        # Last: its break ends the server-level rewrite directives for a browser in the fast path.
        include {conf_dir}/aiguard-bots-{policy}.conf;
    }}
"""

NGINX_CONF = """pcre_jit on;
worker_processes 1;
pid /run/recall-nginx.pid;
error_log /tmp/recall-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    include {conf_dir}/aiguard-bots.conf;
{servers}}}
"""

# Runs inside the container: one request per line of stdin ([port, user agent]),
# one status per line of stdout, 0 when the connection was closed without an answer.
CLIENT = r"""
import http.client, json, sys
for line in sys.stdin:
    port, ua = json.loads(line)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", "/", skip_accept_encoding=True)
        conn.putheader("User-Agent", ua)
        conn.endheaders()
        resp = conn.getresponse()
        resp.read()
        status = resp.status
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        status = 0
    finally:
        conn.close()
    print(status, flush=True)
"""


def load_data(data_dir):
    """(crawlers, browsers, origin of the browsers) from DIR, or (None, reason, None)."""
    crawlers_path, browsers_path = data_dir / "crawlers.json", data_dir / "browsers.json"
    missing = [str(path) for path in (crawlers_path, browsers_path) if not path.is_file()]
    if missing:
        return None, f"missing {', '.join(missing)}", None
    try:
        crawlers = json.loads(crawlers_path.read_text())
        browsers = json.loads(browsers_path.read_text())
        crawlers = [dict(user_agent=item["user_agent"], tags=list(item["tags"])) for item in crawlers]
        agents = [str(agent) for agent in browsers["user_agents"]]
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"unreadable test data in {data_dir}: {exc!r}", None
    return crawlers, agents, f"{browsers.get('source', '?')} {browsers.get('version', '')}".strip()


def as_nginx_sees_it(user_agent):
    """nginx strips the spaces and tabs around a header value; classify() is asked about what it keeps."""
    return user_agent.strip(" \t")


def pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--data",
        metavar="DIR",
        type=Path,
        default=ROOT / "tests" / "unit" / "data" / "botfilter",
        help="directory of crawlers.json and browsers.json (default: tests/unit/data/botfilter)",
    )
    parser.add_argument("--keep-configs", metavar="DIR", help="copy the generated configurations there")
    args = parser.parse_args()

    if shutil.which("podman") is None:
        print("SKIP: podman is not installed (scripts/bootstrap.sh installs it)")
        return 0
    if podman("image", "exists", IMAGE, check=False).returncode != 0:
        print(f"SKIP: image {IMAGE} is missing (build it with scripts/build-images.sh bookworm)")
        return 0
    crawlers, browsers, origin = load_data(args.data)
    if crawlers is None:
        print(f"SKIP: the bot filter test data is not available ({browsers}); make bot-data writes it")
        return 0
    botfilter, _entries, _pack, link_root = import_botfilter()
    try:
        return run(botfilter, crawlers, browsers, origin, args)
    finally:
        shutil.rmtree(link_root, ignore_errors=True)


def run(botfilter, crawlers, browsers, origin, args):
    """Compile, serve, send, then report; 1 on a failure or a mismatch with classify()."""
    filters = {policy: botfilter.build(policy=policy, exempt_paths=EXEMPT_PATHS) for policy in PORTS}
    print(f"data: {args.data}: {len(crawlers)} crawler user agents, {len(browsers)} browser user agents ({origin})")
    for policy, flt in filters.items():
        print(f"{policy}: {flt.summary()}")

    work = Path(tempfile.mkdtemp(prefix="aiguard-bench-recall-"))
    # As the bot_filter module writes them: one http-level and one location-level
    # include (the first policy's), one server-level include per policy.
    first = filters["private"]
    server_names = ", ".join(f"aiguard-bots-{policy}.conf" for policy in PORTS)
    (work / "aiguard-bots.conf").write_text(
        first.render_http(snippet_dest="aiguard-bots-location.conf", server_snippet_dest=server_names)
    )
    (work / "aiguard-bots-location.conf").write_text(first.render_snippet(dest="aiguard-bots.conf"))
    for policy, flt in filters.items():
        (work / f"aiguard-bots-{policy}.conf").write_text(
            flt.render_server(dest="aiguard-bots.conf", snippet_dest="aiguard-bots-location.conf", return_on_drop=True)
        )
    servers = "".join(SERVER.format(port=port, policy=policy, conf_dir=CONF_DIR) for policy, port in PORTS.items())
    (work / "nginx.conf").write_text(NGINX_CONF.format(conf_dir=CONF_DIR, servers=servers))
    (work / "client.py").write_text(CLIENT)
    if args.keep_configs:
        shutil.copytree(work, args.keep_configs, dirs_exist_ok=True)

    # (policy, kind, index) per request, in the order sent.
    requests = []
    for policy in PORTS:
        requests += [(policy, "crawler", index) for index in range(len(crawlers))]
        requests += [(policy, "browser", index) for index in range(len(browsers))]

    def agent(kind, index):
        return crawlers[index]["user_agent"] if kind == "crawler" else browsers[index]

    container = f"aiguard-bench-recall-{os.getpid()}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        podman("run", "-d", "--name", container, IMAGE, "sleep", "infinity")
        print(f"container {container}: installing nginx, curl and python3 ...", flush=True)
        install = podman(
            "exec",
            container,
            "sh",
            "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive"
            " apt-get install -y -qq --no-install-recommends nginx curl python3 >/dev/null",
            check=False,
        )
        if install.returncode != 0:
            print(f"FAILED: apt-get install nginx in the container: {install.stderr.strip()[-500:]}")
            return 1
        podman("exec", container, "sh", "-c", "nginx -s stop 2>/dev/null; pkill -x nginx; true", check=False)
        podman("exec", container, "mkdir", "-p", CONF_DIR)
        for path in work.iterdir():
            podman("cp", str(path), f"{container}:{CONF_DIR}/{path.name}")
        test = podman("exec", container, "nginx", "-t", "-c", f"{CONF_DIR}/nginx.conf", check=False)
        if test.returncode != 0 or "[warn]" in test.stderr or "[emerg]" in test.stderr:
            print(f"FAILED: nginx -t:\n{test.stderr.strip()[-1500:]}")
            return 1
        podman("exec", container, "nginx", "-c", f"{CONF_DIR}/nginx.conf")
        version = podman("exec", container, "nginx", "-v").stderr.strip()
        print(f"{version}; nginx -t passed without a warning")
        for policy, port in PORTS.items():
            got = podman(
                "exec",
                container,
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-A",
                "",  # no User-Agent header at all: dropped by every policy
                f"http://127.0.0.1:{port}/",
                check=False,  # curl exits 52 on an empty reply
            ).stdout.strip()
            if got != "000":
                print(f"FAILED: sanity check: no user agent on the {policy} server got HTTP {got}, expected 000")
                return 1

        print(f"sending {len(requests)} requests (GET /, one connection each) ...", flush=True)
        lines = "".join(json.dumps([PORTS[policy], agent(kind, index)]) + "\n" for policy, kind, index in requests)
        out = podman("exec", "-i", container, "python3", f"{CONF_DIR}/client.py", input=lines)
        statuses = [int(line) for line in out.stdout.split()]
        if len(statuses) != len(requests):
            print(f"FAILED: {len(statuses)} answers for {len(requests)} requests:\n{out.stderr.strip()[-1500:]}")
            return 1
    except subprocess.CalledProcessError as exc:
        print(f"FAILED: {' '.join(exc.cmd[:4])} ... exited {exc.returncode}:\n{(exc.stderr or '').strip()[-1500:]}")
        return 1
    finally:
        podman("rm", "-f", "-t", "0", container, check=False)
        shutil.rmtree(work, ignore_errors=True)

    return report(filters, crawlers, browsers, requests, statuses, agent)


def report(filters, crawlers, browsers, requests, statuses, agent):
    dropped = {}  # (policy, kind, index) -> bool
    mismatches, unexpected = [], []
    extra_tags = sorted({tag for item in crawlers for tag in item["tags"]} - set(TAGS))
    for (policy, kind, index), status in zip(requests, statuses, strict=True):
        if status not in (0, 200):
            unexpected.append(f"{policy} {kind} {agent(kind, index)!r}: HTTP {status}")
        dropped[policy, kind, index] = status == 0
        ua = as_nginx_sees_it(agent(kind, index))
        expected = filters[policy].classify(ua, "/") == "block"
        if expected != (status == 0):
            mismatches.append(f"{policy}: {ua!r}: nginx {status}, classify() {'block' if expected else 'not block'}")

    n, m = len(crawlers), len(browsers)
    met = {}
    for policy in filters:
        caught = [dropped[policy, "crawler", index] for index in range(n)]
        false_pos = [browsers[index] for index in range(m) if dropped[policy, "browser", index]]
        print(
            f"{policy}: crawlers dropped {sum(caught)}/{n} ({pct(sum(caught), n):.1f}%),"
            f" browsers dropped {len(false_pos)}/{m}"
        )
        for tag in TAGS + extra_tags:
            members = [index for index in range(n) if tag in crawlers[index]["tags"]]
            print(f"  {tag}: dropped {sum(caught[index] for index in members)}/{len(members)}")
        if policy == "private":
            missed = [crawlers[index]["user_agent"] for index in range(n) if not caught[index]]
            met[policy] = (pct(sum(caught), n) >= PRIVATE_TARGET and not false_pos, missed, false_pos, [])
        else:
            engines = [
                index
                for index in range(n)
                if "search-engine" in crawlers[index]["tags"] and not HOSTILE & set(crawlers[index]["tags"])
            ]
            hostile = [index for index in range(n) if HOSTILE & set(crawlers[index]["tags"])]
            passing = [index for index in engines if not caught[index]]
            print(
                f"  search engines passing: {len(passing)}/{len(engines)}"
                " (only instances tagged search-engine and no ai-crawler/scanner tag)"
            )
            print(f"  ai-crawler or scanner dropped: {sum(caught[index] for index in hostile)}/{len(hostile)}")
            missed = [crawlers[index]["user_agent"] for index in hostile if not caught[index]]
            blocked_engines = [crawlers[index]["user_agent"] for index in engines if caught[index]]
            met[policy] = (not missed and not blocked_engines and not false_pos, missed, false_pos, blocked_engines)
    fast = {
        policy: sum(1 for ua in browsers if flt.in_fast_path(as_nginx_sees_it(ua))) for policy, flt in filters.items()
    }
    print(f"browsers in the fast path: {fast['private']}/{m} (private), {fast['public']}/{m} (public)")
    device = {
        policy: sum(
            1
            for ua in browsers
            if not flt.in_fast_path(as_nginx_sees_it(ua))
            and getattr(flt, "in_device_path", lambda _ua: False)(as_nginx_sees_it(ua))
        )
        for policy, flt in filters.items()
    }
    print(
        f"browsers in the device path (patterns on the device model only): {device['private']}/{m} (private),"
        f" {device['public']}/{m} (public)"
    )

    def word(ok):
        return "MET" if ok else "NOT MET"

    print(
        f"targets: private >= {PRIVATE_TARGET:g}% crawlers and 0 browsers: {word(met['private'][0])};"
        " public: every ai-crawler/scanner dropped, search engines pass, 0 browsers:"
        f" {word(met['public'][0])}"
    )
    labels = ("crawlers not dropped", "browsers dropped", "search engines dropped")
    for policy, (ok, *lists) in met.items():
        if ok:
            continue
        for label, items in zip(labels, lists, strict=True):
            if policy == "public" and label == "crawlers not dropped":
                label = "ai-crawlers or scanners not dropped"
            if items:
                print(f"  {policy}: {label} ({len(items)}, up to {SHOWN} shown):")
                for ua in items[:SHOWN]:
                    print(f"    {ua!r}")

    if unexpected:
        print(f"note: {len(unexpected)} answers other than 200 or a closed connection (up to {SHOWN} shown):")
        for line in unexpected[:SHOWN]:
            print(f"  {line}")
    print(
        f"cross-check, nginx against classify(ua, '/') == 'block': {len(requests)} requests,"
        f" {len(mismatches)} mismatches"
    )
    for line in mismatches[:SHOWN]:
        print(f"  {line}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
