# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deterministic zipapps of the collection's Python, built on the controller.

The same code gives the same bytes, so a task that installs a zipapp is
idempotent and its sha256 says which code a host runs:

* every entry has the same timestamp (1980-01-01, the earliest a zip file
  holds) and mode (0644), and the entries are sorted by name;
* entries are stored, not compressed: deflate's output depends on the zlib
  the controller's Python was built with, and two controllers would then
  give two archives of the same code (the scanner is some 70 KiB);
* only the package's ``.py`` files go in (no ``__pycache__``, no other
  files that happen to lie beside them), and nothing of the machine that
  built it: no paths, owners, times or comments.

Python runs a zip file whose top level holds ``__main__.py``
(``python3 app.pyz ARGS``), with the archive first on ``sys.path``.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import zipfile

# The earliest time a zip entry can hold, and the mode of each entry.
DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
# The host-side upload scanner: the collection's uploadscan package.
UPLOAD_SCAN_PACKAGE = "ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan"
UPLOAD_SCAN_MAIN = '''"""aiguard-upload-scan: aiguard.hardening's upload scanner, the uploadscan package."""

import sys

from uploadscan.cli import cli

sys.exit(cli())
'''


class ZipappError(ValueError):
    """A package that cannot be made into a zipapp; the message says what to do."""


def package_dir(name):
    """The directory of the package NAME, found through the import system (the collection's import path)."""
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        raise ZipappError(
            f"cannot import {name} ({error}); is the collection installed where Ansible finds it?"
        ) from None
    if not getattr(module, "__path__", None) or not getattr(module, "__file__", None):
        raise ZipappError(f"{name} is not a package of files; a zipapp is made of a package's .py files")
    return os.path.dirname(module.__file__)


def package_files(directory, arcname):
    """[(name in the archive, content)] of the .py files under DIRECTORY, as ARCNAME/..., sorted by name."""
    files = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in names:
            if name.endswith(".py") and not name.startswith("."):
                path = os.path.join(root, name)
                relative = os.path.relpath(path, directory).replace(os.sep, "/")
                with open(path, "rb") as handle:
                    files.append((f"{arcname}/{relative}", handle.read()))
    if f"{arcname}/__init__.py" not in (entry[0] for entry in files):
        raise ZipappError(f"{directory} has no __init__.py; a zipapp needs a package")
    return sorted(files)


def build(files, main):
    """The bytes of a zipapp of FILES ([(name, content)]) that runs MAIN (the top-level __main__.py)."""
    entries = sorted([("__main__.py", main.encode() if isinstance(main, str) else main), *files])
    names = [entry[0] for entry in entries]
    if len(set(names)) != len(names):
        raise ZipappError(f"two entries of the same name in {names}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=DATE_TIME)
            info.create_system = 3  # Unix, whatever the controller: the mode bits below mean what they say
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, content)
    return buffer.getvalue()


def upload_scan_zipapp():
    """(bytes, entry names) of the aiguard-upload-scan zipapp of the installed collection's uploadscan package."""
    files = package_files(package_dir(UPLOAD_SCAN_PACKAGE), "uploadscan")
    data = build(files, UPLOAD_SCAN_MAIN)
    return data, sorted(["__main__.py", *(entry[0] for entry in files)])


def sha256(data):
    return hashlib.sha256(data).hexdigest()
