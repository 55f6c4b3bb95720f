# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lines lost and stored twice by log_shipping across a collector outage with
a restart and a crash of the client's rsyslog.

On the lab fleet after `make demo` (a client, aiguard-lab-app1, ships to the
collector, aiguard-lab-logs, over RELP with mutual TLS), it writes --lines
numbered lines to a file the client ships (/var/log/aiguard-lab*.log, the
lab's `lab` source), evenly over --outage + 2 * --margin seconds:

- at --margin seconds the collector's rsyslog stops (`systemctl stop
  rsyslog.service syslog.socket`), and starts again --outage seconds later;
- inside the outage the client's rsyslog is restarted once (`systemctl
  restart rsyslog`, at a third of it) and killed once (`kill -9` of
  rsyslogd, at two thirds; systemd starts it again).

Then it waits for the lines to arrive (until all have, or nothing new has
come for --settle seconds) and counts, by number, the lines the collector
stored (HOST/lab.log): lost (never stored), stored twice or more, and the
duplicates the collector recognised and dropped (HOST/_duplicates.log). The
target is printed, not asserted: 0 lost, 0 stored twice. Exit status 1 when
it is missed, 2 when the lab is not there.

The hosts are the lab's Podman containers, reached with `podman exec`.

Usage: .venv/bin/python benchmarks/log_shipping_outage.py [--lines 10000] [--outage 60] [--margin 5]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENT = "aiguard-lab-app1"
COLLECTOR = "aiguard-lab-logs"
STORE = "/var/log/aiguard-collector"
LOG = "/var/log/aiguard-lab-outage-bench.log"
SOURCE = "lab"

WRITER = r"""
import os, sys, time
path, marker, count, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
os.makedirs(os.path.dirname(path), exist_ok=True)
start = time.monotonic()
with open(path, "a", encoding="utf-8") as log:
    for n in range(1, count + 1):
        due = start + seconds * (n - 1) / count
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        log.write(f"{marker} line {n:06d} of {count} 输出 task=outage-bench key=value-{n}\n")
        log.flush()
"""


def podman(*args, check=True, **kwargs):
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(ROOT / ".config" / "containers.conf"))
    return subprocess.run(["podman", *args], check=check, text=True, capture_output=True, env=env, **kwargs)


def on(host, command, check=True):
    return podman("exec", host, "sh", "-c", command, check=check)


def stored_numbers(marker, host=CLIENT):
    """Counter of the line numbers of run MARKER the collector stored."""
    out = on(COLLECTOR, f"cat {STORE}/{host}/{SOURCE}.log 2>/dev/null", check=False).stdout
    numbers = collections.Counter()
    for line in out.splitlines():
        try:
            msg = json.loads(line)["msg"]
        except (ValueError, KeyError):
            continue
        if msg.startswith(marker + " line "):
            numbers[int(msg.split()[2])] += 1
    return numbers


def dropped_duplicates(host=CLIENT):
    out = on(COLLECTOR, f"cat {STORE}/{host}/_duplicates.log 2>/dev/null", check=False).stdout
    return sum(1 for line in out.splitlines() if line.strip())


def log(start, text):
    print(f"  t={time.monotonic() - start:6.1f}s  {text}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the collector is down")
    parser.add_argument("--margin", type=float, default=5.0, help="seconds of writing before and after the outage")
    parser.add_argument("--settle", type=float, default=60.0, help="give up when nothing new arrives for this long")
    args = parser.parse_args()

    for host in (CLIENT, COLLECTOR):
        if podman("container", "exists", host, check=False).returncode != 0:
            print(f"SKIP: lab host {host} is not there; run `make demo` first")
            return 2
    if on(CLIENT, "grep -qF /var/log/aiguard-lab /etc/rsyslog.d/60-aiguard-log-shipping.conf", check=False).returncode:
        print(f"SKIP: {CLIENT} does not ship /var/log/aiguard-lab*.log; run `make demo` with this checkout first")
        return 2

    marker = "bench-" + uuid.uuid4().hex[:12]
    duplicates_before = dropped_duplicates()
    seconds = args.outage + 2 * args.margin
    print(f"{args.lines} lines over {seconds:.0f} s on {CLIENT}, collector {COLLECTOR} down for {args.outage:.0f} s")
    start = time.monotonic()
    writer = subprocess.Popen(
        ["podman", "exec", CLIENT, "python3", "-c", WRITER, LOG, marker, str(args.lines), str(seconds)],
        env={
            **os.environ,
            "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", str(ROOT / ".config" / "containers.conf")),
        },
    )
    events = [
        (args.margin, "collector: stop rsyslog", COLLECTOR, "systemctl stop syslog.socket rsyslog.service"),
        (args.margin + args.outage / 3, "client: systemctl restart rsyslog", CLIENT, "systemctl restart rsyslog"),
        (args.margin + 2 * args.outage / 3, "client: kill -9 rsyslogd", CLIENT, "kill -9 $(pidof rsyslogd)"),
        (args.margin + args.outage, "collector: start rsyslog", COLLECTOR, "systemctl start rsyslog.service"),
    ]
    for due, what, host, command in events:
        time.sleep(max(0.0, start + due - time.monotonic()))
        result = on(host, command, check=False)
        log(start, what + ("" if result.returncode == 0 else f" (exit {result.returncode}: {result.stderr.strip()})"))
    writer.wait()
    log(start, f"writer done ({args.lines} lines)")
    restarted = on(CLIENT, "systemctl show -p NRestarts --value rsyslog", check=False).stdout.strip()

    back = start + args.margin + args.outage
    last_count, last_change = -1, time.monotonic()
    while True:
        numbers = stored_numbers(marker)
        if len(numbers) != last_count:
            last_count, last_change = len(numbers), time.monotonic()
        if len(numbers) >= args.lines or time.monotonic() - last_change > args.settle:
            break
        time.sleep(1)
    complete = time.monotonic()
    log(start, f"collector holds {len(numbers)} distinct lines")

    lost = [n for n in range(1, args.lines + 1) if n not in numbers]
    twice = {n: c for n, c in numbers.items() if c > 1}
    print()
    print(f"lines written:            {args.lines}")
    print(f"lines stored:             {sum(numbers.values())} ({len(numbers)} distinct)")
    print(f"lost:                     {len(lost)}" + (f" (first: {lost[:10]})" if lost else ""))
    print(f"stored twice or more:     {len(twice)}" + (f" (first: {sorted(twice)[:10]})" if twice else ""))
    print(f"resent, dropped as known: {dropped_duplicates() - duplicates_before}")
    print(f"client rsyslog restarts by systemd: {restarted}")
    print(f"all delivered {complete - back:.1f} s after the collector came back" if not lost else "")
    ok = not lost and not twice
    print("result:", "PASS" if ok else "FAIL", "(target: 0 lost, 0 stored twice)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
