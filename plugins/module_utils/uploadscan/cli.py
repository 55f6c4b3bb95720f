# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host-side command aiguard-upload-scan (scan, release, list, expire, check-config, watch)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from .kinds import (
    ACTIONS,
    ALLOWED,
    CHANGED,
    DEFAULT_ALLOWED,
    PENDING,
    REPORT,
    WINDOW,
    UploadScanError,
    parse_size,
    printable,
)
from .quarantine import list_quarantine, release
from .retention import expire
from .scan import scan
from .verdict import Policy
from .watch import Watcher

# ---------------------------------------------------------------------------
# The host-side command (installed by the upload_guard role as
# aiguard-upload-scan and run by systemd).


DESCRIPTION = "Check uploaded files by their content, quarantine the bad ones, expire old ones."


def load_config(path):
    """The JSON written by the upload_guard role: {"directories": [{path, quarantine_dir, action, ...}]}."""
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as exc:
        raise UploadScanError(f"cannot read the configuration {path}: {exc}") from None
    return config.get("directories", [])


def policy_from(entry):
    """The Policy of one directory entry of the configuration; raises UploadScanError for bad values."""
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"].startswith("/"):
        raise UploadScanError(f"every directory needs an absolute path: {entry!r}")
    return Policy(
        allowed_types=entry.get("allowed_types", DEFAULT_ALLOWED),
        max_size=parse_size(entry.get("max_size")),
        window=int(entry.get("window", WINDOW)),
        action=entry.get("action", REPORT),
        quarantine_dir=entry.get("quarantine_dir"),
        min_age=int(entry.get("min_age", 0)),
        one_filesystem=bool(entry.get("one_filesystem", True)),
        exclude=entry.get("exclude", ()),
    )


def _say(out, line):
    """Write one line of output: file names are the uploader's, so the line is escaped whole (kinds.printable)."""
    out.write(printable(line) + "\n")


def _log_result(result, out):
    extra = f" -> {result['quarantine_path']}" if result.get("quarantine_id") else ""
    _say(out, f"{result['verdict']}: {result['path']}: {result['reason']}; action: {result['action']}{extra}")


def _cli_scan(args, out):
    entries = load_config(args.config) if args.config else []
    if args.paths:
        entries = [
            dict(
                path=p,
                action=args.action,
                quarantine_dir=args.quarantine_dir,
                max_size=args.max_size,
                allowed_types=args.allowed_types.split(",") if args.allowed_types else DEFAULT_ALLOWED,
            )
            for p in args.paths
        ]
    if not entries:
        raise UploadScanError("nothing to scan: give directories or --config FILE")
    flagged = 0
    for attempt in range(args.settle_rounds + 1):
        pending = False
        for entry in entries:
            policy = policy_from(entry)
            if args.min_age is not None:
                policy.min_age = args.min_age
            counts, results = scan([entry["path"]], policy, apply=not args.dry_run)
            for result in results:
                if result.flagged or result["verdict"] != ALLOWED:
                    _log_result(result, out)
            flagged += counts["flagged"]
            # Files still being written, or a directory that just changed
            # (an upload in a new subdirectory, which systemd does not watch).
            recent = time.time() - counts["newest_mtime"] < args.settle
            pending = pending or counts[PENDING] or counts[CHANGED] or recent
            _say(
                out,
                f"scanned {entry['path']}: {counts['scanned']} entries, {counts['flagged']} flagged,"
                f" {counts['quarantined']} {'to quarantine' if args.dry_run else 'quarantined'},"
                f" {counts[PENDING]} pending",
            )
        if not pending or attempt == args.settle_rounds:
            break
        # Files still being written: look again once they have settled.
        time.sleep(args.settle)
    out.flush()
    return 0


def _cli_release(args, out):
    for qid in args.ids:
        record = release(args.quarantine_dir, qid)
        if record is None:
            _say(out, f"{qid}: already released")
        else:
            _say(out, f"released {qid} to {record['original_path']}")
    return 0


def _cli_check_config(args, out):
    entries = load_config(args.config)
    for entry in entries:
        policy_from(entry)
        days = entry.get("retention_days")
        if days is not None and (not isinstance(days, int) or days < 1):
            raise UploadScanError(f"{entry['path']}: retention_days must be a whole number of days, at least 1")
        parse_size(entry.get("retention_max_size"))
    _say(out, f"{args.config}: {len(entries)} directories, valid")
    return 0


def _cli_list(args, out):
    for record in list_quarantine(args.quarantine_dir):
        _say(out, f"{record['id']}  {record['verdict']}  {record['original_path']}  {record['reason']}")
    return 0


def _cli_expire(args, out):
    entries = load_config(args.config) if args.config else [dict(path=p) for p in args.paths]
    for entry in entries:
        days = args.days if args.days is not None else entry.get("retention_days")
        cap = parse_size(args.max_bytes if args.max_bytes is not None else entry.get("retention_max_size"))
        dry = args.dry_run or bool(entry.get("retention_dry_run", False))
        deleted, kept = expire(entry["path"], days, cap, dry_run=dry, log=lambda line: _say(out, line))
        _say(
            out,
            f"retention {entry['path']}: {len(deleted)} file(s) {'to delete' if dry else 'deleted'}, {kept} bytes kept",
        )
    out.flush()
    return 0


def _cli_watch(args, out):
    roots = [entry["path"] for entry in load_config(args.config)]
    if not roots:
        raise UploadScanError(f"{args.config}: no directories to watch")

    def trigger():
        began = time.monotonic()
        done = subprocess.run(["systemctl", "start", args.unit], capture_output=True, text=True, check=False)
        note = f"; {done.stderr.strip()}" if done.returncode else ""
        _say(out, f"watch: started {args.unit} ({time.monotonic() - began:.1f} s, exit {done.returncode}{note})")
        out.flush()

    watcher = Watcher(roots, trigger, quiet=args.quiet, say=lambda line: (_say(out, line), out.flush()))
    watcher.run()
    return 0


def cli(argv=None, out=None):
    """``aiguard-upload-scan scan|release|list|expire``; returns the exit code."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="aiguard-upload-scan", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    p_scan = sub.add_parser("scan", help="check files by content; quarantine the flagged ones if configured")
    p_scan.add_argument("paths", nargs="*")
    p_scan.add_argument("--config")
    p_scan.add_argument("--action", choices=ACTIONS, default=REPORT)
    p_scan.add_argument("--quarantine-dir")
    p_scan.add_argument("--max-size")
    p_scan.add_argument("--allowed-types")
    p_scan.add_argument("--min-age", type=int)
    p_scan.add_argument(
        "--settle", type=float, default=2.0, help="seconds to wait before looking again at files still being written"
    )
    p_scan.add_argument("--settle-rounds", type=int, default=3)
    p_scan.add_argument("--dry-run", action="store_true", help="report what would be quarantined; change nothing")
    p_rel = sub.add_parser("release", help="put quarantined files back where they were")
    p_rel.add_argument("ids", nargs="+")
    p_rel.add_argument("--quarantine-dir", required=True)
    p_list = sub.add_parser("list", help="list the files in quarantine")
    p_list.add_argument("--quarantine-dir", required=True)
    p_chk = sub.add_parser("check-config", help="check a configuration file and exit")
    p_chk.add_argument("config")
    p_exp = sub.add_parser("expire", help="delete old files (retention)")
    p_exp.add_argument("paths", nargs="*")
    p_exp.add_argument("--config")
    p_exp.add_argument("--days", type=int)
    p_exp.add_argument("--max-bytes")
    p_exp.add_argument("--dry-run", action="store_true")
    p_watch = sub.add_parser("watch", help="watch the upload directories recursively; start a scan on changes")
    p_watch.add_argument("--config", required=True)
    p_watch.add_argument("--unit", default="aiguard-upload-scan.service", help="the systemd unit a change starts")
    p_watch.add_argument("--quiet", type=float, default=1.0, help="seconds without events before the scan starts")
    args = parser.parse_args(argv)
    try:
        commands = {
            "scan": _cli_scan,
            "release": _cli_release,
            "list": _cli_list,
            "expire": _cli_expire,
            "check-config": _cli_check_config,
            "watch": _cli_watch,
        }
        return commands[args.command](args, out)
    except UploadScanError as exc:
        _say(sys.stderr, f"aiguard-upload-scan: {exc}")
        return 2
