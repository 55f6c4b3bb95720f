#!/usr/bin/python
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of an action plugin: upload_scan_zipapp runs on the
# controller (plugins/action/upload_scan_zipapp.py), like ansible.builtin.template.

from __future__ import annotations

DOCUMENTATION = r"""
module: upload_scan_zipapp
short_description: Install the upload scanner as one zipapp built from the collection's code
version_added: 0.1.0
description:
  - Builds a zipapp of the collection's upload scanner (the package C(plugins/module_utils/uploadscan/), the code of
    the M(aiguard.hardening.upload_scan) module) on the controller and installs it on the host as one file, which
    C(python3 FILE ARGS) runs (C(scan), C(list), C(release), C(expire), C(check-config); C(--help) for each).
  - The zipapp is deterministic - fixed timestamps, sorted entries, stored without compression, only the package's
    C(.py) files - so the same code gives the same bytes on any controller, and its sha256 says which code a host
    runs.
  - The package is found through the collection's import path, wherever the collection is installed.
  - The file on the host is compared by its sha256 and written (atomically, with ansible.builtin.copy) only when it
    differs or is missing; otherwise only its owner, group and mode are set.
  - The P(aiguard.hardening.upload_guard#role) role installs the command C(aiguard-upload-scan) with it.
author:
  - aiguard.hardening maintainers (@aiguard)
extends_documentation_fragment:
  - aiguard.hardening.attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Reports a change when the sha256 of the file on the host differs from the zipapp's, or the file is missing,
        and writes nothing.
  diff_mode:
    support: full
    details:
      - Shows the sha256 and size of the file on the host and of the zipapp (the bytes are a zip file), and the
        owner, group and mode that change.
options:
  dest:
    description:
      - Where the zipapp goes on the host (an absolute path). Its directory must exist.
    type: str
    default: /usr/local/lib/aiguard/aiguard-upload-scan.pyz
  owner:
    description:
      - Owner of the file.
    type: str
    default: root
  group:
    description:
      - Group of the file.
    type: str
    default: root
  mode:
    description:
      - Mode of the file, as ansible.builtin.file takes it (quote octal modes, V("0644")).
    type: raw
    default: "0644"
notes:
  - The host runs the zipapp with its own C(python3); the scanner needs nothing but the standard library.
seealso:
  - module: aiguard.hardening.upload_scan
"""

EXAMPLES = r"""
- name: Install the upload scanner
  aiguard.hardening.upload_scan_zipapp:
    dest: /usr/local/lib/aiguard/aiguard-upload-scan.pyz

- name: Run it
  ansible.builtin.command:
    argv: [python3, -I, /usr/local/lib/aiguard/aiguard-upload-scan.pyz, check-config, /etc/aiguard/upload-scan.json]
  changed_when: false
"""

RETURN = r"""
dest:
  description: Where the zipapp is on the host.
  returned: success
  type: str
  sample: /usr/local/lib/aiguard/aiguard-upload-scan.pyz
checksum:
  description: The sha256 of the zipapp built from the collection's code (the file's, once installed).
  returned: success
  type: str
  sample: fa2126b7a4965f128da95cba63948ce89233a0ac5a761098dc526709d794afe7
size:
  description: The size of the zipapp in bytes.
  returned: success
  type: int
  sample: 72209
entries:
  description: The files in the zipapp, sorted.
  returned: success
  type: list
  elements: str
  sample: [__main__.py, uploadscan/__init__.py, uploadscan/cli.py, uploadscan/kinds.py]
"""
