# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The recursive upload watcher with the real kernel inotify: what starts a scan and what does not."""

from __future__ import annotations

import os
import sys
import threading
import time
from types import SimpleNamespace

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import watch

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


@pytest.fixture
def watching(tmp_path):
    """A Watcher over root running in a thread: root, outside, scans (its triggers), watcher, said."""
    root, outside = tmp_path / "uploads", tmp_path / "outside"
    (root / "alice" / "old").mkdir(parents=True)
    outside.mkdir()
    (root / "link").symlink_to(outside)
    scans, said, stop = [], [], threading.Event()
    watcher = watch.Watcher([str(root)], lambda: scans.append(time.monotonic()), quiet=0.2, say=said.append)
    thread = threading.Thread(target=watcher.run, kwargs={"stop": stop.is_set}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not said and time.monotonic() < deadline:
        time.sleep(0.01)
    yield SimpleNamespace(root=root, outside=outside, scans=scans, watcher=watcher, said=said)
    stop.set()
    thread.join(5)
    watcher.inotify.close()


def wait_for(scans, count, seconds=5.0):
    deadline = time.monotonic() + seconds
    while len(scans) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(scans)


def test_a_file_in_an_existing_subdirectory_starts_a_scan(watching):
    root, scans, said = watching.root, watching.scans, watching.said
    assert said == ["watch: 3 directories under 1 upload roots"]  # uploads, alice, old: not the link
    (root / "alice" / "old" / "x.png").write_bytes(b"MZ\x90\x00")
    assert wait_for(scans, 1) == 1


def test_a_new_directory_tree_is_followed_and_its_files_count(watching):
    root, scans, watcher = watching.root, watching.scans, watching.watcher
    deep = root / "bob" / "a" / "b"
    deep.mkdir(parents=True)
    assert wait_for(scans, 1) == 1
    (deep / "later.bin").write_bytes(b"\x7fELF")
    assert wait_for(scans, 2) == 2
    assert str(deep) in watcher.paths.values()


def test_a_burst_of_writes_is_one_scan(watching):
    root, scans = watching.root, watching.scans
    for index in range(20):
        (root / "alice" / f"f{index}.txt").write_text("x")
    assert wait_for(scans, 1) == 1
    time.sleep(0.5)
    assert len(scans) == 1


def test_links_are_not_followed(watching):
    outside, scans, watcher = watching.outside, watching.scans, watching.watcher
    (outside / "elsewhere.txt").write_text("x")
    time.sleep(0.6)
    assert scans == []
    assert str(outside) not in watcher.paths.values()


class FullInotify:
    """An inotify whose watch table is full after N watches."""

    def __init__(self, room):
        self.room, self.fd = room, None

    def add_watch(self, path, mask=watch.MASK):
        if self.room == 0:
            raise OSError(28, os.strerror(28), path)  # ENOSPC
        self.room -= 1
        return self.room + 1


def test_the_watch_limit_is_said_once_and_left_to_the_backstop(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    said = []
    watcher = watch.Watcher([str(tmp_path)], lambda: None, say=said.append, inotify=FullInotify(2))
    watcher.start()
    assert len(watcher.paths) == 2
    assert len([line for line in said if "max_user_watches" in line]) == 1


def test_queue_overflow_means_a_scan(tmp_path):
    watcher = watch.Watcher([str(tmp_path)], lambda: None, say=lambda _: None, inotify=FullInotify(9))
    assert watcher.handle([(-1, watch.IN_Q_OVERFLOW, "")]) is True
    assert watcher.handle([(12345, watch.IN_CLOSE_WRITE, "x")]) is False  # a watch that is gone


class RefusingInotify(FullInotify):
    """An inotify that refuses every watch with EACCES."""

    def add_watch(self, path, mask=watch.MASK):
        raise OSError(13, os.strerror(13), path)


def test_a_refused_watch_is_said_not_swallowed(tmp_path):
    (tmp_path / "a").mkdir()
    said = []
    watcher = watch.Watcher([str(tmp_path)], lambda: None, say=said.append, inotify=RefusingInotify(0))
    watcher.start()
    assert said[0] == f"watch: cannot watch {tmp_path}: Permission denied; it is left to the backstop timer"
    assert said[1] == "watch: 0 directories under 1 upload roots"
