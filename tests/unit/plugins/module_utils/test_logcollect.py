# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collector's writer: each line once per (host, seq), across restarts and rotation, and nothing dropped."""

from __future__ import annotations

import io
import json
import os

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import logcollect


def shipped(seq, host="app1", source="heygem", msg="任务 完成", peer="10.89.0.7", prev="auto"):
    """A line as a client ships it; PREV "auto": the number before SEQ's (a counter's)."""
    if prev == "auto":
        prev = str(int(seq.rsplit("-", 1)[1]) - 1)
    record = {"host": host, "source": source, "seq": seq, "prev": prev, "msg": msg}
    record["time"] = "2026-12-03T18:00:00+00:00"
    return json.dumps({"peer": peer, "msg": json.dumps(record, ensure_ascii=False)}).encode() + b"\n"


def stored(root, host="app1", source="heygem"):
    path = root / host / f"{source}.log"
    return [json.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


@pytest.mark.parametrize(
    ("order", "kept"),
    [
        ([("a1b2c3d4-1", "0"), ("a1b2c3d4-2", "1"), ("a1b2c3d4-3", "2")], 3),
        # RELP resends a window after a reconnect
        ([("a1b2c3d4-1", "0"), ("a1b2c3d4-2", "1"), ("a1b2c3d4-1", "0"), ("a1b2c3d4-2", "1"), ("a1b2c3d4-3", "2")], 3),
        # a new instance of the redactor starts again at 1
        ([("a1b2c3d4-1", "0"), ("ffffffff-1", "0"), ("a1b2c3d4-1", "0")], 2),
        # file lines: N is an offset plus one, PREV the line before's
        ([("a1b2c3d4-1", "0"), ("a1b2c3d4-5", "1"), ("a1b2c3d4-5", "1"), ("a1b2c3d4-12", "5")], 3),
        # a failed batch handed over again after newer lines: late, not a duplicate
        (
            [
                ("a1b2c3d4-1", "0"),
                ("a1b2c3d4-30", "20"),
                ("a1b2c3d4-10", "1"),
                ("a1b2c3d4-20", "10"),
                ("a1b2c3d4-30", "20"),
            ],
            4,
        ),
        ([("a1b2c3d4-3", "2"), ("a1b2c3d4-1", "0"), ("a1b2c3d4-3", "2"), ("a1b2c3d4-2", "1")], 3),
        # the line before unknown: kept apart, still stored once
        ([("a1b2c3d4-7", ""), ("a1b2c3d4-7", ""), ("a1b2c3d4-9", "7")], 2),
    ],
)
def test_each_sequence_id_is_stored_once(tmp_path, order, kept):
    store = logcollect.Store(str(tmp_path))
    results = [store.write(shipped(seq, prev=prev)) for seq, prev in order]
    assert len(stored(tmp_path)) == kept
    assert results.count("stored") == kept
    assert results.count("duplicate") == len(order) - kept
    # Every drop is on record, by ID, beside the host's files.
    dropped = (tmp_path / "app1" / "_duplicates.log").read_bytes().splitlines() if kept < len(order) else []
    assert len(dropped) == len(order) - kept


def test_lines_in_order_leave_nothing_waiting():
    seen = logcollect.Seen()
    offsets = [0, 17, 40, 41, 90]
    for prev, offset in zip([-1, *offsets], offsets, strict=False):
        assert seen.add("app1", f"a1b2c3d4-{offset + 1}", str(prev + 1))
    assert seen.waiting() == 0
    assert not seen.add("app1", "a1b2c3d4-18", "1")


def test_a_restart_remembers_what_is_stored(tmp_path):
    first = logcollect.Store(str(tmp_path))
    for n in range(1, 6):
        first.write(shipped(f"a1b2c3d4-{n}"))
    second = logcollect.Store(str(tmp_path))
    assert [second.write(shipped(f"a1b2c3d4-{n}")) for n in range(4, 8)] == [
        "duplicate",
        "duplicate",
        "stored",
        "stored",
    ]
    assert [record["seq"] for record in stored(tmp_path)] == [f"a1b2c3d4-{n}" for n in range(1, 8)]
    assert stored(tmp_path)[0]["msg"] == "任务 完成"
    assert stored(tmp_path)[0]["peer"] == "10.89.0.7"


def test_hosts_and_sources_get_files_of_their_own(tmp_path):
    store = logcollect.Store(str(tmp_path))
    store.write(shipped("a1b2c3d4-1", host="app1", source="nginx_access"))
    store.write(shipped("a1b2c3d4-1", host="app2", source="nginx_access"))
    store.write(shipped("a1b2c3d4-2", host="app1", source="journal"))
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*.log")) == [
        "app1/journal.log",
        "app1/nginx_access.log",
        "app2/nginx_access.log",
    ]


def test_a_rotated_file_is_reopened(tmp_path):
    store = logcollect.Store(str(tmp_path))
    store.write(shipped("a1b2c3d4-1"))
    os.rename(tmp_path / "app1" / "heygem.log", tmp_path / "app1" / "heygem.log-20261203")
    store.write(shipped("a1b2c3d4-2"))
    assert [record["seq"] for record in stored(tmp_path)] == ["a1b2c3d4-2"]


@pytest.mark.parametrize(
    "raw",
    [
        b"plain text from a stranger\n",
        json.dumps({"peer": "10.89.0.9", "msg": "not json"}).encode() + b"\n",
        shipped("a1b2c3d4-1", host="../../etc"),  # a host name that would leave the directory
        shipped("a1b2c3d4-1", source="../x"),
        json.dumps({"peer": "10.89.0.9", "msg": json.dumps({"host": "a", "source": "b"})}).encode() + b"\n",
    ],
)
def test_lines_that_are_not_shipped_ones_are_kept_aside(tmp_path, raw):
    store = logcollect.Store(str(tmp_path))
    assert store.write(raw) == "unparsed"
    files = list((tmp_path / logcollect.UNPARSED).iterdir())
    assert len(files) == 1
    assert files[0].read_bytes() == raw
    assert not [path for path in tmp_path.iterdir() if path.name != logcollect.UNPARSED]


def test_omprog_protocol_confirms_start_and_every_line(tmp_path):
    stdout = io.BytesIO()
    logcollect.run(logcollect.Store(str(tmp_path)), io.BytesIO(shipped("a1b2c3d4-1") * 2 + b"junk\n"), stdout)
    assert stdout.getvalue() == b"OK\nOK\nOK\nOK\n"
    assert len(stored(tmp_path)) == 1
