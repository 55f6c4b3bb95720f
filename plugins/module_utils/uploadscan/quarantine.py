# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The quarantine store: move a flagged file aside with a record, list, release."""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import re
import secrets
import stat
import time

from .kinds import (
    CHANGED,
    UploadScanError,
)
from .walk import _OPEN_DIR, _OPEN_FILE, open_under

# ---------------------------------------------------------------------------
# Quarantine and release.

RECORD_SUFFIX = ".json"
DATA_SUFFIX = ".data"
RELEASED_SUFFIX = ".released.json"
_ID = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}-[0-9a-f]{6}$")


def _utc(ts=None):
    return datetime.datetime.fromtimestamp(time.time() if ts is None else ts, datetime.UTC)


def open_quarantine(directory, create=True):
    """Open (and create, 0700) the quarantine directory; refuse a link or a group/world-accessible one."""
    if create:
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise UploadScanError(f"cannot create the quarantine directory {directory}: {exc.strerror}") from None
    try:
        fd = os.open(directory, _OPEN_DIR)
    except OSError as exc:
        raise UploadScanError(
            f"cannot open the quarantine directory {directory}: {exc.strerror}; it must be a"
            " directory, not a symbolic link"
        ) from None
    st = os.fstat(fd)
    if stat.S_IMODE(st.st_mode) & 0o077 or st.st_uid != os.geteuid():
        os.close(fd)
        raise UploadScanError(
            f"the quarantine directory {directory} must belong to the user running the scan and"
            f" have mode 0700, not {stat.S_IMODE(st.st_mode):04o} owned by uid {st.st_uid}; fix it"
            f" with: chown {os.geteuid()} {directory} && chmod 0700 {directory}"
        )
    return fd


def released_hashes(qfd):
    """``{(original path, sha256)}`` of released files, which scans leave alone."""
    out = set()
    for name in os.listdir(qfd):
        if name.endswith(RELEASED_SUFFIX):
            record = _read_record(qfd, name)
            if record:
                out.add((record.get("original_path"), record.get("sha256")))
    return out


def _read_record(qfd, name):
    try:
        fd = os.open(name, _OPEN_FILE, dir_fd=qfd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            return json.loads(handle.read(1 << 20))
        except ValueError:
            return None


def _write_record(qfd, name, record):
    temp = f".{name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=qfd)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(temp, name, src_dir_fd=qfd, dst_dir_fd=qfd)


def sha256_fd(fd):
    digest = hashlib.sha256()
    offset = 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return digest.hexdigest(), offset
        digest.update(chunk)
        offset += len(chunk)


def quarantine(result, dir_fd, name, fd, st, qfd, quarantine_dir, root, released=frozenset(), now=None):
    """Move one flagged file into the quarantine; update ``result`` (action, quarantine_id); never delete data.

    ``root`` is the directory the walk started from: the record keeps it, and
    release puts the file back only under it. The file is renamed through the directory descriptors it was found with,
    then checked to be the inode that was judged. Across filesystems it is
    copied from the open descriptor, checked against the sha256 and only then
    unlinked, if the name still holds the judged inode.
    """
    digest, length = sha256_fd(fd)
    result["sha256"] = digest
    if (result["path"], digest) in released:
        result["action"] = "kept: released from quarantine before"
        return result
    if length != st.st_size:
        result.update(
            verdict=CHANGED,
            reason=f"grew from {st.st_size} to {length} bytes during the scan; left for the next scan",
            action="none",
        )
        return result
    stamp = _utc(now)
    qid = f"{stamp:%Y%m%dT%H%M%SZ}-{digest[:12]}-{secrets.token_hex(3)}"
    data_name = qid + DATA_SUFFIX
    record = dict(
        id=qid,
        sha256=digest,
        size=length,
        original_path=result["path"],
        upload_root=root,
        detected_type=result["type"],
        mime=result["mime"],
        verdict=result["verdict"],
        reason=result["reason"],
        quarantined_at=stamp.isoformat(timespec="seconds"),
        uid=st.st_uid,
        gid=st.st_gid,
        mode=f"{stat.S_IMODE(st.st_mode):04o}",
        mtime=st.st_mtime,
        data=os.path.join(quarantine_dir, data_name),
    )
    try:
        os.rename(name, data_name, src_dir_fd=dir_fd, dst_dir_fd=qfd)
        moved = os.stat(data_name, dir_fd=qfd, follow_symlinks=False)
        if (moved.st_ino, moved.st_dev) != (st.st_ino, st.st_dev):
            # Swapped between the read and the rename: it is another file of
            # the same directory. Put it back and leave it for the next scan.
            os.rename(data_name, name, src_dir_fd=qfd, dst_dir_fd=dir_fd)
            result.update(verdict=CHANGED, reason="replaced by another file during the scan; left for the next scan")
            return result
    except FileNotFoundError:
        result.update(verdict=CHANGED, reason="vanished during the scan", action="none")
        return result
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise UploadScanError(f"cannot move {result['path']} into {quarantine_dir}: {exc.strerror}") from None
        _copy_across(fd, qfd, data_name, digest)
        current = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if (current.st_ino, current.st_dev) != (st.st_ino, st.st_dev):
            os.unlink(data_name, dir_fd=qfd)
            result.update(verdict=CHANGED, reason="replaced by another file during the scan; left for the next scan")
            return result
        os.unlink(name, dir_fd=dir_fd)
    os.fchmod(fd, 0o400)
    _write_record(qfd, qid + RECORD_SUFFIX, record)
    result.update(action="quarantined", quarantine_id=qid, quarantine_path=record["data"])
    return result


def _copy_across(fd, qfd, data_name, digest):
    out = os.open(data_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400, dir_fd=qfd)
    check = hashlib.sha256()
    offset = 0
    try:
        while True:
            chunk = os.pread(fd, 1 << 20, offset)
            if not chunk:
                break
            check.update(chunk)
            os.write(out, chunk)
            offset += len(chunk)
        os.fsync(out)
    finally:
        os.close(out)
    if check.hexdigest() != digest:
        os.unlink(data_name, dir_fd=qfd)
        raise UploadScanError("a file changed while it was copied into the quarantine; it was left in place")


def list_quarantine(quarantine_dir):
    """The records of the files in quarantine (not the released ones), oldest first."""
    try:
        qfd = open_quarantine(quarantine_dir, create=False)
    except UploadScanError:
        if not os.path.lexists(quarantine_dir):
            return []
        raise
    try:
        records = []
        for name in sorted(os.listdir(qfd)):
            if name.endswith(RECORD_SUFFIX) and not name.endswith(RELEASED_SUFFIX) and not name.startswith("."):
                record = _read_record(qfd, name)
                if record:
                    records.append(record)
        return records
    finally:
        os.close(qfd)


def plan_release(quarantine_dir, qid):
    """The record of ``qid`` and where it would go; raises UploadScanError if it cannot be released."""
    if not _ID.match(qid or ""):
        raise UploadScanError(f"{qid!r} is not a quarantine id (like 20260101T120000Z-0123456789ab-a1b2c3)")
    for record in list_quarantine(quarantine_dir):
        if record.get("id") == qid:
            break
    else:
        released = os.path.join(quarantine_dir, qid + RELEASED_SUFFIX)
        if os.path.exists(released):
            return None  # released already: nothing to do
        raise UploadScanError(
            f"no file with id {qid} in quarantine {quarantine_dir}; list them with: "
            f"aiguard-upload-scan list --quarantine-dir {quarantine_dir}"
        )
    parent, base = _original_parent(record)
    try:
        os.stat(base, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return record
    finally:
        os.close(parent)
    raise UploadScanError(f"cannot release {qid}: {record['original_path']} exists again; move it away first")


def _original_parent(record):
    """``(directory fd, name)`` of the original path of ``record``, reached from its upload root without links.

    The path is taken apart below the upload root the record names and each
    directory opened from the one before, never following a link (the
    walk's ``open_under``). A directory swapped for a link since the file was
    quarantined, by anyone who can write to the uploads, would otherwise let
    a release by root put the file anywhere, such as /etc/profile.d.
    """
    qid, target, root = record["id"], record.get("original_path"), record.get("upload_root")
    by_hand = f"check the path and move {record.get('data')} back by hand if it is safe"
    if not isinstance(root, str) or not root.startswith("/"):
        raise UploadScanError(
            f"cannot release {qid}: its record names no upload root (it was quarantined by an earlier version), so"
            f" {target} cannot be checked to lie under it; {by_hand}"
        )
    parts = _parts_under(root, target)
    if parts is None:
        raise UploadScanError(
            f"cannot release {qid}: {target} is not under the upload root {root}; release only puts a file back"
            " into the directory tree it was quarantined from"
        )
    try:
        root_fd = os.open(root, _OPEN_DIR)
    except OSError as exc:
        raise UploadScanError(
            f"cannot release {qid}: cannot open the upload root {root}: {exc.strerror}; it must be a directory,"
            " not a symbolic link"
        ) from None
    try:
        return open_under(root_fd, parts[:-1]), parts[-1]
    except OSError as exc:
        where = f"{root.rstrip('/')}/{exc.filename}"
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            why = (
                f"{where} is a symbolic link or not a directory; release never follows links, which could lead"
                f" out of {root}; restore the directory, or {by_hand}"
            )
        elif exc.errno == errno.ENOENT:
            why = f"the directory {where} of {target} no longer exists"
        else:
            why = f"cannot open the directory {where}: {exc.strerror}"
        raise UploadScanError(f"cannot release {qid}: {why}") from None
    finally:
        os.close(root_fd)


def _parts_under(root, target):
    """The names of ``target`` below the directory ``root``, or None if it is not a path under it."""
    prefix = root.rstrip("/") + "/"
    if not isinstance(target, str) or not target.startswith(prefix):
        return None
    parts = target[len(prefix) :].split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return parts


def release(quarantine_dir, qid, now=None):
    """Put a quarantined file back where it was, with its owner, mode (no exec bits) and mtime.

    Returns its record, or None if it was released already. The file keeps
    its inode (a hard link, then the quarantine name is removed) or, across
    filesystems, is copied and checked against its sha256 first.
    """
    record = plan_release(quarantine_dir, qid)
    if record is None:
        return None
    qfd = open_quarantine(quarantine_dir, create=False)
    try:
        data_name = qid + DATA_SUFFIX
        fd = os.open(data_name, _OPEN_FILE, dir_fd=qfd)
        try:
            digest, _length = sha256_fd(fd)
            if digest != record["sha256"]:
                raise UploadScanError(f"cannot release {qid}: its content no longer matches the recorded sha256")
            parent, base = _original_parent(record)
            try:
                _put_back(fd, qfd, data_name, parent, base, record)
            finally:
                os.close(parent)
        finally:
            os.close(fd)
        record = dict(record, released_at=_utc(now).isoformat(timespec="seconds"))
        _write_record(qfd, qid + RELEASED_SUFFIX, record)
        os.unlink(qid + RECORD_SUFFIX, dir_fd=qfd)
        return record
    finally:
        os.close(qfd)


def _put_back(fd, qfd, data_name, parent, base, record):
    try:
        os.link(data_name, base, src_dir_fd=qfd, dst_dir_fd=parent, follow_symlinks=False)
        placed = fd
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise UploadScanError(
                f"cannot release {record['id']} to {record['original_path']}: {exc.strerror}"
            ) from None
        _copy_across(fd, parent, base, record["sha256"])
        # Opened without following links: whatever now holds the name, no
        # link can turn the chmod below onto another file.
        placed = os.open(base, _OPEN_FILE, dir_fd=parent)
    try:
        os.unlink(data_name, dir_fd=qfd)
        if (os.fstat(placed).st_uid, os.fstat(placed).st_gid) != (record["uid"], record["gid"]):
            os.fchown(placed, record["uid"], record["gid"])
        os.fchmod(placed, int(record["mode"], 8) & 0o666)
        os.utime(placed, (record["mtime"], record["mtime"]))
    finally:
        if placed != fd:
            os.close(placed)
