#!/usr/bin/python
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: upload_scan
short_description: Check uploaded files by their content and quarantine the dangerous ones
version_added: 0.1.0
description:
  - Walks upload directories and gives every file a verdict from its content, not its name. The type comes from the
    header bytes, in pure Python (no libmagic needed on the host) - MP4, M4A and MOV (ISO BMFF C(ftyp) brands), 3GP,
    HEIF, WAV, AVI, MP3 (ID3 tag or frame sync), AAC (ADTS), FLAC, Ogg, WebM, Matroska, PNG, JPEG, GIF, WebP, BMP,
    TIFF, PDF and ZIP; and executable or script content - ELF, Windows MZ/PE, Mach-O, Java classes and archives, C(#!)
    scripts, PHP (C(<?php), C(<?=)), HTML, JavaScript and SVG with scripts, JSP and ASP pages.
  - Verdicts, the most serious first. V(executable) - executable or script content, whatever the name. V(polyglot) - a
    valid media or document header with script markers (C(<?php), C(<script), C(<%@ page)...) inside the first
    O(window) bytes, or a PDF with JavaScript. V(double_extension) - a name such as C(shell.php.mp4) whose inner
    extension a server may execute. V(oversize) - larger than O(max_size). V(extension_mismatch) - the extension is
    not one of the detected type's. V(type_not_allowed) - the type is not in O(allowed_types). V(empty) - no content.
    V(not_regular) - a symbolic link, FIFO, socket, device or mount point, reported but never followed, read or
    moved. V(unreadable) - it could not be opened or read. V(changed) - it vanished, shrank, grew or was replaced while
    it was checked, so it is left for the next scan. V(pending) - modified less than O(min_age) seconds ago.
    V(allowed) - none of these. Every verdict comes with a reason a person understands.
  - With O(action=quarantine) every flagged file that was read (not V(not_regular) or V(unreadable)) is moved into
    O(quarantine_dir), created with mode 0700, as C(ID.data) (mode 0400) beside C(ID.json), a record with its sha256,
    original path, the scanned directory it was found under, owner, mode, detected type, verdict, reason and time.
    Nothing is ever deleted.
  - O(action=release) puts the files of O(release_ids) back where they were, with their owner and mode without exec
    bits, and keeps the record as C(ID.released.json). A released file keeps its place in later scans while its
    content (sha256) is unchanged. The original path is opened one directory at a time from the scanned directory,
    never through a symbolic link, so a directory replaced by a link since the file was quarantined makes the release
    fail instead of writing elsewhere.
  - Never follows symbolic links (directories are walked through their file descriptors, files opened with
    C(O_NOFOLLOW)); does not enter other filesystems unless O(one_filesystem=false); reads at most O(window) bytes of
    each file, and the whole file only to hash one it moves.
  - The same code runs on hosts as the command C(aiguard-upload-scan) that the P(aiguard.hardening.upload_guard#role)
    role installs for systemd.
author:
  - aiguard.hardening maintainers (@aiguard)
extends_documentation_fragment:
  - aiguard.hardening.attributes
attributes:
  check_mode:
    support: full
    details:
      - Lists what would be quarantined or released (RV(files[].action) is V(would quarantine)).
  diff_mode:
    support: full
    details:
      - Returns the paths that are moved, before and after.
options:
  paths:
    description:
      - Directories to scan, recursively. Required unless O(action=release).
    type: list
    elements: path
  action:
    description:
      - V(report) only reports; V(quarantine) moves flagged files into O(quarantine_dir); V(release) puts the files of
        O(release_ids) back.
    type: str
    choices: [report, quarantine, release]
    default: report
  quarantine_dir:
    description:
      - The quarantine directory. Required with O(action=quarantine) or O(action=release). It must belong to the user
        running the module and have mode 0700; it is created so if missing. A quarantine directory inside a scanned
        directory is not scanned.
    type: path
  release_ids:
    description:
      - Ids of quarantined files to release, as RV(files[].quarantine_id) returned them. Fails if the original path is
        taken again, its directory is gone, a directory on the way is a symbolic link, or the path is not under the
        scanned directory it was quarantined from; an id released already is skipped.
    type: list
    elements: str
  allowed_types:
    description:
      - The content types the directories accept. Executable and script types cannot be allowed.
      - Other known types - V(3gp), V(heif), V(avi), V(pdf), V(zip), V(svg) (without scripts) and V(text).
    type: list
    elements: str
    default: [mp4, m4a, mov, wav, mp3, aac, flac, ogg, webm, mkv, png, jpeg, gif, webp, bmp, tiff]
  max_size:
    description:
      - Files larger than this get the verdict V(oversize). A size as nginx writes it (V(200m), V(512k), V(1g)) or a
        number of bytes. Keep it equal to nginx's C(client_max_body_size) for the app. Unset or V(0) - no limit.
    type: str
  window:
    description:
      - How many bytes of each file are read and searched for script markers. The default, one page, holds every
        header and the usual places of metadata (EXIF, XMP, ID3) and of C(GIF89a;<?php)-style prefixes.
    type: int
    default: 4096
  min_age:
    description:
      - Files modified less than this many seconds ago get the verdict V(pending) and are left alone, as they may
        still be being written. A file whose modification time is in the future is aged from its last change (its
        ctime) instead, so it is judged once it has been left alone this long.
    type: int
    default: 0
  one_filesystem:
    description:
      - Do not enter directories on another filesystem than the scanned directory (they are reported as
        V(not_regular)). A bind mount of a directory of the same filesystem is walked either way, unless it is a
        directory above it (reported as V(not_regular), so the walk cannot loop).
    type: bool
    default: true
  exclude:
    description:
      - Shell patterns of names (not paths) to skip, such as V(.nfs*).
    type: list
    elements: str
    default: []
  list_allowed:
    description:
      - List allowed files in RV(files) too. By default it only holds the others.
    type: bool
    default: false
notes:
  - Only the first O(window) bytes are searched for script markers; a script appended after a large media file is not
    seen. Files that a web server never executes and that are served with C(X-Content-Type-Options nosniff), as
    nginx_auth does, are harmless there.
  - Run as root to move files of other users; the quarantine is then readable by root only.
seealso:
  - name: upload_guard role
    description: Directories, size limits, continuous scanning with systemd and retention.
    link: https://github.com/aiguard/hardening/blob/main/roles/upload_guard/README.md
"""

EXAMPLES = r"""
---
- name: Report what is in the Gradio upload directory
  aiguard.hardening.upload_scan:
    paths: [/srv/aiguard-lab/gradio/uploads]
    max_size: 200m
  register: scan

- name: Quarantine executables, polyglots and disguised files
  aiguard.hardening.upload_scan:
    paths: [/srv/aiguard-lab/gradio/uploads]
    action: quarantine
    quarantine_dir: /var/lib/aiguard/quarantine/gradio
    allowed_types: [png, jpeg, webp, wav, mp3, flac, ogg, m4a]
    max_size: 200m
    min_age: 5

- name: Put back a file a person checked
  aiguard.hardening.upload_scan:
    action: release
    quarantine_dir: /var/lib/aiguard/quarantine/gradio
    release_ids: [20260101T120000Z-0123456789ab-a1b2c3]
"""

RETURN = r"""
counts:
  description: How many entries were scanned and what they got.
  returned: success
  type: dict
  contains:
    scanned:
      description: Entries with a result (files, links, special files, mount points).
      type: int
      sample: 120
    flagged:
      description: Entries whose verdict is not V(allowed), V(changed) or V(pending).
      type: int
      sample: 1
    quarantined:
      description: Files moved into the quarantine (in check mode, that would be).
      type: int
      sample: 1
    released:
      description: Files put back (in check mode, that would be).
      type: int
      sample: 0
    allowed:
      description: Files with the verdict V(allowed).
      type: int
      sample: 118
    executable:
      description: Files with the verdict V(executable).
      type: int
      sample: 1
    polyglot:
      description: Files with the verdict V(polyglot).
      type: int
      sample: 0
    double_extension:
      description: Files with the verdict V(double_extension).
      type: int
      sample: 0
    oversize:
      description: Files with the verdict V(oversize).
      type: int
      sample: 0
    extension_mismatch:
      description: Files with the verdict V(extension_mismatch).
      type: int
      sample: 0
    type_not_allowed:
      description: Files with the verdict V(type_not_allowed).
      type: int
      sample: 0
    empty:
      description: Files with the verdict V(empty).
      type: int
      sample: 0
    not_regular:
      description: Entries with the verdict V(not_regular).
      type: int
      sample: 0
    unreadable:
      description: Entries with the verdict V(unreadable).
      type: int
      sample: 0
    changed:
      description: Files with the verdict V(changed).
      type: int
      sample: 0
    pending:
      description: Files with the verdict V(pending).
      type: int
      sample: 1
files:
  description: One result per entry that is not allowed (per entry with O(list_allowed)), sorted by path.
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: The entry's path.
      type: str
      sample: /srv/aiguard-lab/gradio/uploads/avatar.php.mp4
    verdict:
      description: The verdict.
      type: str
      choices: [executable, polyglot, double_extension, oversize, extension_mismatch, type_not_allowed, empty,
                not_regular, unreadable, changed, pending, allowed]
      sample: executable
    type:
      description: The detected content type, such as V(mp4), V(php) or V(unknown); null when the file was not read.
      type: str
      sample: php
    mime:
      description: The MIME type of RV(files[].type).
      type: str
      sample: application/x-php
    size:
      description: Size in bytes; null when unknown.
      type: int
      sample: 31
    reason:
      description: Why, for a person.
      type: str
      sample: "content is PHP code: found '<?php' at byte 0"
    action:
      description: >-
        What was done - V(none), V(quarantined), V(would quarantine) (check mode) or
        V(kept: released from quarantine before).
      type: str
      sample: quarantined
    sha256:
      description: The sha256 of a file that was moved or checked against the released ones.
      type: str
      returned: when the file was hashed
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    quarantine_id:
      description: The id to release the file with.
      type: str
      returned: when quarantined
      sample: 20260101T120000Z-9f86d081884c-a1b2c3
    quarantine_path:
      description: Where the file is now.
      type: str
      returned: when quarantined
      sample: /var/lib/aiguard/quarantine/gradio/20260101T120000Z-9f86d081884c-a1b2c3.data
released:
  description: The records of the files put back (in check mode, that would be).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The quarantine id.
      type: str
      sample: 20260101T120000Z-9f86d081884c-a1b2c3
    original_path:
      description: Where the file is back.
      type: str
      sample: /srv/aiguard-lab/gradio/uploads/avatar.php.mp4
    sha256:
      description: Its sha256, checked before it was put back.
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    verdict:
      description: The verdict it was quarantined with.
      type: str
      sample: executable
    reason:
      description: The reason it was quarantined for.
      type: str
      sample: "content is PHP code: found '<?php' at byte 0"
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan.kinds import (
    DEFAULT_ALLOWED,
    QUARANTINE,
    REPORT,
    VERDICTS,
    UploadScanError,
    parse_size,
    printable,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan.quarantine import (
    DATA_SUFFIX,
    plan_release,
    release,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan.scan import scan
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan.verdict import Policy

RELEASE_KEYS = ("id", "original_path", "sha256", "verdict", "reason")


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path"),
            action=dict(type="str", choices=["report", "quarantine", "release"], default="report"),
            quarantine_dir=dict(type="path"),
            release_ids=dict(type="list", elements="str"),
            allowed_types=dict(type="list", elements="str", default=list(DEFAULT_ALLOWED)),
            max_size=dict(type="str"),
            window=dict(type="int", default=4096),
            min_age=dict(type="int", default=0),
            one_filesystem=dict(type="bool", default=True),
            exclude=dict(type="list", elements="str", default=[]),
            list_allowed=dict(type="bool", default=False),
        ),
        required_if=[
            ("action", "report", ["paths"]),
            ("action", "quarantine", ["paths", "quarantine_dir"]),
            ("action", "release", ["quarantine_dir", "release_ids"]),
        ],
        supports_check_mode=True,
    )
    p = module.params
    counts = dict(scanned=0, flagged=0, quarantined=0, released=0, **dict.fromkeys(VERDICTS, 0))
    result = dict(changed=False, counts=counts, files=[], released=[])
    diff = dict(before_header="", after_header="", before="", after="")
    try:
        if p["action"] == "release":
            # Plan first: every id must be releasable before any file moves.
            plans = [plan_release(p["quarantine_dir"], qid) for qid in p["release_ids"]]
            todo = [plan for plan in plans if plan is not None]
            if not module.check_mode:
                todo = [record for record in (release(p["quarantine_dir"], plan["id"]) for plan in todo) if record]
            result["released"] = [{key: record.get(key) for key in RELEASE_KEYS} for record in todo]
            counts["released"] = len(todo)
            diff.update(
                before_header=p["quarantine_dir"],
                after_header="original paths",
                before="".join(os.path.join(p["quarantine_dir"], r["id"] + DATA_SUFFIX) + "\n" for r in todo),
                after="".join(printable(r["original_path"]) + "\n" for r in todo),
            )
        else:
            policy = Policy(
                allowed_types=p["allowed_types"],
                max_size=parse_size(p["max_size"]),
                window=p["window"],
                action=QUARANTINE if p["action"] == "quarantine" else REPORT,
                quarantine_dir=p["quarantine_dir"],
                min_age=p["min_age"],
                one_filesystem=p["one_filesystem"],
                exclude=p["exclude"],
            )
            found, files = scan(p["paths"], policy, apply=not module.check_mode, list_allowed=p["list_allowed"])
            counts.update((key, found[key]) for key in counts if key in found)
            result["files"] = [dict(item) for item in files]
            moved = [item for item in files if item["action"] in ("quarantined", "would quarantine")]
            new_path = os.path.join(p["quarantine_dir"] or "", "NEW-ID" + DATA_SUFFIX)
            diff.update(
                before_header=", ".join(p["paths"]),
                after_header=p["quarantine_dir"] or "",
                before="".join(printable(item["path"]) + "\n" for item in moved),
                after="".join(item.get("quarantine_path", new_path) + "\n" for item in moved),
            )
    except UploadScanError as exc:
        module.fail_json(msg=str(exc), **result)
    result["changed"] = bool(counts["quarantined"] or counts["released"])
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
