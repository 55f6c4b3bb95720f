# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verdict on one file: a Policy (what a directory accepts) and judge()."""

from __future__ import annotations

from .kinds import (
    ACTIONS,
    ALLOWED,
    DANGEROUS,
    DEFAULT_ALLOWED,
    DOCUMENT,
    DOUBLE_EXTENSION,
    EMPTY,
    EXECUTABLE,
    EXTENSION_MISMATCH,
    MEDIA,
    OVERSIZE,
    POLYGLOT,
    QUARANTINE,
    REPORT,
    RISKY_EXTENSIONS,
    TYPE_NOT_ALLOWED,
    TYPES,
    WINDOW,
    Detection,
    UploadScanError,
)

# ---------------------------------------------------------------------------
# Verdicts.
from .sniff import sniff


class Policy:
    """What a directory accepts: types, size limit, window, action."""

    def __init__(
        self,
        allowed_types=DEFAULT_ALLOWED,
        max_size=None,
        window=WINDOW,
        action=REPORT,
        quarantine_dir=None,
        min_age=0,
        one_filesystem=True,
        exclude=(),
    ):
        unknown = sorted(set(allowed_types) - set(TYPES))
        if unknown:
            raise UploadScanError(
                f"allowed_types: unknown type(s) {', '.join(unknown)}; known types are "
                + ", ".join(sorted(t for t, k in TYPES.items() if k.family != DANGEROUS))
            )
        dangerous = sorted(t for t in allowed_types if TYPES[t].family == DANGEROUS)
        if dangerous:
            raise UploadScanError(
                f"allowed_types: {', '.join(dangerous)} is executable or script content and cannot be allowed"
            )
        if action not in ACTIONS:
            raise UploadScanError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
        if action == QUARANTINE and not quarantine_dir:
            raise UploadScanError("action quarantine needs a quarantine directory")
        if window < 64:
            raise UploadScanError(f"the scan window must be at least 64 bytes to hold every header, not {window}")
        self.allowed_types = frozenset(allowed_types)
        self.max_size = max_size
        self.window = window
        self.action = action
        self.quarantine_dir = quarantine_dir
        self.min_age = min_age
        self.one_filesystem = one_filesystem
        self.exclude = tuple(exclude)


def extensions(name):
    """The extensions of a file name, lower-case, leading dots of hidden files ignored: a.PHP.mp4 -> [php, mp4]."""
    if name.count(".") == 1 and name[0] != ".":
        ext = name[name.index(".") + 1 :].lower()
        return [ext] if ext else []
    parts = name.lstrip(".").lower().split(".")
    return [part for part in parts[1:] if part]


def judge(name, size, head, policy):
    """``(verdict, detection, reason)`` for a regular file of ``size`` bytes whose first bytes are ``head``."""
    if size == 0:
        return EMPTY, Detection("unknown"), "the file is empty, so there is no content to check"
    detection = sniff(head)
    kind = TYPES[detection.type]
    exts = extensions(name)
    if kind.family == DANGEROUS:
        return EXECUTABLE, detection, f"content is {_shown(detection)}, which must never be stored as an upload"
    marker = detection.marker
    if marker:
        where = f"{marker[2]!r} at byte {marker[1]}"
        if kind.family in (MEDIA, DOCUMENT):
            return (
                POLYGLOT,
                detection,
                f"a valid {kind.label} header with {TYPES[marker[0]].label if marker[0] in TYPES else 'active PDF'}"
                f" inside ({where}): a polyglot that a server or browser could run",
            )
        detection = Detection(marker[0], f"marker {where}")
        return EXECUTABLE, detection, f"content is {TYPES[marker[0]].label}: found {where}"
    if len(exts) > 1:
        risky = [ext for ext in exts[:-1] if ext in RISKY_EXTENSIONS]
        if risky:
            return (
                DOUBLE_EXTENSION,
                detection,
                f"the name '{name}' hides a .{risky[0]} extension before .{exts[-1]}: a misconfigured server runs"
                f" such files (content is {_shown(detection)})",
            )
    if policy.max_size is not None and size > policy.max_size:
        return OVERSIZE, detection, f"{size} bytes is over the limit of {policy.max_size} bytes"
    if exts and exts[-1] not in kind.extension_set and kind.name != "unknown":
        expected = ", ".join("." + e for e in kind.extensions) or "none"
        return (
            EXTENSION_MISMATCH,
            detection,
            f"the extension .{exts[-1]} does not match the content, {_shown(detection)} (expected {expected})",
        )
    if detection.type not in policy.allowed_types:
        return (
            TYPE_NOT_ALLOWED,
            detection,
            f"content is {_shown(detection)}, which this directory does not accept (allowed: "
            f"{', '.join(sorted(policy.allowed_types)) or 'nothing'})",
        )
    return ALLOWED, detection, f"content is {kind.label}"


def _shown(detection):
    kind = TYPES[detection.type]
    return f"{kind.label} ({detection.detail})" if detection.detail else kind.label
