# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What basic auth costs nginx per request, and what a flood of wrong passwords does to everyone else.

nginx checks a basic-auth password with crypt() in its worker, on every
request, without a cache. The script runs nginx_auth's own configuration (the
role's templates, rendered as in tests/unit/roles/) for one basic-auth site
with a public location, in a container, with the htpasswd file hashed two
ways: SHA-512 crypt with 1000 rounds (what the role writes) and bcrypt at
cost 12 (what it wrote before). It prints

* the nginx worker's CPU time per request on the public location (no auth)
  and on the basic-auth location with the right password: the difference is
  what auth costs (target: at most 2 ms);
* the latency of a legitimate user's requests (another address, right
  password, 4 a second) while one address sends wrong passwords at twice the
  role's general rate limit (target: at most 100 ms), and while it sends
  them as fast as one wrk connection can.

See benchmarks/README.md for the set-up and the figures.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "localhost/aiguard-debian:bookworm"
USER, PASSWORD = "alice", "alice-lab-password"
BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
SITE = {"name": "studio", "upstream": "127.0.0.1:7860", "default_server": True, "public_locations": ["/health"]}
# For the CPU figures the rate limit must not answer first (limit_req runs
# before auth); the flood runs with the role's default limits.
UNLIMITED = {kind: {"rate": "100000r/s", "burst": 100000} for kind in ("general", "api", "upload")}

BACKEND_CONF = """worker_processes 1;
worker_cpu_affinity 10;
pid /run/bench-backend.pid;
error_log /tmp/bench-backend-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:7860; location / { empty_gif; } }
}
"""

NGINX_CONF = """worker_processes 1;
worker_cpu_affinity 01;
pid /run/bench-nginx.pid;
error_log /tmp/bench-nginx-error.log error;
pcre_jit on;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    include /etc/nginx/aiguard/active/http.conf;
}
"""

# Runs inside the container; prints one JSON object.
MEASURE = r"""
import base64, http.client, json, os, re, subprocess, sys, threading, time
mode, seconds = sys.argv[1], int(sys.argv[2])
good = "Basic " + base64.b64encode(b"%(user)s:%(password)s").decode()
bad = "Basic " + base64.b64encode(b"%(user)s:wrong-password-guess").decode()
master = open("/run/bench-nginx.pid").read().strip()
worker = int(subprocess.run(["pgrep", "-P", master], capture_output=True, text=True).stdout.split()[0])
def cpu():
    fields = open(f"/proc/{worker}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
def wrk(path, auth, seconds, conns):
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "-H", f"Authorization: {auth}"]
    out = subprocess.run(command + [f"http://127.0.0.1:80{path}"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"wrk: {out.stdout} {out.stderr}")
    out = out.stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return int(re.search(r"(\d+) requests in", out).group(1)), int(non2xx.group(1)) if non2xx else 0
def paced(rate, seconds, auth, source, log):
    conn = http.client.HTTPConnection("127.0.0.1", 80, timeout=60, source_address=(source, 0))
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        began = time.monotonic()
        conn.request("GET", "/", headers={"Authorization": auth})
        resp = conn.getresponse()
        resp.read()
        log.append((time.monotonic() - began, resp.status))
        if resp.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", 80, timeout=60, source_address=(source, 0))
if mode == "cpu":
    found = {}
    for name, path, auth, conns in (("public", "/health", good, 4), ("basic", "/", good, 4)):
        wrk(path, auth, 1, conns)
        before = cpu()
        requests, non2xx = wrk(path, auth, seconds, conns)
        found[name] = dict(requests=requests, non2xx=non2xx, cpu_us=(cpu() - before) * 1e6 / requests)
    print(json.dumps(found))
else:
    flood = []
    floods = []
    if mode == "paced":
        for i in range(4):
            floods.append(threading.Thread(target=paced, args=(10, seconds, bad, "127.0.0.1", flood)))
    elif mode == "wrk":
        floods.append(threading.Thread(target=lambda: flood.append(wrk("/", bad, int(seconds), 1))))
    before, began = cpu(), time.monotonic()
    for thread in floods:
        thread.start()
    time.sleep(1)
    legit = []
    paced(4, seconds - 2, good, "127.0.0.2", legit)
    for thread in floods:
        thread.join()
    used, elapsed = cpu() - before, time.monotonic() - began
    times = sorted(t for t, _status in legit)
    print(json.dumps(dict(
        legit=len(legit), legit_ok=sum(1 for _, s in legit if s == 200),
        p50_ms=times[len(times) // 2] * 1e3, p95_ms=times[int(len(times) * 0.95)] * 1e3, max_ms=times[-1] * 1e3,
        flood=", ".join(f"{sum(1 for _, x in flood if x == s)} x {s}" for s in sorted({x for _, x in flood}))
        if mode == "paced" else f"{flood[0][0]} requests, {flood[0][1]} not 2xx" if flood else "-",
        worker_cpu_share=used / elapsed)))
""" % {"user": USER, "password": PASSWORD}  # noqa: UP031 (text full of braces)


def podman(*args, check=True, **kwargs):
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(ROOT / ".config" / "containers.conf"))
    return subprocess.run(["podman", *args], check=check, text=True, capture_output=True, env=env, **kwargs)


def crypt(password, setting):
    lib = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    return lib.crypt(password.encode(), setting.encode()).decode()


def hashes():
    """The htpasswd line of each scheme measured."""
    sys.path.insert(0, str(ROOT / ".cache" / "collections"))
    from ansible_collections.aiguard.hardening.plugins.module_utils import basicauth

    bcrypt_salt = "".join(secrets.choice(BCRYPT_ALPHABET) for _index in range(21)) + "e"
    return {
        "sha512_crypt, 1000 rounds (the role)": crypt(PASSWORD, basicauth.setting(basicauth.DEFAULT_ROUNDS)),
        "bcrypt, cost 12 (before)": crypt(PASSWORD, f"$2b$12${bcrypt_salt}"),
    }


def rendered(rate_limits):
    """nginx_auth's files for SITE, {relative path: text}."""
    sys.path.insert(0, str(ROOT / "tests" / "unit" / "roles"))
    from nginx_auth_render import render

    role_vars = {"nginx_auth_bot_filter": False}
    if rate_limits:
        role_vars["nginx_auth_rate_limits"] = rate_limits
    files = {
        f"{name}.conf": render(f"{name}.conf.j2", [SITE], **role_vars)[f"{name}.conf.j2"]
        for name in ("http", "headers", "proxy", "tls")
    }
    files["sites/studio.conf"] = render("site.conf.j2", [SITE], **role_vars)["studio"]
    return files


def install(container, files, htpasswd):
    stage = Path(tempfile.mkdtemp(prefix="aiguard-bench-auth-"))
    try:
        for name, text in files.items():
            (stage / "active" / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / "active" / name).write_text(text)
        (stage / "htpasswd").mkdir()
        (stage / "htpasswd" / "studio").write_text(f"{USER}:{htpasswd}\n")
        podman("exec", container, "rm", "-rf", "/etc/nginx/aiguard")
        podman("cp", str(stage), f"{container}:/etc/nginx/aiguard")
        # The worker runs as nobody here, as www-data in the role (group-readable file).
        podman("exec", container, "chmod", "-R", "a+rX", "/etc/nginx/aiguard")
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def run(container, mode, seconds):
    podman("exec", container, "nginx", "-c", "/etc/nginx/bench.conf")
    try:
        done = podman("exec", container, "python3", "/tmp/measure.py", mode, str(seconds), check=False)
        if done.returncode != 0:
            raise SystemExit(f"FAILED: the {mode} measurement: {done.stderr.strip()[-1500:]}")
        out = done.stdout
    finally:
        podman("exec", container, "sh", "-c", "nginx -c /etc/nginx/bench.conf -s stop; sleep 0.5", check=False)
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=10, help="seconds per measurement (default 10)")
    args = parser.parse_args()
    if shutil.which("podman") is None:
        print("SKIP: podman is not installed (scripts/bootstrap.sh installs it)")
        return 0
    if podman("image", "exists", IMAGE, check=False).returncode != 0:
        print(f"SKIP: no image {IMAGE} (scripts/build-images.sh bookworm builds it)")
        return 0
    container = f"aiguard-bench-auth-{os.getpid()}"
    lines = hashes()
    try:
        podman("run", "-d", "--name", container, IMAGE, "sleep", "infinity")
        done = podman(
            "exec",
            container,
            "sh",
            "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends"
            " nginx-light wrk procps util-linux python3 >/dev/null",
            check=False,
        )
        if done.returncode != 0:
            print(f"FAILED: apt-get install in the container: {done.stderr.strip()[-500:]}")
            return 1
        podman("exec", container, "sh", "-c", "nginx -s stop 2>/dev/null; pkill -x nginx; true", check=False)
        stage = Path(tempfile.mkdtemp(prefix="aiguard-bench-auth-conf-"))
        for name, text in (("backend.conf", BACKEND_CONF), ("bench.conf", NGINX_CONF)):
            (stage / name).write_text(text)
            podman("cp", str(stage / name), f"{container}:/etc/nginx/{name}")
        (stage / "measure.py").write_text(MEASURE)
        podman("cp", str(stage / "measure.py"), f"{container}:/tmp/measure.py")
        shutil.rmtree(stage)
        podman("exec", container, "nginx", "-c", "/etc/nginx/backend.conf")
        version = podman("exec", container, "nginx", "-v").stderr.strip()
        print(f"{version}, one worker on CPU 0, the clients and the stand-in app on CPU 1, {args.seconds} s each\n")
        print("CPU per request (role config, rate limits lifted so that every request reaches auth):\n")
        print("| htpasswd hash | public location | basic auth | auth costs |")
        print("|---|---:|---:|---:|")
        for name, line in lines.items():
            install(container, rendered(UNLIMITED), line)
            check = podman("exec", container, "nginx", "-t", "-q", "-c", "/etc/nginx/bench.conf", check=False)
            if check.returncode != 0:
                print(f"FAILED: nginx -t: {check.stderr.strip()[-800:]}")
                return 1
            got = run(container, "cpu", args.seconds)
            if got["public"]["non2xx"] or got["basic"]["non2xx"]:
                print(f"FAILED: non-2xx answers in the CPU run: {got}")
                return 1
            public, basic = got["public"]["cpu_us"], got["basic"]["cpu_us"]
            print(f"| {name} | {public / 1e3:.3f} ms | {basic / 1e3:.3f} ms | {(basic - public) / 1e3:+.3f} ms |")
        print("\nA legitimate user (4 requests/s, right password) while another address floods wrong passwords")
        print("(role config with its default limits: general 20r/s, burst 40):\n")
        print("| htpasswd hash | flood | legit 200 | p50 | p95 | max | worker CPU | flood answers |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
        for name, line in lines.items():
            install(container, rendered(None), line)
            for mode, label in (("none", "none"), ("paced", "40 req/s (2x the limit)"), ("wrk", "wrk, 1 connection")):
                got = run(container, mode, args.seconds)
                print(
                    f"| {name} | {label} | {got['legit_ok']}/{got['legit']} | {got['p50_ms']:.1f} ms | "
                    f"{got['p95_ms']:.1f} ms | {got['max_ms']:.1f} ms | {got['worker_cpu_share'] * 100:.0f} % | "
                    f"{got['flood']} |"
                )
    finally:
        podman("rm", "-f", "-t", "0", container, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
