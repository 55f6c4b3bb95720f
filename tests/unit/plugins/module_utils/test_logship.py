# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The client's RELP sender: frames, sessions, and batches confirmed only once the collector has them."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import logship

SOURCE = Path(logship.__file__)


def reader_of(data, step=5):
    position = [0]

    def receive(_size):
        chunk = data[position[0] : position[0] + step]
        position[0] += step
        return chunk

    return logship.FrameReader(receive)


def test_frames_are_read_across_chunks():
    offers = b"200 OK\nrelp_version=0\ncommands=syslog"
    data = b"1 rsp 0\n2 rsp 6 200 OK\n" + logship.frame(3, b"rsp", offers) + b"0 serverclose 0\n"
    reader = reader_of(data)
    assert [reader.read() for _n in range(4)] == [
        (1, "rsp", b""),
        (2, "rsp", b"200 OK"),
        (3, "rsp", offers),
        (0, "serverclose", b""),
    ]


@pytest.mark.parametrize(
    "data",
    [b"HTTP/1.1 400 Bad Request\r\n\r\n", b"1 rsp 3 abcX", b"", b"1 rsp 99999 " + b"x" * 80],
    ids=["not-relp", "no-trailer", "closed", "closed-mid-frame"],
)
def test_a_broken_stream_is_an_error(data):
    with pytest.raises(logship.RelpError):
        reader_of(data, step=len(data) or 1).read()


class Collector:
    """A RELP peer on a socket pair that answers as imrelp does; its first session breaks after LIMIT lines."""

    def __init__(self, limit=None, refuse_open=False):
        self.limit = limit
        self.refuse_open = refuse_open
        self.received = []
        self.sessions = 0

    def connect(self):
        ours, theirs = socket.socketpair()
        self.sessions += 1
        threading.Thread(target=self._serve, args=(theirs,), daemon=True).start()
        return ours

    def _serve(self, sock):
        reader = logship.FrameReader(sock.recv)
        count = 0
        try:
            while True:
                txnr, command, data = reader.read()
                if command == "open":
                    answer = b"500 no" if self.refuse_open else b"200 OK\nrelp_version=0\ncommands=syslog"
                    sock.sendall(logship.frame(txnr, b"rsp", answer))
                    continue
                count += 1
                if self.limit is not None and count > self.limit and self.sessions == 1:
                    sock.close()
                    return
                self.received.append(data)
                sock.sendall(logship.frame(txnr, b"rsp", b"200 OK"))
        except (logship.RelpError, OSError):
            sock.close()


def session_for(collector):
    return logship.Session({"host": "logs", "port": 2514}, connect=collector.connect)


def converse(session, lines, spool=None, sleep=None):
    stdin = io.BytesIO(b"".join(line + b"\n" for line in lines))
    stdout = io.BytesIO()
    clock = [0.0]

    def fake_sleep(seconds):
        clock[0] += seconds
        if sleep:
            sleep()

    logship.run(session, stdin, stdout, sleep=fake_sleep, clock=lambda: clock[0], spool=spool)
    return stdout.getvalue()


def test_a_batch_is_confirmed_once_the_collector_has_it():
    collector = Collector()
    out = converse(session_for(collector), [logship.BEGIN, b"<13>1 line one", b"<13>1 line two", logship.COMMIT])
    assert out == b"OK\nOK\nDEFER_COMMIT\nDEFER_COMMIT\nOK\n"
    assert collector.received == [b"<13>1 line one", b"<13>1 line two"]


def test_a_broken_session_is_opened_again_and_the_batch_sent_again():
    collector = Collector(limit=1)  # the first session breaks after one line
    out = converse(session_for(collector), [logship.BEGIN, b"a", b"b", logship.COMMIT])
    assert out.endswith(b"OK\n")
    assert b"." in out  # alive while it waited
    assert collector.sessions >= 2
    assert collector.received.count(b"b") == 1 and b"a" in collector.received


def test_a_refused_session_is_retried_until_it_gives_up(monkeypatch):
    monkeypatch.setattr(logship, "GIVE_UP", 100.0)
    collector = Collector(refuse_open=True)
    out = converse(session_for(collector), [logship.BEGIN, b"a", logship.COMMIT])
    last = out.splitlines()[-1].lstrip(b".")
    assert last.startswith(b"not delivered, kept in the queue: logs:2514 refused the session")
    assert out.count(b".") >= 5  # 1 + 2 + 4 + 8 + 16 + ... seconds of waiting, told as signs of life


def test_the_batch_under_way_is_kept_in_the_spool_and_sent_first_by_the_next_run(tmp_path):
    path = str(tmp_path / "c0.spool")
    dead = Collector(refuse_open=True)
    spool = logship.Spool(path)
    stdin = io.BytesIO(logship.BEGIN + b"\n" + b"kept 1\nkept 2\n")  # rsyslog stops before COMMIT
    logship.run(session_for(dead), stdin, io.BytesIO(), spool=spool)
    assert (tmp_path / "c0.spool").read_bytes() == b"kept 1\nkept 2\n"
    collector = Collector()
    out = converse(session_for(collector), [logship.BEGIN, b"new", logship.COMMIT], spool=logship.Spool(path))
    assert out.endswith(b"OK\n")
    assert collector.received == [b"kept 1", b"kept 2", b"new"]
    assert (tmp_path / "c0.spool").read_bytes() == b""


def test_the_file_runs_alone_as_a_program(tmp_path):
    """The host runs this file with python3 -I and no Ansible; with the collector away it still starts."""
    settings = tmp_path / "c0.json"
    settings.write_text('{"host": "127.0.0.1", "port": 9, "name": "logs", "ca_file": "/nonexistent"}')
    run = subprocess.run(
        [sys.executable, "-I", str(SOURCE), str(settings)], input=b"", capture_output=True, timeout=30, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == b"OK\n"
