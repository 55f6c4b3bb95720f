# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The upload_scan_zipapp action's plan: what it writes, when, and what it reports, with the host faked."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.aiguard.hardening.plugins.action.upload_scan_zipapp import ActionModule
from ansible_collections.aiguard.hardening.plugins.plugin_utils import zipapp

DEST = "/usr/local/lib/aiguard/aiguard-upload-scan.pyz"
DATA = zipapp.upload_scan_zipapp()[0]
CHECKSUM = zipapp.sha256(DATA)
SAME = {"exists": True, "isreg": True, "checksum": CHECKSUM, "size": len(DATA)}
OTHER = {"exists": True, "isreg": True, "checksum": "0" * 64, "size": 10}
MISSING = {"exists": False}
ATTRIBUTES_DIFF = {"before": {"path": DEST, "mode": "0600"}, "after": {"path": DEST, "mode": "0644"}}


def action(stat, check_mode=False, diff=False, attributes_changed=False, args=None):
    """(the action, the modules it ran, the writes it made) against a host whose file has STAT."""
    task = MagicMock(async_val=0, check_mode=check_mode, diff=diff, args=dict(args or {}), action="upload_scan_zipapp")
    connection = MagicMock()
    connection._shell.tmpdir = "/tmp/remote"
    plugin = ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())
    ran, writes = [], []

    def execute(module_name, module_args, task_vars):
        ran.append((module_name, module_args))
        if module_name == "ansible.legacy.stat":
            return {"stat": stat}
        return {"changed": attributes_changed, "diff": ATTRIBUTES_DIFF}

    def write(data, args, task_vars):
        writes.append((data, args))
        return {"changed": True}

    plugin._execute_module = execute
    plugin._write = write
    plugin._remove_tmp_path = MagicMock()
    return plugin, ran, writes


@pytest.mark.parametrize(
    ("stat", "check_mode", "attributes_changed", "changed", "modules", "written"),
    [
        pytest.param(MISSING, False, False, True, ["stat"], True, id="missing-written"),
        pytest.param(OTHER, False, False, True, ["stat"], True, id="different-written"),
        pytest.param(SAME, False, False, False, ["stat", "file"], False, id="same-attributes-only"),
        pytest.param(SAME, False, True, True, ["stat", "file"], False, id="same-attributes-changed"),
        pytest.param(MISSING, True, False, True, ["stat"], False, id="check-missing"),
        pytest.param(OTHER, True, False, True, ["stat"], False, id="check-different"),
        pytest.param(SAME, True, False, False, ["stat", "file"], False, id="check-same"),
    ],
)
def test_plan(stat, check_mode, attributes_changed, changed, modules, written):
    plugin, ran, writes = action(stat, check_mode=check_mode, attributes_changed=attributes_changed)
    result = plugin.run(task_vars={})
    assert result["changed"] is changed
    assert [name.rsplit(".", 1)[1] for name, _args in ran] == modules
    assert bool(writes) is written
    assert (result["dest"], result["checksum"], result["size"]) == (DEST, CHECKSUM, len(DATA))
    assert result["entries"][0] == "__main__.py" and "uploadscan/cli.py" in result["entries"]
    assert "diff" not in result
    plugin._remove_tmp_path.assert_called_once_with("/tmp/remote")


def test_the_host_file_is_compared_by_sha256_and_written_with_its_attributes():
    plugin, ran, writes = action(OTHER, args={"mode": "0640", "group": "staff"})
    plugin.run(task_vars={})
    assert ran[0][1] == {"path": DEST, "follow": False, "get_checksum": True, "checksum_algorithm": "sha256"}
    [(data, args)] = writes
    assert data == DATA and (args["dest"], args["owner"], args["group"], args["mode"]) == (
        DEST,
        "root",
        "staff",
        "0640",
    )


def test_an_unchanged_file_only_gets_its_attributes():
    plugin, ran, _writes = action(SAME)
    plugin.run(task_vars={})
    assert ran[1] == (
        "ansible.legacy.file",
        {"path": DEST, "state": "file", "owner": "root", "group": "root", "mode": "0644", "follow": False},
    )


@pytest.mark.parametrize(
    ("stat", "attributes_changed", "expected"),
    [
        pytest.param(
            OTHER,
            False,
            [
                {
                    "before_header": f"{DEST} (zipapp)",
                    "after_header": f"{DEST} (zipapp built from the collection)",
                    "before": f"sha256: {'0' * 64}\nsize: 10 bytes\n",
                    "after": f"sha256: {CHECKSUM}\nsize: {len(DATA)} bytes\n",
                }
            ],
            id="content",
        ),
        pytest.param(
            MISSING,
            False,
            [
                {
                    "before_header": f"{DEST} (zipapp)",
                    "after_header": f"{DEST} (zipapp built from the collection)",
                    "before": "",
                    "after": f"sha256: {CHECKSUM}\nsize: {len(DATA)} bytes\n",
                }
            ],
            id="new",
        ),
        pytest.param(SAME, True, [ATTRIBUTES_DIFF], id="attributes"),
        pytest.param(SAME, False, None, id="nothing"),
    ],
)
def test_diff(stat, attributes_changed, expected):
    plugin, _ran, _writes = action(stat, check_mode=True, diff=True, attributes_changed=attributes_changed)
    assert plugin.run(task_vars={}).get("diff") == expected


@pytest.mark.parametrize(
    ("stat", "message"),
    [
        pytest.param({"exists": True, "isreg": False, "isdir": True}, "exists and is not a regular file", id="dir"),
    ],
)
def test_a_dest_that_is_no_file_fails(stat, message):
    plugin, _ran, writes = action(stat)
    with pytest.raises(AnsibleActionFail, match=message):
        plugin.run(task_vars={})
    assert not writes
    plugin._remove_tmp_path.assert_called_once()


def test_unknown_options_fail():
    plugin, _ran, _writes = action(SAME, args={"src": "/tmp/x"})
    with pytest.raises(AnsibleActionFail):
        plugin.run(task_vars={})
