# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A whole scan: the walk, with flagged files quarantined when the policy says so."""

from __future__ import annotations

import os

from .kinds import (
    QUARANTINE,
)
from .quarantine import open_quarantine, quarantine, released_hashes, sha256_fd
from .walk import _new_counts, _Walk

# ---------------------------------------------------------------------------
# A whole scan.


def scan(paths, policy, apply=True, list_allowed=False, now=None):
    """Scan ``paths`` with ``policy``; quarantine flagged files when ``apply`` and the action says so.

    Returns ``(counts, results)``: counts per verdict (and ``scanned``,
    ``flagged``, ``quarantined``, ``newest_mtime``, the newest mtime of any
    file or directory seen) and the results of every entry that is not
    allowed (of all with ``list_allowed``). Without ``apply`` (check mode)
    the results say what would be quarantined (``action: would
    quarantine``) and nothing on disk changes.
    """
    counts = _new_counts()
    results = []
    qfd = None
    released = frozenset()
    skip = ()
    try:
        if policy.action == QUARANTINE:
            qdir = os.path.abspath(policy.quarantine_dir)
            if apply or os.path.isdir(qdir):
                qfd = open_quarantine(qdir, create=apply)
                qst = os.fstat(qfd)
                skip = ((qst.st_dev, qst.st_ino),)
                released = frozenset(released_hashes(qfd))

            def on_flagged(result, dir_fd, name, fd, fst):
                verdict = result["verdict"]
                if apply:
                    quarantine(result, dir_fd, name, fd, fst, qfd, policy.quarantine_dir, walk.root, released, now)
                elif released and (result["path"], sha256_fd(fd)[0]) in released:
                    result["action"] = "kept: released from quarantine before"
                else:
                    result["action"] = "would quarantine"
                if result["action"] in ("quarantined", "would quarantine"):
                    counts["quarantined"] += 1
                elif result["verdict"] != verdict:  # it changed under the quarantine: not flagged after all
                    counts["flagged"] -= 1
                    counts[verdict] -= 1
                    counts[result["verdict"]] += 1
        else:
            on_flagged = None
        walk = _Walk(policy, counts, results, on_flagged, list_allowed, now, skip)
        for path in paths:
            walk.run(os.path.abspath(path))
        # Directory order is the filesystem's; results are sorted for people and diffs.
        results.sort(key=lambda result: result["path"])
    finally:
        if qfd is not None:
            os.close(qfd)
    counts["newest_mtime"] = walk.newest
    return counts, results
