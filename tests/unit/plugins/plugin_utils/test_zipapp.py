# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The zipapp builder: the same code gives the same bytes, only the package goes in, and the zipapp runs."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ansible_collections.aiguard.hardening.plugins.plugin_utils import zipapp

PACKAGE = Path(__file__).resolve().parents[4] / "plugins" / "module_utils" / "uploadscan"
MODULES = sorted(path.name for path in PACKAGE.glob("*.py"))


def members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.infolist()


@pytest.fixture
def pyz(tmp_path):
    data = zipapp.upload_scan_zipapp()[0]
    path = tmp_path / "aiguard-upload-scan.pyz"
    path.write_bytes(data)
    return path


def test_the_package_is_found_through_the_import_path():
    assert Path(zipapp.package_dir(zipapp.UPLOAD_SCAN_PACKAGE)).resolve() == PACKAGE.resolve()


def test_the_same_code_gives_the_same_bytes(tmp_path):
    first = zipapp.upload_scan_zipapp()[0]
    # A copy elsewhere, with other times and a byte-code cache: still the same archive.
    copy = tmp_path / "elsewhere" / "uploadscan"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for index, path in enumerate(sorted(copy.iterdir())):
        os.utime(path, (1_000_000 + index, 2_000_000_000 - index))
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"\x00cache")
    (copy / "notes.txt").write_text("not code")
    again = zipapp.build(zipapp.package_files(str(copy), "uploadscan"), zipapp.UPLOAD_SCAN_MAIN)
    assert again == first
    assert zipapp.sha256(again) == zipapp.sha256(first)


def test_other_code_gives_other_bytes(tmp_path):
    copy = tmp_path / "uploadscan"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    first = zipapp.build(zipapp.package_files(str(copy), "uploadscan"), zipapp.UPLOAD_SCAN_MAIN)
    with open(copy / "kinds.py", "a") as handle:
        handle.write("\n# changed\n")
    assert zipapp.build(zipapp.package_files(str(copy), "uploadscan"), zipapp.UPLOAD_SCAN_MAIN) != first


def test_content():
    data, names = zipapp.upload_scan_zipapp()
    infos = members(data)
    assert [info.filename for info in infos] == names == ["__main__.py", *(f"uploadscan/{name}" for name in MODULES)]
    assert names == sorted(names)
    for info in infos:
        assert info.date_time == zipapp.DATE_TIME
        assert info.external_attr >> 16 == 0o100644
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.extra == b"" and info.comment == b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in MODULES:
            assert archive.read(f"uploadscan/{name}") == (PACKAGE / name).read_bytes()
        assert archive.read("__main__.py").decode() == zipapp.UPLOAD_SCAN_MAIN
        assert archive.comment == b""


def test_nothing_of_the_building_machine_goes_in():
    data = zipapp.upload_scan_zipapp()[0]
    assert str(PACKAGE).encode() not in data
    assert os.path.expanduser("~").encode() + b"/" not in data


@pytest.mark.parametrize(
    ("args", "rc", "expected"),
    [
        pytest.param(["--help"], 0, "usage: aiguard-upload-scan", id="help"),
        pytest.param(["scan", "--help"], 0, "usage: aiguard-upload-scan scan", id="scan-help"),
        pytest.param(["check-config", "/nonexistent.json"], 2, "cannot read the configuration", id="bad-config"),
    ],
)
def test_the_zipapp_runs(pyz, tmp_path, args, rc, expected):
    # As the command runs it: isolated (-I), from / .
    out = subprocess.run(
        [sys.executable, "-I", str(pyz), *args], capture_output=True, text=True, cwd="/", check=False, timeout=60
    )
    assert out.returncode == rc, out.stderr
    assert expected in out.stdout + out.stderr


def test_the_zipapp_checks_and_scans(pyz, tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "avatar.php.mp4").write_bytes(b"<?php system($_GET['c']); ?>")
    config = tmp_path / "upload-scan.json"
    config.write_text(json.dumps({"directories": [{"path": str(uploads), "action": "report"}]}))
    check = subprocess.run(
        [sys.executable, "-I", str(pyz), "check-config", str(config)], capture_output=True, check=False
    )
    assert check.returncode == 0, check.stderr
    scan = subprocess.run(
        [sys.executable, "-I", str(pyz), "scan", "--config", str(config)], capture_output=True, text=True, check=False
    )
    assert f"executable: {uploads}/avatar.php.mp4" in scan.stdout, (scan.stdout, scan.stderr)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: zipapp.package_dir("ansible_collections.aiguard.hardening.nope"), "cannot import", id="x"),
        pytest.param(lambda: zipapp.package_dir("json.decoder"), "is not a package of files", id="module"),
        pytest.param(lambda: zipapp.build([("__main__.py", b"")], ""), "two entries of the same name", id="twice"),
    ],
)
def test_errors(call, message):
    with pytest.raises(zipapp.ZipappError, match=message):
        call()


def test_a_directory_without_init_is_no_package(tmp_path):
    (tmp_path / "cli.py").write_text("")
    with pytest.raises(zipapp.ZipappError, match=r"has no __init__\.py"):
        zipapp.package_files(str(tmp_path), "uploadscan")
