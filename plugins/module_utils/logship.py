# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A client's sender: RELP over TLS to one collector, a batch confirmed only once the collector has it.

Plain Python with no Ansible import: pytest tests it directly and the same
file runs on a client as rsyslog's ``omprog`` program with
``confirmMessages="on"`` and ``useTransactions="on"``, reading one message a
line. It answers ``OK`` at start and to ``BEGIN TRANSACTION``, sends each
message to the collector at once (answering ``DEFER_COMMIT``), and answers
``COMMIT TRANSACTION`` with ``OK`` only when the collector has acknowledged
every message of the batch. While the collector is down, the connection
broken, the certificate refused or the answer late, it keeps the batch and
tries again (``deliver``), telling rsyslog it is alive meanwhile; after
``GIVE_UP`` it answers with an error line, and rsyslog hands the batch over
again later. A batch is thus deleted from the client's disk queue only once
it is in the collector's, across restarts and crashes of either side;
rsyslog's own ``omrelp`` lets go of a message when it is sent, and loses the
unacknowledged ones when rsyslog stops while the collector is away. Lines
sent twice carry the same sequence ID and the collector stores them once.

The collector is rsyslog's ``imrelp``: RELP frames are ``TXNR SP COMMAND SP
DATALEN [SP DATA] LF``; the session starts with ``open`` (the offers) and
the collector answers each frame with ``rsp`` and ``200 OK``.

Settings: one JSON file, ``{"host", "port", "name", "ca_file", "cert_file",
"key_file", "timeout", "spool"}`` (``spool``: the file of ``Spool``) (``name`` is the name the collector's certificate
must carry; ``cert_file`` and ``key_file`` are given with mutual TLS).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import ssl
import sys
import time

OFFERS = b"relp_version=0\nrelp_software=aiguard-log-ship\ncommands=syslog"
BEGIN = b"BEGIN TRANSACTION"
COMMIT = b"COMMIT TRANSACTION"
MAX_TXNR = 999_999_999
# Waiting for the collector: the longest pause between attempts, how often
# rsyslog hears that the program is alive (omprog's confirmTimeout must be
# longer), and when to give the batch back to rsyslog (its answer buffer
# holds about 4,000 signs of life).
RETRY_MAX = 30.0
KEEPALIVE_EVERY = 20.0
GIVE_UP = 12 * 3600.0
# A frame's header, and what the start of one can look like before it is complete.
HEADER = re.compile(rb"^([0-9]{1,9}) ([A-Za-z]{1,32}) ([0-9]{1,9})(?=[ \n])")
PARTIAL = re.compile(rb"^[0-9]{1,9}( ([A-Za-z]{1,32}( [0-9]{0,9})?)?)?$")


class RelpError(Exception):
    """The session cannot carry on; the message says why, for rsyslog's log."""


def frame(txnr, command, data=b""):
    """One RELP frame."""
    head = b"%d %s %d" % (txnr, command, len(data))
    return head + (b" " + data if data else b"") + b"\n"


class FrameReader:
    """Frames from a byte stream: ``read()`` returns (txnr, command, data)."""

    def __init__(self, receive):
        self.receive = receive
        self.buffer = b""

    def _more(self):
        chunk = self.receive(65536)
        if not chunk:
            raise RelpError("the collector closed the connection")
        self.buffer += chunk

    def read(self):
        while True:
            match = HEADER.match(self.buffer)
            if match is not None:
                size = int(match.group(3))
                start = match.end() + (1 if size else 0)
                if len(self.buffer) >= start + size + 1:
                    data = self.buffer[start : start + size]
                    if self.buffer[start + size : start + size + 1] != b"\n":
                        raise RelpError("a RELP frame from the collector has no trailer")
                    self.buffer = self.buffer[start + size + 1 :]
                    return int(match.group(1)), match.group(2).decode("ascii"), data
            elif len(self.buffer) >= 64 or (self.buffer and not PARTIAL.match(self.buffer)):
                raise RelpError(f"not a RELP frame from the collector: {self.buffer[:40]!r}")
            self._more()


class Session:
    """One RELP session over TLS to the collector."""

    def __init__(self, settings, connect=None):
        self.settings = settings
        self.connect_socket = connect or self._tls_socket
        self.sock = None
        self.reader = None
        self.txnr = 0
        self.pending = {}

    def _tls_socket(self):
        s = self.settings
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_verify_locations(s["ca_file"])
        if s.get("cert_file"):
            context.load_cert_chain(s["cert_file"], s["key_file"])
        raw = socket.create_connection((s["host"], s["port"]), timeout=s.get("timeout", 20))
        try:
            return context.wrap_socket(raw, server_hostname=s.get("name") or s["host"])
        except BaseException:
            raw.close()
            raise

    def _next(self):
        self.txnr = self.txnr % MAX_TXNR + 1
        return self.txnr

    def open(self):
        """Connect and open the session (the offers); RelpError when the collector says no."""
        where = f"{self.settings['host']}:{self.settings['port']}"
        try:
            self.sock = self.connect_socket()
        except (OSError, ssl.SSLError, ValueError) as error:
            raise RelpError(f"cannot connect to {where}: {error}") from None
        self.reader = FrameReader(self.sock.recv)
        self.txnr, self.pending = 0, {}
        txnr = self._next()
        self._send(frame(txnr, b"open", OFFERS))
        answer_txnr, command, data = self._read()
        if answer_txnr != txnr or command != "rsp" or not data.startswith(b"200"):
            raise RelpError(f"{where} refused the session: {command} {data[:80]!r}")

    def _send(self, data):
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as error:
            raise RelpError(f"sending to the collector failed: {error}") from None

    def _read(self):
        try:
            return self.reader.read()
        except TimeoutError:
            raise RelpError("no answer from the collector within the timeout") from None
        except (OSError, ssl.SSLError) as error:
            raise RelpError(f"reading from the collector failed: {error}") from None

    def send(self, message):
        """Send one syslog message; it is pending until the collector acknowledges it."""
        if self.sock is None:
            self.open()
        txnr = self._next()
        self.pending[txnr] = message
        self._send(frame(txnr, b"syslog", message))

    def wait(self):
        """Return once every pending message is acknowledged; RelpError otherwise."""
        while self.pending:
            txnr, command, data = self._read()
            if command == "serverclose":
                raise RelpError("the collector closed the session")
            if command != "rsp" or txnr not in self.pending:
                raise RelpError(f"unexpected answer from the collector: {txnr} {command}")
            if not data.startswith(b"200"):
                raise RelpError(f"the collector refused a message: {data[:80]!r}")
            del self.pending[txnr]

    def close(self):
        if self.sock is not None:
            with contextlib.suppress(OSError, ssl.SSLError):
                self.sock.close()
        self.sock, self.reader, self.pending = None, None, {}


def deliver(session, batch, keepalive, sleep, clock, first_error=None):
    """Send BATCH until the collector has all of it; (True, "") or (False, why) once retries run out.

    A failed attempt closes the session; the next one opens a new session
    and sends the whole batch again (the collector stores each line once).
    Between attempts it waits 1, 2, 4 ... up to RETRY_MAX seconds, calling
    KEEPALIVE at least every KEEPALIVE_EVERY seconds; it gives up after
    GIVE_UP seconds, so that rsyslog restarts the program and tries again.
    """
    deadline = clock() + GIVE_UP
    delay = 1.0
    error = first_error
    while True:
        if error is None:
            try:
                if session.sock is None:
                    for line in batch:
                        session.send(line)
                session.wait()
                return True, ""
            except RelpError as failure:
                error = str(failure)
                session.close()
        if clock() + delay > deadline:
            return False, error
        waited = 0.0
        while waited < delay:
            step = min(KEEPALIVE_EVERY, delay - waited)
            sleep(step)
            waited += step
            keepalive()
        delay = min(delay * 2, RETRY_MAX)
        error = None


class Spool:
    """The lines of the batch under way, in a file, until the collector has them.

    rsyslog counts a line as done once the program answers ``DEFER_COMMIT``,
    and when it stops while the batch's commit waits for the collector, it
    drops the batch. So every line goes to this file before that answer, and
    the file is emptied only once a commit succeeded; a new run of the
    program sends what the file holds first. (Without PATH: memory only.)
    """

    def __init__(self, path=None):
        self.path = path
        self.handle = None
        self.carried = []
        if path:
            self.handle = open(path, "a+b")  # noqa: SIM115 - kept open for the program's life
            self.handle.seek(0)
            self.carried = [line.rstrip(b"\n") for line in self.handle if line.strip()]
            self.handle.seek(0, os.SEEK_END)

    def add(self, line):
        if self.handle is not None:
            self.handle.write(line + b"\n")
            self.handle.flush()

    def clear(self):
        self.carried = []
        if self.handle is not None:
            self.handle.seek(0)
            self.handle.truncate()
            self.handle.flush()


def run(session, stdin, stdout, sleep=time.sleep, clock=time.monotonic, spool=None):
    """omprog with confirmMessages and useTransactions: see the module's description."""
    spool = spool or Spool()

    def answer(text):
        stdout.write(text + b"\n")
        stdout.flush()

    def keepalive():
        # omprog takes leading dots of an answer as signs of life.
        stdout.write(b".")
        stdout.flush()

    answer(b"OK")
    batch = list(spool.carried)
    failed = None
    for line in batch:
        try:
            session.send(line)
        except RelpError as error:
            failed = str(error)
            session.close()
            break
    for raw in stdin:
        line = raw.rstrip(b"\n")
        if line == BEGIN:
            answer(b"OK")
            continue
        if line != COMMIT:
            spool.add(line)
            batch.append(line)
            if failed is None:
                try:
                    session.send(line)
                except RelpError as error:
                    failed = str(error)
                    session.close()
            answer(b"DEFER_COMMIT")
            continue
        done, why = deliver(session, batch, keepalive, sleep, clock, failed)
        if done:
            spool.clear()
            answer(b"OK")
        else:
            answer(("not delivered, kept in the queue: " + why).encode("utf-8", "replace").replace(b"\n", b" "))
        batch, failed = [], None


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: aiguard-log-ship SETTINGS.json\n")
        return 2
    with open(args[0], encoding="utf-8") as handle:
        settings = json.load(handle)
    session = Session(settings)
    spool = Spool(settings.get("spool") or None)
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        run(session, sys.stdin.buffer, sys.stdout.buffer, spool=spool)
    session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
