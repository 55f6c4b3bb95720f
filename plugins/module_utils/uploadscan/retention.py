# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Retention: the only code that deletes."""

from __future__ import annotations

import os
import stat
import time

from .kinds import UploadScanError
from .quarantine import _utc
from .walk import _OPEN_DIR, changed_at, open_under

# ---------------------------------------------------------------------------
# Retention: the only code that deletes.


def expire(root, max_age_days, max_bytes=None, dry_run=False, now=None, one_filesystem=True, log=None):
    """Delete files under ``root`` older than ``max_age_days``, then the oldest until it holds ``max_bytes``.

    Symbolic links are deleted as entries (never followed), other
    filesystems are not entered, empty subdirectories left behind are
    removed (never ``root`` itself). Returns ``(deleted, kept_bytes)``,
    ``deleted`` a list of ``(path, size, mtime, why)``; ``log(line)`` is
    called for each.
    """
    if not max_age_days or max_age_days < 1:
        raise UploadScanError(f"retention must be at least 1 day, not {max_age_days!r}")
    now = time.time() if now is None else now
    cutoff = now - max_age_days * 86400
    files = []
    root = os.path.abspath(root)
    root_fd = os.open(root, _OPEN_DIR)
    deleted = []
    touched = set()
    try:
        root_dev = os.fstat(root_fd).st_dev
        _collect(root_fd, root, root_dev, one_filesystem, files, now)
        total = sum(size for *_rest, size, _mtime, _changed in files)
        # Oldest first; by age, then by the size cap.
        files.sort(key=lambda item: item[-1])
        for dir_fd_path, name, path, size, mtime, changed in files:
            if changed < cutoff:
                why = f"older than {max_age_days} days"
                if mtime > now:
                    why += " since it last changed (its modification time is in the future)"
            elif max_bytes is not None and total > max_bytes:
                why = f"directory over its cap of {max_bytes} bytes"
            else:
                continue
            if not dry_run and not _unlink_under(root_fd, dir_fd_path, name):
                continue
            touched.add(dir_fd_path)
            total -= size
            deleted.append((path, size, mtime, why))
            if log:
                log(
                    f"{'would delete' if dry_run else 'deleted'} {path} ({size} bytes, modified"
                    f" {_utc(mtime).isoformat(timespec='seconds')}): {why}"
                )
        if not dry_run:
            _prune_dirs(root_fd, root_dev, one_filesystem, cutoff, touched, (), now)
    finally:
        os.close(root_fd)
    return deleted, total


def _collect(dir_fd, dir_path, root_dev, one_filesystem, files, now, rel=()):
    for entry in os.scandir(dir_fd):
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            if one_filesystem and st.st_dev != root_dev:
                continue
            try:
                sub = os.open(entry.name, _OPEN_DIR, dir_fd=dir_fd)
            except OSError:
                continue
            try:
                _collect(sub, f"{dir_path}/{entry.name}", root_dev, one_filesystem, files, now, (*rel, entry.name))
            finally:
                os.close(sub)
        else:
            files.append((rel, entry.name, f"{dir_path}/{entry.name}", st.st_size, st.st_mtime, changed_at(st, now)))


def _unlink_under(root_fd, rel, name):
    try:
        fd = open_under(root_fd, rel)
    except OSError:
        return False
    try:
        os.unlink(name, dir_fd=fd)
        return True
    except (FileNotFoundError, IsADirectoryError):
        return False
    finally:
        os.close(fd)


def _prune_dirs(dir_fd, root_dev, one_filesystem, cutoff, touched, rel, now):
    """Remove empty subdirectories that are old or lost files to retention; True if ``dir_fd`` ends up empty."""
    empty = True
    for entry in os.scandir(dir_fd):
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            empty = False
            continue
        if not stat.S_ISDIR(st.st_mode) or (one_filesystem and st.st_dev != root_dev):
            empty = False
            continue
        try:
            sub = os.open(entry.name, _OPEN_DIR, dir_fd=dir_fd)
        except OSError:
            empty = False
            continue
        sub_rel = (*rel, entry.name)
        try:
            sub_empty = _prune_dirs(sub, root_dev, one_filesystem, cutoff, touched, sub_rel, now)
        finally:
            os.close(sub)
        # A new empty directory may be an upload about to be written: keep it.
        if sub_empty and (changed_at(st, now) < cutoff or any(t[: len(sub_rel)] == sub_rel for t in touched)):
            try:
                os.rmdir(entry.name, dir_fd=dir_fd)
                continue
            except OSError:
                pass
        empty = False
    return empty
