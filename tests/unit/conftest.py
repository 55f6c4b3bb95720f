# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make this checkout importable as ``ansible_collections.aiguard.hardening``.

scripts/bootstrap.sh links the repository into .cache/collections; the link
is created here too if missing, so ``pytest tests/unit`` works on a fresh
clone. ``ansible_collections`` is a namespace package, so this portion is
merged with the collections the ``ansible`` package installs.

Also provides ``proc_tree``: a fake procfs built from the captured fixtures.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".cache" / "collections"
LINK = COLLECTIONS / "ansible_collections" / "aiguard" / "hardening"
PROCNET_FIXTURES = Path(__file__).resolve().parent / "plugins" / "module_utils" / "fixtures" / "procnet"


def _link_collection():
    if not LINK.exists():
        LINK.parent.mkdir(parents=True, exist_ok=True)
        if LINK.is_symlink():  # dangling: the checkout moved
            LINK.unlink()
        LINK.symlink_to(os.path.relpath(ROOT, LINK.parent), target_is_directory=True)
    if str(COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS))


_link_collection()


def build_proc_tree(dest, tables=None, processes=None):
    """Write a fake procfs under ``dest`` and return its path as a string.

    ``tables`` maps a /proc/net table name to its text; by default the four
    captured tables are copied. ``processes`` maps a pid to ``{"comm": str
    or None, "fds": {fd: link target}}``; by default the captured
    processes.json. A comm of None leaves the comm file out, as if the
    process exited mid-scan.
    """
    dest = Path(dest)
    (dest / "net").mkdir(parents=True, exist_ok=True)
    if tables is None:
        for table in ("tcp", "tcp6", "udp", "udp6"):
            shutil.copyfile(PROCNET_FIXTURES / "net" / table, dest / "net" / table)
    else:
        for table, text in tables.items():
            (dest / "net" / table).write_text(text)
    if processes is None:
        processes = json.loads((PROCNET_FIXTURES / "processes.json").read_text())
    for pid, proc in processes.items():
        fd_dir = dest / str(pid) / "fd"
        fd_dir.mkdir(parents=True)
        if proc.get("comm") is not None:
            (dest / str(pid) / "comm").write_text(proc["comm"] + "\n")
        for fd, target in proc.get("fds", {}).items():
            os.symlink(target, fd_dir / str(fd))
    # Entries a real /proc has that are not processes.
    (dest / "self").mkdir(exist_ok=True)
    (dest / "sys").mkdir(exist_ok=True)
    return str(dest)


@pytest.fixture
def proc_tree(tmp_path):
    """Factory: ``proc_tree(tables=None, processes=None)`` -> proc_root path."""
    count = iter(range(1000))

    def make(tables=None, processes=None):
        return build_proc_tree(tmp_path / f"proc{next(count)}", tables, processes)

    return make


# The shared real-data directory next to the checkout (see the lab_data marker).
SHARED_DATA = ROOT.parent / "shared" / "data"
OSV_EXPORT = SHARED_DATA / "osv-pypi-pypa-advisory-database-2024-10-10.zip"


@pytest.fixture(scope="session")
def osv_export():
    """The path of the real OSV export (PyPA advisory database, 2024-10-10); skips when it is absent."""
    if not OSV_EXPORT.is_file():
        pytest.skip(f"no OSV export at {OSV_EXPORT} (the shared test data is not next to this checkout)")
    return str(OSV_EXPORT)


@pytest.fixture(scope="session")
def osv_database(osv_export):
    """The real OSV export loaded once per test session."""
    from ansible_collections.aiguard.hardening.plugins.module_utils import osvaudit

    return osvaudit.load(osv_export)
