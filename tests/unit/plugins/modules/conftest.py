# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() as Ansible would, for every module test."""

from __future__ import annotations

import contextlib
import json

import pytest
from ansible.module_utils import basic

try:  # ansible-core >= 2.19
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # older ansible-core: the _ANSIBLE_ARGS trick

    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


@pytest.fixture
def run_main(monkeypatch):
    """run_main(main, args) -> (failed, result) of a module's main()."""

    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        raise FailJson(dict(kwargs, msg=msg))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def call(main, args):
        with patch_module_args(args):
            try:
                main()
            except ExitJson as exc:
                return False, exc.args[0]
            except FailJson as exc:
                return True, exc.args[0]
        raise AssertionError("main() returned without exit_json or fail_json")

    return call


@pytest.fixture
def module_init(monkeypatch):
    """What the module passed to AnsibleModule(): argument_spec and the other keywords.

    The options' documentation against argument_spec is ansible-test sanity's
    job (validate-modules); the module tests check the rest: the check mode
    support and that RETURN is what the module returns.
    """
    seen = {}
    real_init = basic.AnsibleModule.__init__

    def spy(self, argument_spec, **kwargs):
        seen.update(argument_spec=argument_spec, **kwargs)
        real_init(self, argument_spec, **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "__init__", spy)
    return seen
