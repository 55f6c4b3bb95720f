# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure what the bot_filter configuration costs nginx, against no filter
and against a naive map with one regex per bot.

Everything runs inside one throw-away Podman container (named
aiguard-bench-PID, removed at the end, even on failure) created from
localhost/aiguard-debian:bookworm: nginx with one worker pinned to CPU 0 and
wrk pinned to CPU 1, on loopback only. The rounds alternate the variants,
and medians are reported. See benchmarks/README.md.

Every variant runs with pcre_jit on, as the nginx_auth role sets it; --no-pcre-jit adds
the filters without it.

Usage: .venv/bin/python benchmarks/bot_filter_bench.py [--rounds 7] [--duration 5] [--no-pcre-jit] [--instructions]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "localhost/aiguard-debian:bookworm"
PORT = 8080
BACKEND_PORT = 8081
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
)
# A real browser outside the fast path: allowed, but only after the merged regexes.
SLOW_PATH_UA = (
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko)"
    " SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36"
)
BOT_UA = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"
PATH = "/gradio_api/queue/join"

NGINX_CONF = """worker_processes 1;
worker_cpu_affinity 01;
pid /run/bench-nginx.pid;
error_log /tmp/bench-error.log warn;
{jit}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 1000000;
{http}
    upstream aiguard_backend {{
        server 127.0.0.1:{backend};
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        limit_req_status 429;
        location / {{
{location}
{content}
        }}
{server}
    }}
}}
"""
# A content handler, not "return 200": return answers in the rewrite phase, so
# limit_req (preaccess phase) would never run and part of the cost would be
# hidden.
DIRECT = "            empty_gif;"
# As in front of a Gradio app or an API proxy. The app is a second nginx (its
# own process, on the other CPU, not measured) that answers at once, like a
# very fast app.
PROXIED = """            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://aiguard_backend;"""


def import_botfilter():
    """Import the bot filter's module_utils from this checkout."""
    link_root = Path(tempfile.mkdtemp(prefix="aiguard-bench-import-"))
    link = link_root / "ansible_collections" / "aiguard" / "hardening"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(link_root))
    from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter, botfilter_entries, botfilter_pack

    return botfilter, botfilter_entries, botfilter_pack, link_root


def podman(*args, check=True, **kwargs):
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(ROOT / ".config" / "containers.conf"))
    return subprocess.run(["podman", *args], check=check, text=True, capture_output=True, env=env, **kwargs)


def nginx_conf(http="", location="", server="", proxied=False, jit=True):
    return NGINX_CONF.format(
        http=http,
        location=location,
        server=server,
        content=PROXIED if proxied else DIRECT,
        port=PORT,
        backend=BACKEND_PORT,
        jit="pcre_jit on;" if jit else "",
    )


# The stand-in app for the proxied variants, started once.
BACKEND_CONF = (
    """worker_processes 1;
worker_cpu_affinity 10;
pid /run/bench-backend.pid;
error_log /tmp/bench-backend-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:%d;
        location / { empty_gif; }
    }
}
"""  # noqa: UP031 (nginx text, full of braces)
    % BACKEND_PORT
)


# Runs inside the container: start nginx, warm up, measure, stop; prints JSON.
# The CPU time is the nginx worker's (user + system), from /proc.
MEASURE = r"""
import json, os, re, subprocess, sys, time
conf, ua, duration, wrk_cpu = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
subprocess.run(["nginx", "-c", conf], check=True)
time.sleep(0.3)
master = open("/run/bench-nginx.pid").read().strip()
worker = int(subprocess.run(["pgrep", "-P", master], capture_output=True, text=True).stdout.split()[0])
def cpu():
    fields = open(f"/proc/{worker}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
def wrk(seconds):
    return subprocess.run(["taskset", "-c", wrk_cpu, "wrk", "-t1", "-c16", f"-d{seconds}s", "-H", f"User-Agent: {ua}",
                           "http://127.0.0.1:%d%s"], capture_output=True, text=True, check=True).stdout
try:
    wrk(1)
    before = cpu()
    out = wrk(duration)
    used = cpu() - before
finally:
    subprocess.run(["nginx", "-c", conf, "-s", "stop"], check=False)
    time.sleep(0.3)
requests = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(json.dumps(dict(rps=rps, requests=requests, cpu_us=used * 1e6 / requests,
                      non2xx=int(non2xx.group(1)) if non2xx else 0)))
""" % (PORT, PATH)  # noqa: UP031 (text full of braces)


# Runs inside the container: nginx under callgrind, in one process, serves
# N1 then N2 requests on one keep-alive connection; the difference of the
# instruction counts over N2 - N1 is the cost of one request, free of the
# start-up cost and of the noise of a shared machine. Prints JSON.
INSTRUCTIONS = r"""
import http.client, json, re, subprocess, sys, time
conf, ua = sys.argv[1], sys.argv[2]
counts = {}
for n in (300, 2300):
    out = f"/tmp/callgrind.{n}"
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "nginx", "-c", conf,
                             "-g", "daemon off; master_process off;"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", %d, timeout=60)
            conn.connect()
            break
        except OSError:
            time.sleep(0.1)
    for _ in range(n):
        conn.request("GET", "%s", headers={"User-Agent": ua})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, resp.status
    conn.close()
    proc.send_signal(3)  # SIGQUIT: graceful exit, callgrind writes its file
    proc.wait()
    counts[n] = int(re.search(r"^(?:summary|totals): (\d+)", open(out).read(), re.M).group(1))
print(json.dumps(dict(instructions=(counts[2300] - counts[300]) / 2000)))
""" % (PORT, PATH)  # noqa: UP031 (text full of braces)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds (default 7)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement (default 5)")
    parser.add_argument("--no-pcre-jit", action="store_true", help="also measure the filters with pcre_jit off")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count the nginx instructions per request with valgrind (slow, but exact)",
    )
    parser.add_argument("--policy", choices=["private", "public"], default="private", help="default private")
    parser.add_argument("--keep-configs", metavar="DIR", help="copy the generated configurations there")
    args = parser.parse_args()

    if shutil.which("podman") is None:
        print("SKIP: podman is not installed (scripts/bootstrap.sh installs it)")
        return 0
    if podman("image", "exists", IMAGE, check=False).returncode != 0:
        print(f"SKIP: image {IMAGE} is missing (build it with scripts/build-images.sh bookworm)")
        return 0
    botfilter, _entries, pack, link_root = import_botfilter()
    policy = args.policy
    flt = botfilter.build(policy=policy, exempt_paths=["/robots.txt"])
    naive = [entry.parsed.pcre for entry in flt.entries]
    print(f"policy {policy}: {len(flt.entries)} built-in patterns (crawler-user-agents, ai.robots.txt, our own)")
    print(f"bot_filter: {flt.summary()}")
    print(f"naive: one map with {len(naive)} '~*' regexes, tried in turn, and an if in the location")
    browsers = ROOT / "tests" / "unit" / "data" / "botfilter" / "browsers.json"
    if browsers.exists():
        agents = json.loads(browsers.read_text())["user_agents"]
        fast = sum(1 for agent in agents if flt.in_fast_path(agent))
        print(f"browsers in the fast path: {fast}/{len(agents)} of the user-agents set ({fast / len(agents):.1%})")

    ours = dict(
        http="    include /etc/nginx/aiguard-bots.conf;",
        server="        include /etc/nginx/aiguard-bots-server.conf;",
        location="            include /etc/nginx/aiguard-bots-location.conf;",
    )
    theirs = dict(
        http="    map $http_user_agent $naive_bad {\n        default 0;\n"
        + "".join(f"        {pack.regex_parameter(regex)} 1;\n" for regex in naive)
        + "    }",
        location="            if ($naive_bad) { return 444; }",
    )
    builders = {
        "unfiltered": {},
        "bot_filter": ours,
        "naive": theirs,
        "unfiltered-proxied": dict(proxied=True),
        "bot_filter-proxied": dict(ours, proxied=True),
    }
    configs = {name: nginx_conf(**kwargs) for name, kwargs in builders.items()}
    # (label, config, user agent, baseline label)
    runs = [
        ("unfiltered", "unfiltered", BROWSER_UA, "unfiltered"),
        ("bot_filter", "bot_filter", BROWSER_UA, "unfiltered"),
        ("naive", "naive", BROWSER_UA, "unfiltered"),
        ("bot_filter, browser outside the fast path", "bot_filter", SLOW_PATH_UA, "unfiltered"),
        ("naive, browser outside the fast path", "naive", SLOW_PATH_UA, "unfiltered"),
        ("unfiltered, proxied", "unfiltered-proxied", BROWSER_UA, "unfiltered, proxied"),
        ("bot_filter, proxied", "bot_filter-proxied", BROWSER_UA, "unfiltered, proxied"),
        ("bot_filter, proxied, outside the fast path", "bot_filter-proxied", SLOW_PATH_UA, "unfiltered, proxied"),
    ]
    if args.no_pcre_jit:
        for name in ("unfiltered", "bot_filter", "naive"):
            configs[name + "-nojit"] = nginx_conf(**builders[name], jit=False)
        runs += [
            ("unfiltered, no JIT", "unfiltered-nojit", BROWSER_UA, "unfiltered, no JIT"),
            ("bot_filter, no JIT", "bot_filter-nojit", BROWSER_UA, "unfiltered, no JIT"),
            ("naive, no JIT", "naive-nojit", BROWSER_UA, "unfiltered, no JIT"),
            ("bot_filter, outside the fast path, no JIT", "bot_filter-nojit", SLOW_PATH_UA, "unfiltered, no JIT"),
        ]

    work = Path(tempfile.mkdtemp(prefix="aiguard-bench-"))
    (work / "aiguard-bots.conf").write_text(
        flt.render_http(snippet_dest="aiguard-bots-location.conf", server_snippet_dest="aiguard-bots-server.conf")
    )
    (work / "aiguard-bots-server.conf").write_text(flt.render_server(dest="aiguard-bots.conf"))  # returns 444
    (work / "aiguard-bots-location.conf").write_text(flt.render_snippet(dest="aiguard-bots.conf"))
    for name, text in configs.items():
        (work / f"{name}.conf").write_text(text)
    (work / "measure.py").write_text(MEASURE)
    (work / "instructions.py").write_text(INSTRUCTIONS)
    (work / "backend.conf").write_text(BACKEND_CONF)
    if args.keep_configs:
        shutil.copytree(work, args.keep_configs, dirs_exist_ok=True)

    container = f"aiguard-bench-{os.getpid()}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        podman("run", "-d", "--name", container, IMAGE, "sleep", "infinity")
        print(f"container {container}: installing nginx and wrk ...", flush=True)
        install = podman(
            "exec",
            container,
            "sh",
            "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive"
            " apt-get install -y -qq --no-install-recommends nginx wrk procps util-linux python3"
            " curl" + (" valgrind" if args.instructions else "") + " >/dev/null",
            check=False,
        )
        if install.returncode != 0:
            print(f"FAILED: apt-get install nginx wrk in the container: {install.stderr.strip()[-500:]}")
            return 1
        podman("exec", container, "sh", "-c", "nginx -s stop 2>/dev/null; pkill -x nginx; true", check=False)
        for path in work.iterdir():
            podman("cp", str(path), f"{container}:/etc/nginx/{path.name}")
        podman("exec", container, "nginx", "-c", "/etc/nginx/backend.conf")
        version = podman("exec", container, "nginx", "-v").stderr.strip()
        cpus = int(podman("exec", container, "nproc").stdout.strip())
        wrk_cpu = "1" if cpus > 1 else "0"
        print(f"{version}; {cpus} CPUs: nginx worker on CPU 0, wrk and the stand-in app on CPU {wrk_cpu}")
        for name in configs:
            test = podman("exec", container, "nginx", "-t", "-c", f"/etc/nginx/{name}.conf", check=False)
            if test.returncode != 0 or "[warn]" in test.stderr:
                print(f"FAILED: nginx -t for {name}:\n{test.stderr}")
                return 1
        # The filter lets the browsers through and closes the bot's connection (444).
        podman("exec", container, "nginx", "-c", "/etc/nginx/bot_filter.conf")
        time.sleep(0.3)
        for ua, want in ((BROWSER_UA, "200"), (SLOW_PATH_UA, "200"), (BOT_UA, "000")):
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
                ua,
                f"http://127.0.0.1:{PORT}{PATH}",
                check=False,
            ).stdout.strip()
            if got != want:
                print(f"FAILED: sanity check: {ua!r} got HTTP {got}, expected {want} (000: connection closed)")
                return 1
        podman("exec", container, "nginx", "-c", "/etc/nginx/bot_filter.conf", "-s", "stop", check=False)
        time.sleep(0.3)

        if args.instructions:
            print("\ninstructions of nginx per request (callgrind, user space only; kernel work not counted):")
            counted = {}
            for label, config, ua, base in runs:
                out = podman(
                    "exec", container, "python3", "/etc/nginx/instructions.py", f"/etc/nginx/{config}.conf", ua
                )
                counted[label] = json.loads(out.stdout)["instructions"]
                print(
                    f"{label:45s} {counted[label]:10.0f} {counted[label] - counted[base]:+10.0f}"
                    f"  ratio {counted[base] / counted[label]:.3f}",
                    flush=True,
                )
            print()

        results = {label: [] for label, _config, _ua, _base in runs}
        for round_no in range(args.rounds):
            shift = round_no % len(runs)
            for label, config, ua, _base in runs[shift:] + runs[:shift]:
                out = podman(
                    "exec",
                    container,
                    "python3",
                    "/etc/nginx/measure.py",
                    f"/etc/nginx/{config}.conf",
                    ua,
                    str(args.duration),
                    wrk_cpu,
                )
                sample = json.loads(out.stdout)
                if sample["non2xx"]:
                    print(f"FAILED: {label}: {sample['non2xx']} responses were not 200")
                    return 1
                results[label].append(sample)
                print(
                    f"round {round_no + 1}/{args.rounds}  {label:45s} {sample['rps']:9.0f} req/s"
                    f" {sample['cpu_us']:8.2f} us CPU/request",
                    flush=True,
                )
        if not args.rounds:
            return 0

        def median(label, key):
            return statistics.median(sample[key] for sample in results[label])

        print(
            f"\nmedians of {args.rounds} rounds of {args.duration} s; request GET {PATH} with a browser user agent"
            " unless said otherwise; 'CPU ratio' is the baseline's nginx CPU time per request over the variant's"
        )
        print(f"{'variant':45s} {'req/s':>9s} {'req/s ratio':>12s} {'us CPU/req':>11s} {'CPU ratio':>10s}")
        for label, _config, _ua, base in runs:
            rps, cpu = median(label, "rps"), median(label, "cpu_us")
            print(
                f"{label:45s} {rps:9.0f} {rps / median(base, 'rps'):12.3f} {cpu:11.2f}"
                f" {median(base, 'cpu_us') / cpu:10.3f}"
            )
        print()
        for label, base, what, target in (
            ("bot_filter, proxied", "unfiltered, proxied", "in front of an app (proxied)", 0.97),
            ("bot_filter", "unfiltered", "bare empty_gif location (worst case)", 0.97),
            (
                "bot_filter, proxied, outside the fast path",
                "unfiltered, proxied",
                "browser outside the fast path, proxied",
                0.90,
            ),
            ("bot_filter, browser outside the fast path", "unfiltered", "browser outside the fast path, bare", 0.90),
        ):
            ratio = median(label, "rps") / median(base, "rps")
            cpu_ratio = median(base, "cpu_us") / median(label, "cpu_us")
            print(f"bot_filter / unfiltered, {what}: {ratio:.3f} by req/s, {cpu_ratio:.3f} by CPU (target >= {target})")
        print(f"bot_filter / naive: {median('bot_filter', 'rps') / median('naive', 'rps'):.1f}x by req/s")
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"FAILED: {' '.join(exc.cmd[:4])} ... exited {exc.returncode}:\n{(exc.stderr or '').strip()[-1500:]}")
        return 1
    finally:
        podman("rm", "-f", "-t", "0", container, check=False)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(link_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
