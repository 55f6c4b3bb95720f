# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Watch upload directories recursively with inotify and start a scan once a change has gone quiet.

A systemd path unit (``PathChanged=``) watches only the directory it names:
a file written into an existing subdirectory (``uploads/<user>/x.png``,
Gradio's ``<tmp>/<hash>/x.png`` when the hash directory exists) is not a
change of the top directory, and waited for the backstop timer. The watcher
puts an inotify watch on every directory below each root, without following
symbolic links (``IN_DONT_FOLLOW``, ``lstat`` walk), adds one for each new
directory as it appears (and looks inside it at once, for files written
before the watch), and calls ``trigger`` (``systemctl start
aiguard-upload-scan.service``: the scan keeps its own sandbox, one at a time)
when events stop for ``quiet`` seconds. Events that arrive during a scan are
read after it, so they start the next one.

When the kernel's watch limit (``fs.inotify.max_user_watches``) is reached or
its event queue overflows, the watcher says so once, triggers a scan, and the
backstop timer still covers what it cannot see. Plain Python on the standard
library (ctypes for the three libc calls).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import stat
import struct
import sys
import time

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_ISDIR = 0x40000000
IN_CLOEXEC = 0o2000000
IN_NONBLOCK = 0o4000
MASK = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW
MASK |= IN_EXCL_UNLINK
_EVENT = struct.Struct("iIII")


class Inotify:
    """The kernel's inotify through libc: add_watch, remove_watch, read_events."""

    def __init__(self):
        self._libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self._libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self.fd = self._libc.inotify_init1(IN_CLOEXEC | IN_NONBLOCK)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), f"inotify_init1: {os.strerror(ctypes.get_errno())}")

    def add_watch(self, path, mask=MASK):
        wd = self._libc.inotify_add_watch(self.fd, os.fsencode(path), mask)
        if wd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), path)
        return wd

    def read_events(self, timeout):
        """``[(wd, mask, name)]`` that arrived within TIMEOUT seconds (None: wait), [] when none did."""
        ready = select.select([self.fd], [], [], timeout)[0]
        if not ready:
            return []
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return []
        events, offset = [], 0
        while offset + _EVENT.size <= len(data):
            wd, mask, _cookie, size = _EVENT.unpack_from(data, offset)
            raw = data[offset + _EVENT.size : offset + _EVENT.size + size]
            events.append((wd, mask, os.fsdecode(raw.rstrip(b"\0"))))
            offset += _EVENT.size + size
        return events

    def close(self):
        os.close(self.fd)


class Watcher:
    """Recursive watches over ROOTS; ``run`` calls TRIGGER once events have gone quiet for QUIET seconds."""

    def __init__(self, roots, trigger, quiet=1.0, say=None, inotify=None, longest=10.0):
        self.roots, self.trigger, self.quiet = list(roots), trigger, quiet
        self.say = say or (lambda line: sys.stdout.write(line + "\n"))
        self.longest = longest  # a scan is started at the latest this long after the first change
        self.inotify = inotify or Inotify()
        self.paths = {}  # wd -> directory path
        self.full = False
        self.refused = set()  # errnos said once

    def watch_tree(self, top):
        """Watch TOP and every directory below it (links not followed); True when a file is already inside."""
        found_file, stack = False, [top]
        while stack:
            path = stack.pop()
            try:
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    continue
                wd = self.inotify.add_watch(path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                if exc.errno == errno.ENOSPC and not self.full:
                    self.full = True
                    self.say(
                        "watch: the inotify watch limit is reached (sysctl fs.inotify.max_user_watches); "
                        f"directories from {path} on are left to the backstop timer"
                    )
                elif exc.errno != errno.ENOSPC and exc.errno not in self.refused:
                    self.refused.add(exc.errno)
                    self.say(f"watch: cannot watch {path}: {exc.strerror}; it is left to the backstop timer")
                continue
            self.paths[wd] = path
            try:
                with os.scandir(path) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            found_file = True
            except OSError:
                continue
        return found_file

    def start(self):
        for root in self.roots:
            self.watch_tree(root)
        self.say(f"watch: {len(self.paths)} directories under {len(self.roots)} upload roots")

    def handle(self, events):
        """Follow new directories; True when the events mean a scan is due."""
        due = False
        for wd, mask, name in events:
            if mask & IN_Q_OVERFLOW:
                self.say("watch: the kernel's event queue overflowed; scanning everything")
                due = True
                continue
            if mask & IN_IGNORED:
                self.paths.pop(wd, None)
                continue
            parent = self.paths.get(wd)
            if parent is None or not name:
                continue
            due = True
            if mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO):
                self.watch_tree(os.path.join(parent, name))
        return due

    def run(self, stop=lambda: False):
        """Wait for changes and trigger scans until STOP() is true (checked at least once a second)."""
        self.start()
        first = last = None
        while not stop():
            events = self.inotify.read_events(self.quiet if last else 1.0)
            if events and self.handle(events):
                last = time.monotonic()
                first = first or last
            now = time.monotonic()
            if last is not None and (now - last >= self.quiet or now - first >= self.longest):
                first = last = None
                self.trigger()
