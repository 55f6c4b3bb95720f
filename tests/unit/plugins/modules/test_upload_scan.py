# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run upload_scan's main() as Ansible would: report, quarantine, release, check and diff mode, failures."""

from __future__ import annotations

import io
import json
import os
import wave

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan import kinds as us
from ansible_collections.aiguard.hardening.plugins.modules import upload_scan

MP4 = bytes.fromhex("000000206674797069736f6d0000020069736f6d69736f32617663316d70343100000008667265650001dacd6d646174")
SHELL = b"<?php system($_GET['cmd']); ?>\n"


def _wav():
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    return buf.getvalue()


@pytest.fixture
def uploads(tmp_path):
    up = tmp_path / "uploads"
    (up / "0f3a").mkdir(parents=True)
    (up / "0f3a" / "clip.mp4").write_bytes(MP4)
    (up / "voice.wav").write_bytes(_wav())
    (up / "avatar.php.mp4").write_bytes(SHELL)
    return up


@pytest.fixture
def run(run_main):
    def call(args):
        return run_main(upload_scan.main, args)

    return call


def test_report_changes_nothing(run, uploads):
    failed, result = run({"paths": [str(uploads)]})
    assert not failed, result.get("msg")
    assert result["changed"] is False
    assert result["counts"]["scanned"] == 3 and result["counts"]["flagged"] == 1
    assert result["counts"]["executable"] == 1 and result["counts"]["allowed"] == 2
    [item] = result["files"]
    assert item["path"] == str(uploads / "avatar.php.mp4") and item["verdict"] == "executable"
    assert item["type"] == "php" and item["action"] == "none" and "PHP code" in item["reason"]
    assert (uploads / "avatar.php.mp4").exists()


def test_quarantine_check_mode_diff_then_apply_then_idempotent(run, uploads, tmp_path):
    qdir = str(tmp_path / "quarantine")
    args = {"paths": [str(uploads)], "action": "quarantine", "quarantine_dir": qdir}
    failed, result = run(dict(args, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed, result.get("msg")
    assert result["changed"] is True and result["counts"]["quarantined"] == 1
    assert result["files"][0]["action"] == "would quarantine"
    assert result["diff"]["before"] == f"{uploads}/avatar.php.mp4\n"
    assert result["diff"]["after"] == f"{qdir}/NEW-ID.data\n"
    assert (uploads / "avatar.php.mp4").exists() and not os.path.exists(qdir)

    failed, result = run(dict(args, _ansible_diff=True))
    assert not failed and result["changed"] is True
    item = result["files"][0]
    assert item["action"] == "quarantined" and not (uploads / "avatar.php.mp4").exists()
    assert result["diff"]["after"] == item["quarantine_path"] + "\n"
    with open(os.path.join(qdir, item["quarantine_id"] + ".json"), encoding="utf-8") as handle:
        record = json.load(handle)
    assert record["original_path"] == str(uploads / "avatar.php.mp4") and record["sha256"] == item["sha256"]

    for check_mode in (False, True):
        failed, result = run(dict(args, _ansible_check_mode=check_mode))
        assert not failed and result["changed"] is False and result["files"] == []

    # release, planned in check mode first
    release = {"action": "release", "quarantine_dir": qdir, "release_ids": [item["quarantine_id"]]}
    failed, result = run(dict(release, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result["changed"] is True and not (uploads / "avatar.php.mp4").exists()
    assert result["diff"]["after"] == f"{uploads}/avatar.php.mp4\n"
    failed, result = run(release)
    assert not failed and result["changed"] is True
    assert result["released"] == [
        dict(
            id=item["quarantine_id"],
            original_path=str(uploads / "avatar.php.mp4"),
            sha256=item["sha256"],
            verdict="executable",
            reason=item["reason"],
        )
    ]
    assert (uploads / "avatar.php.mp4").read_bytes() == SHELL
    failed, result = run(release)
    assert not failed and result["changed"] is False
    # A released file is left where it is by later scans.
    failed, result = run(args)
    assert not failed and result["changed"] is False
    assert result["files"][0]["action"] == "kept: released from quarantine before"


def test_diff_lists_one_path_a_line_whatever_the_names(run, uploads, tmp_path):
    """The diff is one path a line: a name's newline or escape sequence is escaped, the results keep the name."""
    name = "evil\nforged\x1b[2J.php.mp4"
    (uploads / name).write_bytes(SHELL)
    qdir = str(tmp_path / "quarantine")
    args = {"paths": [str(uploads)], "action": "quarantine", "quarantine_dir": qdir, "_ansible_diff": True}
    failed, result = run(args)
    assert not failed, result.get("msg")
    assert result["diff"]["before"] == f"{uploads}/avatar.php.mp4\n{uploads}/evil\\nforged\\x1b[2J.php.mp4\n"
    assert str(uploads / name) in [item["path"] for item in result["files"]]
    ids = [item["quarantine_id"] for item in result["files"]]
    failed, result = run({"action": "release", "quarantine_dir": qdir, "release_ids": ids, "_ansible_diff": True})
    assert not failed, result.get("msg")
    assert len(result["diff"]["after"].splitlines()) == 2 and "\x1b" not in result["diff"]["after"]
    assert (uploads / name).exists()


@pytest.mark.parametrize(
    ("args", "check"),
    [
        ({"max_size": "1k"}, lambda r: r["counts"]["oversize"] == 1),
        ({"allowed_types": ["mp4"]}, lambda r: r["counts"]["type_not_allowed"] == 1),
        ({"exclude": ["avatar.*"]}, lambda r: r["counts"]["scanned"] == 2 and r["counts"]["flagged"] == 0),
        ({"min_age": 3600}, lambda r: r["counts"]["pending"] == 3),
        ({"list_allowed": True}, lambda r: len(r["files"]) == 3),
        ({"window": 64}, lambda r: r["counts"]["flagged"] == 1),
    ],
)
def test_options(run, uploads, args, check):
    failed, result = run(dict({"paths": [str(uploads)]}, **args))
    assert not failed, result.get("msg")
    assert check(result), result["counts"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"action": "quarantine"}, "missing: paths, quarantine_dir"),
        ({}, "missing: paths"),
        ({"action": "release", "quarantine_dir": "/tmp"}, "missing: release_ids"),
        ({"paths": ["UP"], "allowed_types": ["exe"]}, "unknown type(s) exe"),
        ({"paths": ["UP"], "allowed_types": ["elf", "png"]}, "elf is executable or script content"),
        ({"paths": ["UP"], "max_size": "lots"}, "not a size nginx understands"),
        ({"paths": ["UP/missing"]}, "cannot open directory"),
        ({"action": "release", "quarantine_dir": "Q", "release_ids": ["x"]}, "is not a quarantine id"),
    ],
)
def test_failures(run, uploads, tmp_path, args, message):
    args = json.loads(json.dumps(args).replace('"UP', f'"{uploads}').replace('"Q"', f'"{tmp_path}/q"'))
    failed, result = run(args)
    assert failed and message in result["msg"], result["msg"]


def test_documentation_matches_the_module(run, uploads, tmp_path, module_init):
    """The documented attributes and return values are what the module does and returns."""
    qdir = str(tmp_path / "quarantine")
    failed, result = run({"paths": [str(uploads)], "action": "quarantine", "quarantine_dir": qdir})
    assert not failed
    doc = yaml.safe_load(upload_scan.DOCUMENTATION)
    assert module_init["supports_check_mode"] is True
    assert doc["attributes"]["check_mode"]["support"] == "full"
    assert doc["attributes"]["diff_mode"]["support"] == "full"
    # The module's defaults are the scanner's (validate-modules matches them with the documentation).
    spec = module_init["argument_spec"]
    assert spec["allowed_types"]["default"] == list(us.DEFAULT_ALLOWED)
    assert spec["window"]["default"] == us.WINDOW

    returned = yaml.safe_load(upload_scan.RETURN)
    assert set(returned) == set(result) - {"changed"}
    assert set(returned["counts"]["contains"]) == set(result["counts"])
    assert set(returned["files"]["contains"]) == set(result["files"][0])
    assert returned["files"]["contains"]["verdict"]["choices"] == list(us.VERDICTS)
    failed, released = run(
        {"action": "release", "quarantine_dir": qdir, "release_ids": [result["files"][0]["quarantine_id"]]}
    )
    assert set(returned["released"]["contains"]) == set(released["released"][0])
    yaml.safe_load(upload_scan.EXAMPLES)
