#!/usr/bin/python
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: basic_auth_users
short_description: Make an nginx basic-auth password file hold exactly the given users, hashed cheaply but salted
version_added: 0.1.0
description:
  - Writes a password file for nginx's C(auth_basic_user_file) that holds exactly O(users), in their order, each
    password hashed with SHA-512 crypt (C($6$), a random 16-character salt, O(rounds) rounds). Users not listed are
    removed.
  - A user's line is kept when its hash is SHA-512 crypt with O(rounds) rounds and still verifies the password, so
    an unchanged file is not rewritten (and its salts do not change). Any other hash (bcrypt, another round count,
    a changed password) is hashed anew.
  - nginx verifies the password with the C library's C(crypt()) on every request, in its worker and with no cache.
    At the default 1000 rounds a check costs well under a millisecond; bcrypt at cost 12 costs about 0.3 s of CPU
    per request. The password policy of the nginx_auth role keeps a stolen file impractical to crack.
  - Hashes are made and checked with libcrypt (C(libcrypt.so.1)), the library nginx itself uses, so nothing else is
    needed on the host.
  - The file is replaced atomically; nginx reads it on every request and needs no reload.
author:
  - aiguard.hardening maintainers (@aiguard)
extends_documentation_fragment:
  - aiguard.hardening.attributes
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - One line per user with its hash scheme (never the hash or the password), before and after.
options:
  path:
    description: The password file.
    type: path
    required: true
  users:
    description: The users the file holds, in order. Names are unique and have no C(:).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The user name.
        type: str
        required: true
      password:
        description: The password, in clear (keep it in Ansible Vault); never logged.
        type: str
        required: true
  rounds:
    description: SHA-512 crypt rounds, 1000 (the smallest the scheme allows, the default) or more.
    type: int
    default: 1000
"""

EXAMPLES = r"""
- name: The users of site studio
  aiguard.hardening.basic_auth_users:
    path: /etc/nginx/aiguard/htpasswd/studio
    users:
      - name: alice
        password: "{{ vault_alice_password }}"
    owner: root
    group: www-data
    mode: "0640"
"""

RETURN = r"""
added:
  description: Users that were not in the file.
  returned: always
  type: list
  elements: str
  sample: [alice]
rehashed:
  description: Users whose line was hashed anew, with the scheme their old hash had.
  returned: always
  type: list
  elements: dict
  sample: [{name: bob, before: bcrypt}]
removed:
  description: Users the file held that are not listed.
  returned: always
  type: list
  elements: str
  sample: [carol]
"""

import ctypes
import ctypes.util
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aiguard.hardening.plugins.module_utils import basicauth


class Crypt:
    """libcrypt's crypt(), the function nginx checks passwords with."""

    def __init__(self):
        name = ctypes.util.find_library("crypt") or "libcrypt.so.1"
        self._lib = ctypes.CDLL(name)
        self._lib.crypt.restype = ctypes.c_char_p
        self._lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]

    def __call__(self, password, setting):
        out = self._lib.crypt(password.encode(), setting.encode())
        if not out or out.startswith(b"*"):
            raise ValueError(f"crypt() refused the setting {setting.split('$')[1]!r}")
        return out.decode()

    def verify(self, password, hashed):
        try:
            return self(password, hashed) == hashed
        except ValueError:
            return False


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            users=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    password=dict(type="str", required=True, no_log=True),
                ),
            ),
            rounds=dict(type="int", default=basicauth.DEFAULT_ROUNDS),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    path, users, rounds = module.params["path"], module.params["users"], module.params["rounds"]
    if not basicauth.MIN_ROUNDS <= rounds <= basicauth.MAX_ROUNDS:
        module.fail_json(msg=f"rounds: got {rounds}; SHA-512 crypt takes {basicauth.MIN_ROUNDS} to 999999999")
    names = [user["name"] for user in users]
    bad = sorted({name for name in names if not name or ":" in name or names.count(name) > 1})
    if bad:
        module.fail_json(msg=f"users: names must be unique, non-empty and without ':'; got {bad}")
    try:
        crypt = Crypt()
    except OSError as exc:
        module.fail_json(msg=f"cannot load libcrypt (package libcrypt1): {exc}")
    try:
        with open(path, encoding="utf-8") as handle:
            before = handle.read()
    except FileNotFoundError:
        before = None
    except OSError as exc:
        module.fail_json(msg=f"cannot read {path}: {exc}")
    try:
        text, report = basicauth.plan(
            before, users, rounds, crypt.verify, lambda password: crypt(password, basicauth.setting(rounds))
        )
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    changed = before is None or report["changed"]
    if changed and not module.check_mode:
        directory = os.path.dirname(path) or "."
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".basic_auth_users.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        module.atomic_move(temp, path)
    file_args = module.load_file_common_arguments(module.params)
    if os.path.exists(path):
        changed = module.set_fs_attributes_if_different(file_args, changed)
    result = dict(changed=changed, added=report["added"], rehashed=report["rehashed"], removed=report["removed"])
    if module._diff:
        result["diff"] = dict(
            before_header=path,
            after_header=path,
            before=basicauth.summary(before),
            after=basicauth.summary(text),
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
