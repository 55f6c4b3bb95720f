# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the upload scanner's zipapp on the controller and install it on the host.

Documented in ``plugins/modules/upload_scan_zipapp.py``. The plan comes
first: the sha256 of the zipapp built from the collection's code against
the one of the file on the host (``stat``). Only a different or missing
file is written (through ``copy``, which writes atomically); an unchanged
one only gets its owner, group and mode checked (``file``). In check mode
nothing is written.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.aiguard.hardening.plugins.plugin_utils import zipapp

# The module's documentation (plugins/modules/upload_scan_zipapp.py) says the
# same. dest is a str: type path would expand ~ and $VARS on the controller.
ARGUMENT_SPEC = {
    "dest": dict(type="str", default="/usr/local/lib/aiguard/aiguard-upload-scan.pyz"),
    "owner": dict(type="str", default="root"),
    "group": dict(type="str", default="root"),
    "mode": dict(type="raw", default="0644"),
}


def _describe(stat):
    """What the diff shows of a zipapp: its sha256 and size (the bytes are a zip file)."""
    if not stat:
        return ""
    return f"sha256: {stat['checksum']}\nsize: {stat['size']} bytes\n"


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        try:
            data, entries = zipapp.upload_scan_zipapp()
        except (zipapp.ZipappError, OSError) as error:
            raise AnsibleActionFail(f"cannot build the upload scanner's zipapp: {error}") from None
        after = {"checksum": zipapp.sha256(data), "size": len(data)}
        try:
            before = self._remote_stat(args["dest"], task_vars)
            changed_content = before is None or before["checksum"] != after["checksum"]
            if changed_content and self._task.check_mode:
                inner = {"changed": True}
            elif changed_content:
                inner = self._write(data, args, task_vars)
            else:
                inner = self._attributes(args, task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if inner.get("failed"):
            result.update(failed=True, msg=inner.get("msg", "cannot install the upload scanner's zipapp"))
            return result
        result.update(
            changed=bool(changed_content or inner.get("changed")),
            dest=args["dest"],
            checksum=after["checksum"],
            size=after["size"],
            entries=entries,
        )
        if self._task.diff:
            diffs = []
            if changed_content:
                diffs.append(
                    {
                        "before_header": f"{args['dest']} (zipapp)",
                        "after_header": f"{args['dest']} (zipapp built from the collection)",
                        "before": _describe(before),
                        "after": _describe(after),
                    }
                )
            if inner.get("changed") and isinstance(inner.get("diff"), dict):
                diffs.append(inner["diff"])
            if diffs:
                result["diff"] = diffs
        return result

    def _remote_stat(self, dest, task_vars):
        """{checksum, size} of the file on the host (sha256), None when there is none; fails on anything else."""
        out = self._execute_module(
            module_name="ansible.legacy.stat",
            module_args={"path": dest, "follow": False, "get_checksum": True, "checksum_algorithm": "sha256"},
            task_vars=task_vars,
        )
        if out.get("failed"):
            raise AnsibleActionFail(f"cannot stat {dest}: {out.get('msg', out)}")
        stat = out["stat"]
        if not stat["exists"]:
            return None
        if not stat.get("isreg"):
            raise AnsibleActionFail(
                f"{dest} exists and is not a regular file; remove it, the zipapp is installed as a file there"
            )
        return {"checksum": stat["checksum"], "size": stat["size"]}

    def _write(self, data, args, task_vars):
        """Copy the zipapp to the host with ansible.builtin.copy (atomic, with owner, group and mode)."""
        local = tempfile.mkdtemp(dir=C.DEFAULT_LOCAL_TMP)
        try:
            path = os.path.join(local, os.path.basename(args["dest"]))
            with open(path, "wb") as handle:
                handle.write(data)
            task = self._task.copy()
            task.args = {
                "src": path,
                "dest": args["dest"],
                "owner": args["owner"],
                "group": args["group"],
                "mode": args["mode"],
                "follow": False,
            }
            # The diff of the zip file's bytes says nothing; run() reports the checksums instead.
            task.diff = False
            copy = self._shared_loader_obj.action_loader.get(
                "ansible.legacy.copy",
                task=task,
                connection=self._connection,
                play_context=self._play_context,
                loader=self._loader,
                templar=self._templar,
                shared_loader_obj=self._shared_loader_obj,
            )
            return copy.run(task_vars=task_vars)
        finally:
            shutil.rmtree(local, ignore_errors=True)

    def _attributes(self, args, task_vars):
        """Owner, group and mode of the zipapp already in place (ansible.builtin.file honours check mode)."""
        return self._execute_module(
            module_name="ansible.legacy.file",
            module_args={
                "path": args["dest"],
                "state": "file",
                "owner": args["owner"],
                "group": args["group"],
                "mode": args["mode"],
                "follow": False,
            },
            task_vars=task_vars,
        )
