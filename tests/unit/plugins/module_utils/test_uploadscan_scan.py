# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Walking the tree, quarantine and release (walk, scan, quarantine)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time

import pytest
from uploadscan_samples import (
    EVERYTHING,
    HEADERS,
    quarantine_policy,
)

from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import kinds as us_kinds
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import quarantine as us_quarantine
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import scan as us_scan
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import verdict as us_verdict
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import walk as us_walk

# ---------------------------------------------------------------------------
# Walking the tree, quarantine and release.


# The ``tree`` fixture (a small upload tree) is in conftest.py.


def test_scan_reports_without_changing(tree):
    counts, results = us_scan.scan([str(tree / "uploads")], us_verdict.Policy())
    assert counts["scanned"] == 4 and counts["flagged"] == 1 and counts[us_kinds.EXECUTABLE] == 1
    assert [r["path"] for r in results] == [str(tree / "uploads" / "avatar.php.mp4")]
    assert results[0]["action"] == "none" and results[0]["type"] == "php"
    assert (tree / "uploads" / "avatar.php.mp4").exists()
    _counts, everything = us_scan.scan([str(tree / "uploads")], us_verdict.Policy(), list_allowed=True)
    assert len(everything) == 4


def test_quarantine_check_mode_then_apply_then_release(tree):
    policy = quarantine_policy(tree)
    shell = tree / "uploads" / "avatar.php.mp4"
    os.chmod(shell, 0o755)
    counts, results = us_scan.scan([str(tree / "uploads")], policy, apply=False)
    assert counts["quarantined"] == 1 and results[0]["action"] == "would quarantine"
    assert shell.exists() and not (tree / "quarantine").exists()

    counts, results = us_scan.scan([str(tree / "uploads")], policy, now=1767225600)
    assert counts["quarantined"] == 1
    result = results[0]
    qid = result["quarantine_id"]
    assert qid.startswith("20260101T000000Z-") and not shell.exists()
    qdir = tree / "quarantine"
    assert stat.S_IMODE(qdir.stat().st_mode) == 0o700
    data = qdir / f"{qid}.data"
    assert data.read_bytes() == b"<?php system($_GET['c']); ?>"
    assert stat.S_IMODE(data.stat().st_mode) == 0o400
    record = json.loads((qdir / f"{qid}.json").read_text())
    assert record["original_path"] == str(shell) and record["detected_type"] == "php"
    assert record["verdict"] == us_kinds.EXECUTABLE and record["reason"] == result["reason"]
    assert record["sha256"] == result["sha256"] and len(record["sha256"]) == 64
    assert record["quarantined_at"] == "2026-01-01T00:00:00+00:00" and record["mode"] == "0755"
    assert [r["id"] for r in us_quarantine.list_quarantine(str(qdir))] == [qid]

    # Converged: nothing left to do, in check mode too.
    assert us_scan.scan([str(tree / "uploads")], policy)[0]["quarantined"] == 0
    assert us_scan.scan([str(tree / "uploads")], policy, apply=False)[0]["quarantined"] == 0

    record = us_quarantine.release(str(qdir), qid)
    assert shell.read_bytes() == b"<?php system($_GET['c']); ?>"
    assert stat.S_IMODE(shell.stat().st_mode) == 0o644  # back, without its exec bits
    assert record["released_at"]
    assert not (qdir / f"{qid}.json").exists() and (qdir / f"{qid}.released.json").exists()
    assert us_quarantine.list_quarantine(str(qdir)) == []
    assert us_quarantine.release(str(qdir), qid) is None  # idempotent
    # A released file stays where it is: a person decided so.
    counts, results = us_scan.scan([str(tree / "uploads")], policy)
    assert counts["quarantined"] == 0 and results[0]["action"] == "kept: released from quarantine before"
    assert shell.exists()
    # Changed content is judged again.
    shell.write_bytes(b"<?php phpinfo(); ?>")
    assert us_scan.scan([str(tree / "uploads")], policy)[0]["quarantined"] == 1


def test_release_refuses_to_overwrite(tree):
    policy = quarantine_policy(tree)
    _counts, results = us_scan.scan([str(tree / "uploads")], policy)
    qid = results[0]["quarantine_id"]
    (tree / "uploads" / "avatar.php.mp4").write_bytes(b"new")
    with pytest.raises(us_kinds.UploadScanError, match="exists again"):
        us_quarantine.release(str(tree / "quarantine"), qid)
    with pytest.raises(us_kinds.UploadScanError, match="no file with id"):
        us_quarantine.release(str(tree / "quarantine"), "20260101T000000Z-000000000000-000000")
    with pytest.raises(us_kinds.UploadScanError, match="not a quarantine id"):
        us_quarantine.release(str(tree / "quarantine"), "../../etc/passwd")


def test_quarantine_dir_must_be_private(tree):
    (tree / "quarantine").mkdir(mode=0o755)
    os.chmod(tree / "quarantine", 0o755)
    with pytest.raises(us_kinds.UploadScanError, match="mode 0700"):
        us_scan.scan([str(tree / "uploads")], quarantine_policy(tree))


def test_quarantine_inside_the_tree_is_not_scanned(tree):
    policy = us_verdict.Policy(action=us_kinds.QUARANTINE, quarantine_dir=str(tree / "uploads" / ".quarantine"))
    assert us_scan.scan([str(tree / "uploads")], policy)[0]["quarantined"] == 1
    counts, _results = us_scan.scan([str(tree / "uploads")], policy)
    assert counts["scanned"] == 3 and counts["flagged"] == 0


def test_links_and_special_files_are_never_followed_or_moved(tree):
    up = tree / "uploads"
    secret = tree / "secret.sh"
    secret.write_bytes(b"#!/bin/sh\necho secret\n")
    os.symlink(secret, up / "innocent.mp4")
    os.symlink(tree, up / "escape")
    os.mkfifo(up / "pipe.wav")
    counts, results = us_scan.scan([str(up)], quarantine_policy(tree))
    by_name = {os.path.basename(r["path"]): r for r in results}
    assert by_name["innocent.mp4"]["verdict"] == us_kinds.NOT_REGULAR
    assert "symbolic link" in by_name["innocent.mp4"]["reason"]
    assert by_name["escape"]["verdict"] == us_kinds.NOT_REGULAR
    assert "FIFO" in by_name["pipe.wav"]["reason"]
    assert counts["quarantined"] == 1  # the PHP file only
    assert secret.exists() and os.path.islink(up / "innocent.mp4") and os.path.exists(up / "pipe.wav")


@pytest.fixture
def mount_here():
    """``mount ARGS... POINT`` for the test, undone after it; skips where mounting is not possible (needs root)."""
    points = []

    def mount(*args):
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting needs root")
        done = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount here: {done.stderr.strip()}")
        points.append(args[-1])

    yield mount
    for point in reversed(points):
        subprocess.run(["umount", str(point)], check=False)


@pytest.fixture
def mounted(tree, mount_here):
    """A tmpfs mounted inside the upload tree, holding one web shell."""
    point = tree / "uploads" / "mnt"
    point.mkdir()
    mount_here("-t", "tmpfs", "-o", "size=1m", "aiguard-test", point)
    (point / "shell.php.mp4").write_bytes(b"<?php system($_GET['c']); ?>")
    return point


@pytest.mark.parametrize("one_filesystem", [True, False])
def test_mount_points_inside_the_tree(mounted, one_filesystem):
    # A mount point's listed inode is that of the directory under the mount,
    # so it must be told apart by its device, not reported as replaced.
    counts, results = us_scan.scan([str(mounted.parent)], us_verdict.Policy(one_filesystem=one_filesystem))
    by_path = {r["path"]: r for r in results}
    if one_filesystem:
        assert by_path[str(mounted)]["verdict"] == us_kinds.NOT_REGULAR
        assert "another filesystem" in by_path[str(mounted)]["reason"]
        assert counts["scanned"] == 5 and counts[us_kinds.CHANGED] == 0
    else:
        assert by_path[str(mounted / "shell.php.mp4")]["verdict"] == us_kinds.EXECUTABLE
        assert counts["scanned"] == 5 and counts[us_kinds.CHANGED] == 0 and counts["flagged"] == 2


def test_bind_mount_of_the_same_filesystem_is_walked(tree, mount_here):
    # The listing shows the inode of the directory under the mount, the
    # opened directory the inode of the mounted one, on the same device: it
    # used to be reported as replaced and never walked, so a web shell in
    # it stayed unseen scan after scan.
    outside = tree / "elsewhere"
    outside.mkdir()
    (outside / "shell.php.mp4").write_bytes(b"<?php system($_GET['c']); ?>")
    point = tree / "uploads" / "shared"
    point.mkdir()
    mount_here("--bind", outside, point)
    counts, results = us_scan.scan([str(tree / "uploads")], us_verdict.Policy())
    by_path = {r["path"]: r for r in results}
    assert by_path[str(point / "shell.php.mp4")]["verdict"] == us_kinds.EXECUTABLE
    assert counts["scanned"] == 5 and counts[us_kinds.CHANGED] == 0 and counts["flagged"] == 2


def test_bind_mount_of_a_directory_above_is_not_walked_again(tree, mount_here):
    up = tree / "uploads"
    point = up / "loop"
    point.mkdir()
    mount_here("--bind", up, point)
    counts, results = us_scan.scan([str(up)], us_verdict.Policy())
    by_path = {r["path"]: r for r in results}
    assert by_path[str(point)]["verdict"] == us_kinds.NOT_REGULAR
    assert "one above it" in by_path[str(point)]["reason"]
    # Each file once, not once per trip round the loop.
    assert counts["scanned"] == 5 and counts["flagged"] == 2


def test_unreadable_file(tree, monkeypatch):
    path = tree / "uploads" / "locked.mp4"
    path.write_bytes(HEADERS[0][3])
    real_open = os.open

    def refusing_open(name, flags, *args, **kwargs):
        if name == "locked.mp4":
            raise PermissionError(13, "Permission denied")
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(us_walk, "_os_open", refusing_open)
    _counts, results = us_scan.scan([str(tree / "uploads")], us_verdict.Policy())
    assert {r["path"]: r["verdict"] for r in results}[str(path)] == us_kinds.UNREADABLE


def test_files_vanishing_or_changing_during_the_scan(tree, monkeypatch):
    up = tree / "uploads"
    real_read = os.read
    state = {"n": 0}

    def racing_read(fd, size):
        state["n"] += 1
        if state["n"] == 1:
            victim = "clip.mp4" if os.readlink(f"/proc/self/fd/{fd}").endswith("voice.wav") else "voice.wav"
            state["victim"] = str(up / victim)
            (up / victim).unlink()  # vanishes before it is opened
        return real_read(fd, size)

    monkeypatch.setattr(us_walk, "_os_read", racing_read)
    counts, results = us_scan.scan([str(up)], us_verdict.Policy())
    paths = [r["path"] for r in results]
    assert state["victim"] not in paths and counts["scanned"] == 3

    # Truncated between stat and read: left for the next scan.
    (up / "big.mp4").write_bytes(HEADERS[0][3] + b"\0" * 20000)

    def shrinking_read(fd, size):
        data = real_read(fd, size)
        return data[:10] if len(data) == us_kinds.WINDOW else data

    monkeypatch.setattr(us_walk, "_os_read", shrinking_read)
    _counts, results = us_scan.scan([str(up)], us_verdict.Policy())
    assert {r["path"]: r["verdict"] for r in results}[str(up / "big.mp4")] == us_kinds.CHANGED


def test_growing_file_is_not_quarantined_half_read(tree, monkeypatch):
    up = tree / "uploads"
    real = us_quarantine.sha256_fd

    def grow_first(fd):
        with open(up / "avatar.php.mp4", "ab") as handle:
            handle.write(b"more")
        return real(fd)

    monkeypatch.setattr(us_quarantine, "sha256_fd", grow_first)
    counts, results = us_scan.scan([str(up)], quarantine_policy(tree))
    assert counts["quarantined"] == 0 and results[0]["verdict"] == us_kinds.CHANGED
    assert (up / "avatar.php.mp4").exists()


def test_pending_files_wait_for_min_age(tree):
    counts, results = us_scan.scan([str(tree / "uploads")], us_verdict.Policy(min_age=3600))
    assert counts[us_kinds.PENDING] == 4 and counts["flagged"] == 0
    assert "maybe still being written" in results[0]["reason"]


HOUR, YEAR = 3600, 365 * 86400


@pytest.mark.parametrize(
    ("mtime", "scanned_at", "verdict"),
    [
        (-2 * HOUR, 0, us_kinds.EXECUTABLE),
        (0, 0, us_kinds.PENDING),
        # A modification time in the future (touch -d, a clock ahead) says
        # nothing about when the file was written: it is aged from its last
        # change (ctime, which only the kernel sets), so it waits min_age
        # once, never until that future comes.
        (10 * YEAR, 0, us_kinds.PENDING),
        (10 * YEAR, 2 * HOUR, us_kinds.EXECUTABLE),
        (60, 2 * HOUR, us_kinds.EXECUTABLE),
    ],
    ids=["old", "just-written", "future-just-changed", "future-changed-2h-ago", "a-minute-ahead"],
)
def test_min_age_with_modification_times_in_the_future(tree, mtime, scanned_at, verdict):
    now = time.time()
    up = tree / "uploads"
    for path in up.rglob("*"):
        os.utime(path, (now + mtime, now + mtime))
    counts, results = us_scan.scan([str(up)], us_verdict.Policy(min_age=HOUR), now=now + scanned_at, list_allowed=True)
    assert {r["path"]: r["verdict"] for r in results}[str(up / "avatar.php.mp4")] == verdict
    assert counts[us_kinds.PENDING] == (4 if verdict == us_kinds.PENDING else 0)


@pytest.mark.parametrize(
    "policy",
    [
        us_verdict.Policy(),
        EVERYTHING,
        us_verdict.Policy(allowed_types=("png", "text", "unknown", "svg"), max_size=3000),
        us_verdict.Policy(window=64),
        us_verdict.Policy(min_age=3600),
    ],
    ids=["default", "everything", "small", "window64", "min_age"],
)
def test_walk_agrees_with_judge(tmp_path, policy):
    """The walk's quick test for allowed files never changes a verdict: with list_allowed (judge() for every
    file) and without, the counts are the same, and every file judge() does not allow is in both results."""
    up = tmp_path / "uploads"
    names = [
        "a.{ext}",
        "b.{EXT}",
        "c.php.{ext}",
        ".{ext}",
        "..{ext}",
        "noext",
        "d.",
        "e.txt",
        "f.{ext}.bak",
        "g..{ext}",
        "h.tar.{ext}",
    ]
    index = 0
    for ext, _kind, _magic, head in HEADERS:
        for body in (head, head + b"\0" * 5000, head + b" <?php ?>", head[:3], b"", head + b"\n<svg onload=x>"):
            for pattern in names:
                index += 1
                folder = up / f"{index % 7:02x}" / f"{index:05d}"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / pattern.format(ext=ext, EXT=ext.upper())).write_bytes(body)
    quick_counts, quick_results = us_scan.scan([str(up)], policy, apply=False)
    judged_counts, judged_results = us_scan.scan([str(up)], policy, apply=False, list_allowed=True)
    assert quick_counts == judged_counts
    assert quick_results == [r for r in judged_results if r["verdict"] != us_kinds.ALLOWED]
    assert quick_counts["scanned"] == index and quick_counts[us_kinds.ALLOWED] < index
    assert (quick_counts[us_kinds.ALLOWED] > 0) is (not policy.min_age)


def test_reads_only_the_window(tree, monkeypatch):
    big = tree / "uploads" / "big.mp4"
    big.write_bytes(HEADERS[0][3] + b"\0" * 1_000_000)
    sizes = []
    real_read = os.read

    def counting_read(fd, size):
        sizes.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(us_walk, "_os_read", counting_read)
    us_scan.scan([str(tree / "uploads")], us_verdict.Policy(window=4096))
    assert sizes and max(sizes) == 4096 and len(sizes) == 5


def _swap_for_link(path, target):
    shutil.rmtree(path)
    os.symlink(target, path)


def _swap_for_file(path, _target):
    shutil.rmtree(path)
    path.write_bytes(b"not a directory")


@pytest.mark.parametrize(
    ("folder", "swapped", "swap", "message"),
    [
        # The app user replaces a directory of the original path with a
        # link: release must not write through it.
        ("abc123", "abc123", _swap_for_link, r"abc123 is a symbolic link or not a directory"),
        ("abc123/deep", "abc123", _swap_for_link, r"abc123 is a symbolic link or not a directory"),
        ("abc123/deep", "abc123/deep", _swap_for_link, r"deep is a symbolic link or not a directory"),
        ("abc123", "abc123", _swap_for_file, r"abc123 is a symbolic link or not a directory"),
        ("abc123", ".", _swap_for_link, r"cannot open the upload root .*uploads"),
        ("abc123/deep", ".", _swap_for_link, r"cannot open the upload root .*uploads"),
    ],
    ids=["parent-link", "grandparent-link", "deep-parent-link", "parent-file", "root-link", "deep-root-link"],
)
def test_release_never_follows_links_in_the_original_path(tree, folder, swapped, swap, message):
    up = tree / "uploads"
    folder = up / folder
    folder.mkdir(exist_ok=True)
    (folder / "shell.php.png").write_bytes(b"<?php system($_GET['c']); ?>")
    _counts, results = us_scan.scan([str(up)], quarantine_policy(tree))
    qid = {r["path"]: r for r in results}[str(folder / "shell.php.png")]["quarantine_id"]
    # The directory the link points to holds the rest of the original path,
    # so a release that followed it would succeed there.
    outside = tree / "outside"
    rest = folder.relative_to(up / swapped)
    (outside / rest).mkdir(parents=True)
    before = sorted(str(p) for p in outside.rglob("*"))
    swap(up / swapped, outside)
    for attempt in (us_quarantine.plan_release, us_quarantine.release):
        with pytest.raises(us_kinds.UploadScanError, match=f"cannot release {qid}: .*{message}"):
            attempt(str(tree / "quarantine"), qid)
    assert sorted(str(p) for p in outside.rglob("*")) == before
    assert qid in [r["id"] for r in us_quarantine.list_quarantine(str(tree / "quarantine"))]


def test_release_refuses_a_path_outside_the_upload_root(tree):
    _counts, results = us_scan.scan([str(tree / "uploads")], quarantine_policy(tree))
    qid = results[0]["quarantine_id"]
    outside = tree / "outside"
    outside.mkdir()
    record_path = tree / "quarantine" / f"{qid}.json"
    for original in (outside / "x.php", tree / "uploads" / ".." / "outside" / "x.php", tree / "uploads"):
        record = json.loads(record_path.read_text())
        record["original_path"] = str(original)
        record_path.write_text(json.dumps(record))
        with pytest.raises(us_kinds.UploadScanError, match="is not under the upload root"):
            us_quarantine.release(str(tree / "quarantine"), qid)
    assert list(outside.iterdir()) == []
