# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collector's writer: each shipped line stored once, as JSON, in DIR/HOST/SOURCE.log.

Plain Python with no Ansible import: pytest tests it directly and the same
file runs on a collector as rsyslog's ``omprog`` program with
``confirmMessages="on"``: it answers ``OK`` once at start and ``OK`` for
each message after the line is written and flushed, so rsyslog (and through
RELP the client) only lets go of a line that is on disk.

rsyslog hands it one JSON object a line, ``{"peer": ADDRESS, "msg": MSG}``,
where MSG is what the client shipped: a JSON object with ``host``,
``source``, ``seq`` (``KEY-N``: for a file line KEY names the file's
generation and N is the line's byte offset plus one, so a line read again
keeps its ID; for a journal line KEY is new each time the client's redactor
starts and N counts from 1), ``prev`` (the number of the line before in the
same KEY), ``time`` and ``msg``. A line whose ``(host, seq)`` is stored
already (sent again after a reconnect, a crash or a failed batch: ``Seen``)
is dropped; its ID goes to ``DIR/HOST/_duplicates.log`` so that every drop
can be counted. What is stored is known
from the files themselves: at start the writer reads the sequence IDs of
every current ``*.log`` file below DIR, so a restart of the collector keeps
the duplicates out too; rotated files are not read (a resend comes within
minutes, rotation is daily).

A line that is not such an object (a client that is not ours, a broken
line) goes to ``DIR/_unparsed/PEER.log`` as it came, never dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")
SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
SEQ_RE = re.compile(r"^([0-9a-f]{8,32})-([1-9][0-9]{0,18})$")
UNPARSED = "_unparsed"
DUPLICATES = "_duplicates"


class Seen:
    """The sequence numbers stored per (host, key), kept small by the numbers of the lines before.

    A record carries ``seq`` (``KEY-N``) and ``prev``, the number of the line
    before it in the same key (0 before the first, empty when unknown). Per
    key, ``low`` is a number up to which every line is stored; a line whose
    ``prev`` is at or below ``low`` moves ``low`` up to it, and so do the
    stored lines that follow it. Lines that came before the one they follow
    (rsyslog hands a failed batch over again after newer lines) wait in
    ``above`` until the gap is filled. A line is stored before when its
    number is at or below ``low`` or in ``above``; so no line is dropped for
    coming late, and in the usual order ``above`` stays empty.
    """

    def __init__(self):
        self.keys = {}

    def add(self, host, seq, prev=None):
        """True if (HOST, SEQ) is new (and now remembered), False if it was stored before."""
        match = SEQ_RE.match(seq)
        if match is None:
            return True
        state = self.keys.get((host, match.group(1)))
        if state is None:
            state = self.keys[(host, match.group(1))] = [0, {}, {}]
        number = int(match.group(2))
        above, by_prev = state[1], state[2]
        if number <= state[0] or number in above:
            return False
        if isinstance(prev, str):
            prev = int(prev) if prev.isdigit() else None
        if isinstance(prev, int) and prev <= state[0]:
            state[0] = number
            while state[0] in by_prev:
                following = by_prev.pop(state[0])
                above.pop(following, None)
                state[0] = following
        else:
            above[number] = prev
            if isinstance(prev, int):
                by_prev[prev] = number
        return True

    def waiting(self):
        """How many stored lines wait for a line before them, over all keys."""
        return sum(len(state[1]) for state in self.keys.values())


class Store:
    """Appends lines to DIR/HOST/SOURCE.log, reopening a file that logrotate moved away."""

    def __init__(self, root):
        self.root = root
        self.handles = {}
        self.seen = Seen()
        self.load()

    def load(self):
        """Remember the sequence IDs of every current file."""
        if not os.path.isdir(self.root):
            return
        for host in sorted(os.listdir(self.root)):
            directory = os.path.join(self.root, host)
            if host == UNPARSED or not os.path.isdir(directory):
                continue
            for name in sorted(os.listdir(directory)):
                if not name.endswith(".log") or name.startswith("_"):
                    continue
                with open(os.path.join(directory, name), "rb") as handle:
                    for line in handle:
                        try:
                            record = json.loads(line)
                            seq, prev = record.get("seq"), record.get("prev")
                        except (ValueError, AttributeError):
                            continue
                        if isinstance(seq, str):
                            self.seen.add(host, seq, prev)

    def _handle(self, host, source):
        path = os.path.join(self.root, host, source + ".log")
        handle = self.handles.get(path)
        if handle is not None:
            try:
                moved = os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino
            except FileNotFoundError:
                moved = True
            if moved:
                handle.close()
                handle = None
        if handle is None:
            os.makedirs(os.path.dirname(path), mode=0o750, exist_ok=True)
            handle = open(path, "ab")  # noqa: SIM115 - kept open across lines
            self.handles[path] = handle
        return handle

    @staticmethod
    def parse(raw):
        """(peer, record) of one line from rsyslog; record None when it is not a shipped line."""
        try:
            outer = json.loads(raw)
        except ValueError:
            return "", None
        if not isinstance(outer, dict):
            return "", None
        peer = outer.get("peer") if isinstance(outer.get("peer"), str) else ""
        try:
            record = json.loads(outer.get("msg", ""))
        except (ValueError, TypeError):
            return peer, None
        if not isinstance(record, dict):
            return peer, None
        host, source, seq = record.get("host"), record.get("source"), record.get("seq")
        if not (
            isinstance(host, str)
            and NAME_RE.match(host)
            and isinstance(source, str)
            and SOURCE_RE.match(source)
            and isinstance(seq, str)
        ):
            return peer, None
        return peer, record

    def write(self, raw):
        """Store one line from rsyslog; returns what was done: stored, duplicate or unparsed."""
        peer, record = self.parse(raw)
        if record is None:
            name = peer.replace(":", ".")
            handle = self._handle(UNPARSED, name if NAME_RE.match(name) else "unknown")
            handle.write(raw.rstrip(b"\n") + b"\n")
            handle.flush()
            return "unparsed"
        if not self.seen.add(record["host"], record["seq"], record.get("prev")):
            handle = self._handle(record["host"], DUPLICATES)
            handle.write(json.dumps({"seq": record["seq"], "source": record["source"]}).encode("utf-8") + b"\n")
            handle.flush()
            return "duplicate"
        record["peer"] = peer
        handle = self._handle(record["host"], record["source"])
        handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        handle.flush()
        return "stored"


def run(store, stdin, stdout):
    """omprog with confirmMessages: OK at start, OK after each line is stored (or known to be)."""
    stdout.write(b"OK\n")
    stdout.flush()
    for raw in stdin:
        store.write(raw)
        stdout.write(b"OK\n")
        stdout.flush()


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or not args[0].startswith("/"):
        sys.stderr.write("usage: aiguard-log-collect DIRECTORY\n")
        return 2
    os.umask(0o027)
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        run(Store(args[0]), sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
