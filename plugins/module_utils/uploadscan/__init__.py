# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check uploaded files by their content, quarantine the bad ones, expire old ones.

Plain Python (stdlib only, no AnsibleModule, no libmagic) so that the
upload_scan module, the unit tests and the host-side command that systemd
runs (``aiguard-upload-scan scan --config FILE``, this package as a
zipapp installed by the upload_guard role) are the same code.

What a scan does with each file under a directory:

* it walks with directory file descriptors (``os.scandir(fd)``, ``openat``
  with ``O_NOFOLLOW``): a symbolic link is reported, never followed, and a
  directory swapped for a link during the scan cannot redirect it;
* it stays on the directory's filesystem unless asked (``one_filesystem``);
* it reads at most ``window`` bytes from the start of each file, once, with
  ``O_NONBLOCK`` (a FIFO cannot block it) and checks it is still the same
  regular file it listed; a file that vanished or changed size while it was
  read is reported as such and left alone for the next scan;
* the content type comes from the header bytes (``sniff``), then the file
  gets one verdict (``judge``) with a reason a person understands;
* with the ``quarantine`` action a flagged file is moved (renamed, or copied
  then unlinked across filesystems) into a 0700 directory beside a JSON
  record: sha256, original path, owner, mode, detected type, verdict, reason
  and time. Nothing is ever deleted by a scan; ``release`` puts a file back
  (through the same descriptor walk from the scanned directory, so never
  through a link and never outside it) and remembers its sha256 so the next
  scan leaves it where it is.

Retention (``expire``) is the only code that deletes: files older than a
number of days and, with a size cap, the oldest files until the directory
fits; it never follows links or leaves the filesystem, and logs each file.

One concern a file: ``kinds`` (the names every part shares: types,
verdicts, sizes), ``sniff`` (types from header bytes), ``verdict`` (Policy
and judge), ``walk`` (the read-only tree walk), ``quarantine`` (store and
release), ``scan`` (a walk that quarantines), ``retention`` (expire) and
``cli`` (the host-side command; ``__main__`` runs it).
"""
