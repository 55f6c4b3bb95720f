# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The descriptor-based walk of a directory tree, read only."""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
import time

from .kinds import (
    ALLOWED,
    CHANGED,
    DANGEROUS,
    NOT_FLAGGED,
    NOT_REGULAR,
    PENDING,
    TYPES,
    UNREADABLE,
    VERDICTS,
    UploadScanError,
)
from .sniff import _MARKER_SEARCH, _MARKER_START, _OWN_SEARCH, _header
from .verdict import judge

# ---------------------------------------------------------------------------
# Walking and reading.

_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
_OPEN_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def changed_at(st, now):
    """When the file of ``st`` last changed, as far as ``now`` can tell: the age min_age and retention go by.

    Its mtime, unless that is in the future (set with ``touch -d`` or by a
    clock that is ahead), which would make the file look new until then, and
    so never scanned or expired. Then its ctime, which only the kernel sets
    (the ``utime`` that set the mtime changed it), and never later than
    ``now``.
    """
    mtime = st.st_mtime
    if mtime <= now:
        return mtime
    return min(st.st_ctime, now)


def open_under(root_fd, parts):
    """Open the directory ``parts`` (names, outermost first) under ``root_fd``, never following a link.

    One component at a time, each opened from the one before with
    ``O_NOFOLLOW | O_DIRECTORY`` as the walk enters a directory, so a symbolic
    link or a file anywhere on the way fails (ELOOP or ENOTDIR) instead of
    leading out of the tree. The OSError's ``filename`` is the path, relative
    to the root, that failed. Returns a new descriptor the caller closes.
    """
    fd = os.dup(root_fd)
    for depth, part in enumerate(parts):
        try:
            sub = os.open(part, _OPEN_DIR, dir_fd=fd)
        except OSError as exc:
            exc.filename = "/".join(parts[: depth + 1])
            raise
        finally:
            os.close(fd)
        fd = sub
    return fd


class Result(dict):
    """One file's result: path, verdict, type, mime, size, reason, action (and quarantine id)."""

    @property
    def flagged(self):
        return self["verdict"] not in NOT_FLAGGED


def _result(path, verdict, reason, size=None, detection=None):
    kind = detection.kind if detection else None
    return Result(
        path=path,
        verdict=verdict,
        type=kind.name if kind else None,
        mime=kind.mime if kind else None,
        size=size,
        reason=reason,
        action="none",
    )


# Looked up once: the walk calls them for every file.
_os_open, _os_fstat, _os_read, _os_close = os.open, os.fstat, os.read, os.close
_S_IFREG = stat.S_IFREG
_marker_start, _marker_search = _MARKER_START.search, _MARKER_SEARCH.search
_NO_LIMIT = float("inf")
# Directories nested deeper than this are reported and not entered: the walk
# holds one descriptor per level.
MAX_DEPTH = 64


class _Walk:
    """One walk of a tree: counts and results, and ``on_flagged`` for flagged files that were read.

    ``on_flagged(result, dir_fd, name, fd, fst)`` runs while the directory and
    the file are still open, so a quarantine acts on exactly what was judged.
    Entries are classified from the directory listing (``d_type``, ``d_ino``)
    and ``fstat`` of the opened file or directory, without an ``lstat`` each.
    A file the quick test of the walk allows is only counted; every other
    file gets its verdict from judge().
    """

    def __init__(self, policy, counts, results, on_flagged=None, list_allowed=False, now=None, skip=()):
        self.policy = policy
        self.counts = counts
        self.results = results
        self.on_flagged = on_flagged
        self.list_allowed = list_allowed
        self.now = time.time() if now is None else now
        self.skip = frozenset(skip)
        self.root = None  # the directory run() is walking
        self.newest = 0.0
        # For the quick test of the walk: the extensions (".ext") each allowed
        # type goes by, for the types whose markers _MARKER_SEARCH alone finds
        # (none when every result is listed, so judge() runs for all).
        quick = (
            {}
            if list_allowed
            else {
                name: frozenset("." + ext for ext in TYPES[name].extensions)
                for name in policy.allowed_types
                if TYPES[name].family != DANGEROUS and name not in _OWN_SEARCH
            }
        )
        self.settings = (
            policy.exclude,
            policy.window,
            policy.min_age,
            _NO_LIMIT if policy.max_size is None else policy.max_size,
            quick,
            self.now,
            self.skip,
        )
        self.allowed = 0  # files the quick test allowed, added to the counts at the end of run()

    def run(self, root):
        try:
            root_fd = os.open(root, _OPEN_DIR)
        except OSError as exc:
            raise UploadScanError(
                f"cannot open directory {root}: {exc.strerror}; check it exists, is a directory and not a symbolic link"
            ) from None
        self.root = root
        try:
            root_st = os.fstat(root_fd)
            self.root_dev = root_st.st_dev
            self.newest = max(self.newest, root_st.st_mtime)
            self._walk(root_fd, root.rstrip("/") or "/")
        finally:
            os.close(root_fd)
            self.counts["scanned"] += self.allowed
            self.counts[ALLOWED] += self.allowed
            self.allowed = 0

    def report(self, path, verdict, reason, size=None, detection=None, dir_fd=None, name=None, fd=None, fst=None):
        counts = self.counts
        counts["scanned"] += 1
        counts[verdict] += 1
        if verdict == ALLOWED and not self.list_allowed:
            return
        result = _result(path, verdict, reason, size, detection)
        if verdict not in NOT_FLAGGED:
            counts["flagged"] += 1
            if fd is not None and self.on_flagged is not None:
                self.on_flagged(result, dir_fd, name, fd, fst)
        self.results.append(result)

    def _walk(self, root_fd, root_path):
        """Every entry under ``root_fd``, depth first, holding one directory descriptor per level."""
        # One loop over a stack of open directories rather than a call per
        # directory, and the common cases inline with the fewest steps: a
        # subdirectory that is entered, a regular file that is allowed.
        # Anything else, and every verdict but ALLOWED, goes through the
        # methods below.
        exclude, window, min_age, max_size, quick, now, skip = self.settings
        root_dev = self.root_dev
        allowed = 0
        newest = 0.0
        dir_fd, dir_path, depth, dir_dev = root_fd, root_path, 0, root_dev
        try:
            listing = os.scandir(dir_fd)
        except OSError as exc:
            self.report(dir_path, UNREADABLE, f"cannot list the directory: {exc.strerror}")
            return
        stack = []
        try:
            while True:
                for entry in listing:
                    name = entry.name
                    if exclude and any(fnmatch.fnmatchcase(name, pat) for pat in exclude):
                        continue
                    try:
                        if not entry.is_file(follow_symlinks=False):
                            if not entry.is_dir(follow_symlinks=False):
                                self._other(dir_fd, f"{dir_path}/{name}", name)
                                continue
                            # A subdirectory: opened without following links,
                            # still the listed inode, on the same filesystem.
                            try:
                                sub_fd = _os_open(name, _OPEN_DIR, dir_fd=dir_fd)
                            except OSError as exc:
                                self._subdir_failed(f"{dir_path}/{name}", exc)
                                continue
                            try:
                                st = _os_fstat(sub_fd)
                                if st.st_ino != entry.inode() or st.st_dev != dir_dev or depth >= MAX_DEPTH or skip:
                                    enter = self._subdir(
                                        f"{dir_path}/{name}",
                                        st,
                                        entry.inode(),
                                        depth,
                                        dir_dev,
                                        [parent[0] for parent in stack] + [dir_fd],
                                    )
                                else:
                                    enter = True
                                    if st.st_mtime > newest:
                                        newest = st.st_mtime
                                if enter:
                                    sub_listing = os.scandir(sub_fd)
                            except OSError as exc:
                                _os_close(sub_fd)
                                if isinstance(exc, FileNotFoundError):
                                    raise
                                self.report(
                                    f"{dir_path}/{name}", UNREADABLE, f"cannot list the directory: {exc.strerror}"
                                )
                                continue
                            except BaseException:
                                _os_close(sub_fd)
                                raise
                            if not enter:
                                _os_close(sub_fd)
                                continue
                            stack.append((dir_fd, dir_path, depth, dir_dev, listing))
                            dir_fd, dir_path, depth, dir_dev, listing = (
                                sub_fd,
                                f"{dir_path}/{name}",
                                depth + 1,
                                st.st_dev,
                                sub_listing,
                            )
                            break
                        # A regular file in the listing: opened without
                        # following links, still the listed inode and a
                        # regular file by the fstat of the descriptor (so a
                        # FIFO or device swapped in is never read), read once.
                        try:
                            fd = _os_open(name, _OPEN_FILE, dir_fd=dir_fd)
                        except FileNotFoundError:
                            continue
                        except OSError as exc:
                            self._open_failed(f"{dir_path}/{name}", exc)
                            continue
                        try:
                            fst = _os_fstat(fd)
                            mtime = fst.st_mtime
                            if mtime > newest:
                                newest = mtime
                            if (
                                fst.st_ino != entry.inode()
                                or fst.st_mode & 0o170000 != _S_IFREG
                                or (min_age and now - mtime < min_age and now - changed_at(fst, now) < min_age)
                            ):
                                self._unsettled(f"{dir_path}/{name}", fst, entry.inode())
                                continue
                            try:
                                head = _os_read(fd, window)
                            except OSError as exc:
                                self.report(
                                    f"{dir_path}/{name}", UNREADABLE, f"cannot read: {exc.strerror}", fst.st_size
                                )
                                continue
                            # The quick test: what judge() says ALLOWED to,
                            # with nothing built. Read whole or a full window,
                            # within the size limit, content of an allowed type,
                            # no extension or one that type goes by (the name
                            # from its first dot is ".ext", so no double
                            # extension), no script marker. Anything else,
                            # judge() decides.
                            size = fst.st_size
                            if 0 < size <= max_size and (len(head) == window or len(head) >= size):
                                suffixes = quick.get(_header(head)[0])
                                if suffixes is not None:
                                    dot = name.find(".")
                                    if dot < 0 or name[dot:].lower() in suffixes:
                                        start = _marker_start(head)
                                        if start is None or _marker_search(head, start.start()) is None:
                                            allowed += 1
                                            continue
                            self._judge(dir_fd, dir_path, name, fd, fst, head)
                        finally:
                            _os_close(fd)
                    except FileNotFoundError:
                        continue  # vanished since the listing
                else:
                    # This directory is done: back to its parent's listing.
                    listing.close()
                    if not stack:
                        break
                    _os_close(dir_fd)
                    dir_fd, dir_path, depth, dir_dev, listing = stack.pop()
        finally:
            listing.close()
            if dir_fd != root_fd:
                _os_close(dir_fd)
            for parent_fd, _path, _depth, _dev, parent_listing in stack:
                parent_listing.close()
                if parent_fd != root_fd:
                    _os_close(parent_fd)
            self.allowed += allowed
            if newest > self.newest:
                self.newest = newest

    def _subdir_failed(self, path, exc):
        if isinstance(exc, FileNotFoundError):
            return  # vanished since the listing
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            self.report(path, CHANGED, "replaced by a symbolic link or file during the scan; not followed")
        else:
            self.report(path, UNREADABLE, f"cannot open the directory: {exc.strerror}")

    def _subdir(self, path, st, inode, depth, parent_dev, ancestor_fds):
        """Whether to enter a subdirectory: skipped, another inode than listed, on another filesystem or too deep.

        The listing shows the inode of the directory a mount covers, so a
        mount point has another inode than listed: on another device it is
        another filesystem, on the same device a bind mount of a directory of
        this filesystem. A directory renamed over the listed one during the
        scan looks the same. Either way the directory now opened (without
        following links, from the directory the walk holds) is what lies at
        that name, and is walked, unless it is one of the directories above
        it: a bind mount of an ancestor would make the walk go round forever.
        """
        if self.skip and (st.st_dev, st.st_ino) in self.skip:
            return False
        if st.st_mtime > self.newest:
            self.newest = st.st_mtime
        if st.st_dev != parent_dev and self.policy.one_filesystem:
            self.report(path, NOT_REGULAR, "a mount point of another filesystem; not entered (one_filesystem)")
            return False
        if st.st_ino != inode and any(os.path.samestat(st, os.fstat(fd)) for fd in ancestor_fds):
            self.report(path, NOT_REGULAR, "the same directory as one above it (a bind mount); not entered again")
            return False
        if depth >= MAX_DEPTH:
            self.report(path, NOT_REGULAR, f"nested more than {MAX_DEPTH} directories deep; not entered")
        else:
            return True
        return False

    def _other(self, dir_fd, path, name):
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            try:
                target = os.readlink(name, dir_fd=dir_fd)
            except OSError:
                target = "?"
            self.report(path, NOT_REGULAR, f"a symbolic link to {target}; never followed", st.st_size)
        elif stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            self.report(path, CHANGED, "changed type during the scan; left for the next scan")
        else:
            what = (
                "a FIFO"
                if stat.S_ISFIFO(mode)
                else "a socket"
                if stat.S_ISSOCK(mode)
                else "a device file"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "not a regular file"
            )
            self.report(path, NOT_REGULAR, f"{what}; never read")

    def _open_failed(self, path, exc):
        if exc.errno == errno.ELOOP:
            self.report(path, CHANGED, "replaced by a symbolic link during the scan; not followed")
        else:
            self.report(path, UNREADABLE, f"cannot open: {exc.strerror}")

    def _unsettled(self, path, fst, inode):
        """A file that is not the regular file listed any more, or too recent to be judged."""
        if fst.st_ino != inode or fst.st_mode & 0o170000 != _S_IFREG:
            self.report(path, CHANGED, "replaced by another file during the scan; left for the next scan", fst.st_size)
        else:
            ahead = " (its modification time is in the future)" if fst.st_mtime > self.now else ""
            self.report(
                path,
                PENDING,
                f"modified less than {self.policy.min_age}s ago{ahead}, maybe still being written; checked by a later"
                " scan",
                fst.st_size,
            )

    def _judge(self, dir_fd, dir_path, name, fd, fst, head):
        """The verdict on a file read whole or up to the window, and what follows from it."""
        size = fst.st_size
        path = f"{dir_path}/{name}"
        if len(head) < size and len(head) < self.policy.window:
            # Truncated while it was read: judge it next time.
            self.report(path, CHANGED, f"shrank from {size} bytes while it was read; left for the next scan", size)
            return
        verdict, detection, reason = judge(name, size, head, self.policy)
        self.report(path, verdict, reason, size, detection, dir_fd, name, fd, fst)


def scan_tree(root, policy, now=None, list_allowed=True):
    """``(counts, results)`` of one directory tree, read only (no quarantine)."""
    counts = _new_counts()
    results = []
    walk = _Walk(policy, counts, results, list_allowed=list_allowed, now=now)
    walk.run(root)
    counts["newest_mtime"] = walk.newest
    return counts, results


def _new_counts():
    return dict(scanned=0, flagged=0, quarantined=0, **dict.fromkeys(VERDICTS, 0))
