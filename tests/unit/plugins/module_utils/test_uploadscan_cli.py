# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host-side command and retention (cli, retention)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import time

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import cli as us_cli
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import kinds as us_kinds
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import retention as us_retention


def test_cli_scan_list_release_expire(tree, capsys):
    config = tree / "upload-scan.json"
    config.write_text(
        json.dumps(
            {
                "directories": [
                    dict(
                        path=str(tree / "uploads"),
                        action="quarantine",
                        quarantine_dir=str(tree / "quarantine"),
                        allowed_types=list(us_kinds.DEFAULT_ALLOWED),
                        max_size="10m",
                        retention_days=7,
                    )
                ]
            }
        )
    )
    out = io.StringIO()
    assert us_cli.cli(["scan", "--config", str(config), "--dry-run", "--settle", "0"], out=out) == 0
    assert "to quarantine" in out.getvalue() and (tree / "uploads" / "avatar.php.mp4").exists()
    out = io.StringIO()
    assert us_cli.cli(["scan", "--config", str(config), "--settle", "0"], out=out) == 0
    assert "executable: " + str(tree / "uploads" / "avatar.php.mp4") in out.getvalue()
    assert not (tree / "uploads" / "avatar.php.mp4").exists()
    out = io.StringIO()
    us_cli.cli(["list", "--quarantine-dir", str(tree / "quarantine")], out=out)
    qid = out.getvalue().split()[0]
    out = io.StringIO()
    assert us_cli.cli(["release", qid, "--quarantine-dir", str(tree / "quarantine")], out=out) == 0
    assert (tree / "uploads" / "avatar.php.mp4").exists()
    old = time.time() - 8 * 86400
    os.utime(tree / "uploads" / "voice.wav", (old, old))
    out = io.StringIO()
    assert us_cli.cli(["expire", "--config", str(config)], out=out) == 0
    assert "deleted " + str(tree / "uploads" / "voice.wav") in out.getvalue()
    assert not (tree / "uploads" / "voice.wav").exists()
    assert us_cli.cli(["release", "nope", "--quarantine-dir", str(tree / "quarantine")], out=io.StringIO()) == 2
    assert "not a quarantine id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (dict(path="/srv/up", retention_days=7, max_size="200m"), None),
        (dict(path="relative"), "absolute path"),
        (dict(path="/srv/up", retention_days=0), "at least 1"),
        (dict(path="/srv/up", max_size="big"), "not a size nginx understands"),
        (dict(path="/srv/up", action="quarantine"), "needs a quarantine directory"),
        (dict(path="/srv/up", allowed_types=["elf"]), "cannot be allowed"),
    ],
)
def test_cli_check_config(tmp_path, capsys, entry, message):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"directories": [entry]}))
    out = io.StringIO()
    rc = us_cli.cli(["check-config", str(config)], out=out)
    if message is None:
        assert rc == 0 and "1 directories, valid" in out.getvalue()
    else:
        assert rc == 2 and message in capsys.readouterr().err


# ---------------------------------------------------------------------------
# Retention.


def _age(path, days, now):
    os.utime(path, (now - days * 86400, now - days * 86400))


def test_expire_by_age_and_cap(tmp_path):
    now = time.time()
    root = tmp_path / "outputs"
    (root / "job1").mkdir(parents=True)
    (root / "job2").mkdir()
    files = {"job1/old.wav": (10, 100), "job1/newer.wav": (3, 100), "job2/new.wav": (1, 100), "top.mp4": (2, 100)}
    for rel, (days, size) in files.items():
        (root / rel).write_bytes(b"x" * size)
        _age(root / rel, days, now)
    _age(root / "job1", 10, now)
    logged = []
    deleted, kept = us_retention.expire(str(root), 7, dry_run=True, now=now, log=logged.append)
    assert [d[0] for d in deleted] == [str(root / "job1/old.wav")] and (root / "job1/old.wav").exists()
    assert logged[0].startswith(f"would delete {root}/job1/old.wav (100 bytes")
    deleted, kept = us_retention.expire(str(root), 7, max_bytes=250, now=now, log=logged.append)
    # Age first, then the oldest until 250 bytes remain.
    assert [os.path.basename(d[0]) for d in deleted] == ["old.wav", "newer.wav"]
    assert [d[3] for d in deleted] == ["older than 7 days", "directory over its cap of 250 bytes"]
    assert kept == 200 and sorted(p.name for p in root.rglob("*") if p.is_file()) == ["new.wav", "top.mp4"]
    assert not (root / "job1").exists()  # emptied by retention: removed
    assert root.exists()


DAY = 86400


@pytest.mark.parametrize(
    ("files", "days", "cap", "expired_at", "deleted"),
    [
        # A modification time in the future is aged from the file's last
        # change (ctime), so it expires like the others instead of never.
        ({"future.wav": 3650 * DAY}, 7, None, 8 * DAY, ["future.wav"]),
        ({"future.wav": 3650 * DAY}, 7, None, 0, []),
        ({"future.wav": 3650 * DAY, "dir/future.wav": 3650 * DAY}, 7, None, 8 * DAY, ["dir/future.wav", "future.wav"]),
        # Under a size cap it is not kept as the newest file forever: here it
        # last changed before b.wav's (past) modification time.
        ({"future.wav": 3650 * DAY, "b.wav": DAY}, 7, 100, 2 * DAY, ["future.wav"]),
    ],
    ids=["by-age", "not-yet", "in-a-subdirectory", "by-cap"],
)
def test_expire_with_modification_times_in_the_future(tmp_path, files, days, cap, expired_at, deleted):
    now = time.time()
    root = tmp_path / "outputs"
    root.mkdir()
    for rel, mtime in files.items():
        (root / rel).parent.mkdir(exist_ok=True)
        (root / rel).write_bytes(b"x" * 100)
        os.utime(root / rel, (now + mtime, now + mtime))
    gone, _kept = us_retention.expire(str(root), days, max_bytes=cap, now=now + expired_at)
    assert sorted(os.path.relpath(d[0], root) for d in gone) == deleted
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == sorted(set(files) - set(deleted))


def test_expire_never_follows_links(tmp_path):
    now = time.time()
    root = tmp_path / "up"
    root.mkdir()
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    _age(outside / "keep.txt", 30, now)
    os.symlink(outside, root / "link")
    os.symlink(outside / "keep.txt", root / "filelink")
    us_retention.expire(str(root), 7, now=now + 30 * 86400)
    assert (outside / "keep.txt").exists()


@pytest.mark.parametrize("days", [0, -1, None])
def test_expire_refuses_zero_days(tmp_path, days):
    with pytest.raises(us_kinds.UploadScanError, match="at least 1 day"):
        us_retention.expire(str(tmp_path), days)


def test_runs_as_a_standalone_command(tree):
    """The host-side command is this very package, run by a bare Python with only the standard library."""
    import sys

    package = os.path.dirname(us_cli.__file__)
    script = (
        f"import sys; sys.path.insert(0, {os.path.dirname(package)!r}); from uploadscan.cli import cli; sys.exit(cli())"
    )
    found = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, "scan", "--settle", "0", str(tree / "uploads")],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    assert f"executable: {tree}/uploads/avatar.php.mp4: content is PHP code" in found.stdout
    assert "scanned" in found.stdout and found.stderr == ""


# ---------------------------------------------------------------------------
# File names in the output: one line per line, whatever the name holds.

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("evil\nexecutable: forged.php.mp4", r"evil\nexecutable: forged.php.mp4"),
        ("cr\rallowed: ok.php.mp4", r"cr\rallowed: ok.php.mp4"),
        ("esc\x1b[2J\x1b]0;owned\x07.php.mp4", r"esc\x1b[2J\x1b]0;owned\x07.php.mp4"),
        ("tab\tnul\x7fdel\x9bcsi.php.mp4", r"tab\tnul\x7fdel\x9bcsi.php.mp4"),
        ("not-utf8-\udcff.php.mp4", r"not-utf8-\xff.php.mp4"),
        ("back\\nslash.php.mp4", r"back\\nslash.php.mp4"),
        ("line\u2028sep\u202eevil.php.mp4", r"line\u2028sep\u202eevil.php.mp4"),
    ],
    ids=["newline", "carriage-return", "escape", "c0-del-c1", "undecodable", "backslash", "unicode"],
)
def test_file_names_are_escaped_in_every_line(tmp_path, capsys, name, shown):
    up = tmp_path / "uploads"
    up.mkdir()
    (up / name).write_bytes(b"<?php system($_GET['c']); ?>")
    os.symlink(f"/etc/{name}", up / f"link-{name}")
    qdir = str(tmp_path / "quarantine")
    lines = []

    def run(*argv):
        out = io.StringIO()
        rc = us_cli.cli(list(argv), out=out)
        lines.extend(out.getvalue().split("\n")[:-1])
        lines.extend(capsys.readouterr().err.split("\n")[:-1])
        return rc, out.getvalue()

    rc, out = run("scan", "--action", "quarantine", "--quarantine-dir", qdir, "--settle", "0", str(up))
    assert rc == 0
    assert f"executable: {up}/{shown}: " in out and f"a symbolic link to /etc/{shown}; never followed" in out
    assert len(out.splitlines()) == 3  # the file, the link, the summary
    rc, out = run("list", "--quarantine-dir", qdir)
    assert f"  {up}/{shown}  " in out and len(out.splitlines()) == 1
    qid = out.split()[0]
    (up / name).write_bytes(b"back again")
    assert run("release", qid, "--quarantine-dir", qdir)[0] == 2
    assert f"aiguard-upload-scan: cannot release {qid}: {up}/{shown} exists again" in lines[-1]
    (up / name).unlink()
    rc, out = run("release", qid, "--quarantine-dir", qdir)
    assert rc == 0 and out == f"released {qid} to {up}/{shown}\n"
    old = time.time() - 8 * 86400
    os.utime(up / name, (old, old))
    rc, out = run("expire", "--days", "7", str(up))
    assert rc == 0 and out.startswith(f"deleted {up}/{shown} (")
    assert len(out.splitlines()) == 2
    for line in lines:
        assert not _CONTROL.search(line), line
