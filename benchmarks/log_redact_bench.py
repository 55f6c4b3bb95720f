# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the log redaction step costs and whether it misses anything.

    .venv/bin/python benchmarks/log_redact_bench.py [--lines 10000] [--seed 15] [--rounds 5]

Builds LINES log lines like the ones the log_shipping role ships (nginx JSON
access lines, nginx error lines, a Gradio app's log with Chinese text and
paths, journal lines of the units), seeds 50 secrets of every kind the
default patterns know at random places, and checks that none of them
survives redaction (the role's default settings plus the lab's path prefix).
Then, pinned to one CPU, it times:

- the engine: ``Redactor.redact`` over every line;
- the host program's loop: rsyslog's mmexternal protocol (a JSON message
  object in, a JSON reply out, flushed per line) over the same lines, the
  work rsyslog hands the program per message.

Prints lines per second (median of ROUNDS) of wall time and of CPU time, and
exits non-zero when a secret survives or the engine does fewer than 20,000
lines per CPU second.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins" / "module_utils"))

import logredact  # noqa: E402 - the host-side file itself, as the hosts run it

TARGET = 20_000
PER_KIND = 50


def token(rng, size, alphabet=string.ascii_letters + string.digits):
    return "".join(rng.choice(alphabet) for _index in range(size))


# Each kind: a function making (the text put in the line, the secret that must not survive).
KINDS = {
    "openai_key": lambda r: (k := "sk-proj-" + token(r, 48, string.ascii_letters + string.digits + "_-"), k),
    "openai_legacy_key": lambda r: (k := "sk-" + token(r, 48), k),
    "anthropic_key": lambda r: (k := "sk-ant-api03-" + token(r, 40, string.ascii_letters + string.digits + "-_"), k),
    "huggingface_token": lambda r: (k := "hf_" + token(r, 34), k),
    "midjourney_key": lambda r: (k := "mj-api-" + token(r, 32, "0123456789abcdef"), k),
    "api_key_header": lambda r: ("mj-api-secret: " + (k := token(r, 24)), k),
    "bearer_token": lambda r: ("Authorization: Bearer " + (k := token(r, 20) + "." + token(r, 30)), k),
    "basic_auth": lambda r: ("Authorization: Basic " + (k := token(r, 20) + "=="), k),
    "url_password": lambda r: (f"https://svc:{(k := token(r, 14))}@models.example.org/v1", k),
    "query_secret": lambda r: (
        f"/api/run?{r.choice(['token', 'key', 'api_key', 'password', 'sign', 'secret', 'access_token'])}="
        f"{(k := token(r, 18))}&page=1",
        k,
    ),
    "email": lambda r: ((k := f"{token(r, 8).lower()}@{token(r, 6).lower()}.example.com"), k),
    "path": lambda r: (f"/root/workspace/运行实时日志{token(r, 4)}.log", "/root/workspace"),
}


def filler(rng, n):
    """An ordinary line, secret-free, of one of the sources."""
    kind = n % 4
    if kind == 0:
        return json.dumps(
            {
                "time": "2026-12-03T18:00:00+00:00",
                "site": "studio",
                "remote_addr": f"10.89.0.{rng.randrange(2, 250)}",
                "remote_user": "alice",
                "method": "POST",
                "path": f"/gradio_api/queue/join?page={n}",
                "status": 200,
                "bytes_in": rng.randrange(100, 9000),
                "bytes_out": rng.randrange(100, 90000),
                "request_time": 0.012,
                "upstream_time": "0.010",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/142.0 Safari/537.36",
                "bot_filter": "0",
            }
        )
    if kind == 1:
        return (
            f"2026/12/03 18:00:{n % 60:02d} [error] 812#812: *{n} upstream timed out (110: Connection timed out) "
            'while reading response header from upstream, client: 10.89.0.7, server: studio, request: "GET / HTTP/1.1"'
        )
    if kind == 2:
        return f"INFO 任务 {n} 完成 生成视频 输出/结果_{n}.mp4 用时 {rng.random():.3f}s 状态=成功"
    return f"aiguard-upload-scan[{n}]: scanned 12 files in /srv/aiguard-lab/gradio/uploads, 0 flagged"


def corpus(lines, seed):
    rng = random.Random(seed)
    text = [filler(rng, n) for n in range(lines)]
    secrets = []
    places = rng.sample(range(lines), PER_KIND * len(KINDS))
    for index, place in enumerate(places):
        name = list(KINDS)[index % len(KINDS)]
        shown, secret = KINDS[name](rng)
        text[place] = text[place] + " " + shown
        secrets.append((name, place, secret))
    return text, secrets


def rate(function, count, rounds):
    """(lines per second of wall time, lines per second of CPU time): medians of ROUNDS.

    CPU time is what the step costs a core it has to itself; wall time also
    counts the time other work on the machine took that core away.
    """
    walls, cpus = [], []
    for _round in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return count / statistics.median(walls), count / statistics.median(cpus)


def rsyslog_message(line, number, filename=None, offset=0):
    """What rsyslog's mmexternal hands the program with interface.input="fulljson": every property, and $!."""
    variables = {"aiguard_source": "nginx_access"}
    if filename:
        variables["metadata"] = {"filename": filename, "fileoffset": str(offset)}
    return {
        "msg": line,
        "rawmsg": line,
        "timereported": "2026-12-04T05:00:00.000000+00:00",
        "hostname": "aiguard-lab-app1",
        "syslogtag": "aiguard-nginx_access:",
        "inputname": "imfile",
        "fromhost": "aiguard-lab-app1",
        "fromhost-ip": "127.0.0.1",
        "pri": "133",
        "syslogfacility": "16",
        "syslogseverity": "5",
        "timegenerated": "2026-12-04T05:00:00.000000+00:00",
        "programname": "aiguard-nginx_access",
        "protocol-version": "0",
        "structured-data": "-",
        "app-name": "aiguard-nginx_access",
        "procid": "-",
        "msgid": "-",
        "uuid": None,
        "$!": variables,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    redactor = logredact.build(path_prefixes=["/root/workspace"])
    lines, secrets = corpus(args.lines, args.seed)
    redacted = [redactor.redact(line) for line in lines]
    missed = [(name, place, secret) for name, place, secret in secrets if secret in redacted[place]]
    changed = sum(1 for before, after in zip(lines, redacted, strict=True) if before != after)
    print(f"corpus: {len(lines)} lines, {len(secrets)} seeded secrets ({PER_KIND} of each of {len(KINDS)} kinds)")
    print(f"masked: {len(secrets) - len(missed)} of {len(secrets)}; lines changed: {changed}")
    for name, place, secret in missed:
        print(f"  MISSED {name} in line {place}: {secret!r} -> {redacted[place]!r}")

    engine = rate(lambda: [redactor.redact(line) for line in lines], len(lines), args.rounds)
    stdin_bytes = b"".join(json.dumps(rsyslog_message(line, n)).encode() + b"\n" for n, line in enumerate(lines))

    def protocol():
        logredact.run_mmexternal(redactor, io.BytesIO(stdin_bytes), io.BytesIO())

    external = rate(protocol, len(lines), args.rounds)
    with tempfile.TemporaryDirectory() as scratch:
        log = os.path.join(scratch, "aiguard-access.json")
        with open(log, "wb") as handle:
            handle.write(b"{}\n")
        file_bytes = b"".join(
            json.dumps(rsyslog_message(line, n, log, 100 * n)).encode() + b"\n" for n, line in enumerate(lines)
        )

        def numbered():
            sequencer = logredact.Sequencer(os.path.join(scratch, "seq.json"))
            logredact.run_mmexternal(redactor, io.BytesIO(file_bytes), io.BytesIO(), sequencer=sequencer)

        sequenced = rate(numbered, len(lines), args.rounds)
    clean = [filler(random.Random(1), n) for n in range(len(lines))]
    clean_rate = rate(lambda: [redactor.redact(line) for line in clean], len(clean), args.rounds)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}, one CPU, median of {args.rounds} rounds, load average {load:.1f}:")
    print("                                        lines/s (wall)  lines/s (CPU)")
    for label, (wall, cpu) in (
        ("engine, seeded corpus", engine),
        ("engine, no secrets at all", clean_rate),
        ("mmexternal loop (JSON in and out)", external),
        ("mmexternal loop, file lines numbered", sequenced),
    ):
        print(f"  {label:<37} {wall:>10,.0f} {cpu:>14,.0f}")
    ok = not missed and min(engine[1], sequenced[1]) >= TARGET
    print(
        "result:",
        "PASS" if ok else "FAIL",
        f"(target: 0 missed, engine and the numbered mmexternal loop >= {TARGET:,} lines per CPU second)",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
