# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters the upload_guard role derives its data and checks its variables with.

    upload_guard_apps | aiguard.hardening.upload_guard_model(site_model, dir_mode=None, service_umask=None, ...)

SITE_MODEL is what ``nginx_auth_sites | aiguard.hardening.site_model`` returns
(None: no nginx_auth sites); each further keyword is the upload_guard role
variable of that name without the ``upload_guard_`` prefix
(``retention_days=upload_guard_retention_days``), None or left out meaning
the role's default. Returns a dict:

``problems``
    every problem of the role's variables, each naming the variable
    (``upload_guard_apps[1].allowed_types[0]``) and the fix; empty when they
    are fine. When it is not empty it is the only key: nothing is built from
    such input, and a task that needs the model fails;
``apps``
    every app with each key of ``upload_guard_apps[]`` filled in: ``group``
    (the owner), ``quarantine_dir`` (the quarantine root/NAME),
    ``max_upload_size`` (the app's, its nginx_site's effective
    client_max_body_size, or upload_guard_max_upload_size), ``allowed_types``,
    ``action``, ``retention_days``, ``retention_max_size`` (the role-wide values);
``names``, ``owners``, ``services``, ``upload_dirs``
    the app names; the owners, once each; the apps' systemd services; the
    upload directories;
``dirs``
    every upload and output directory: ``[{app, path, kind, owner, group}]``,
    ``kind`` upload or output;
``quarantine_dirs``
    the quarantine root, then each app's quarantine directory, once each;
``scan_config``, ``retention_config``
    what ``aiguard-upload-scan scan --config`` and ``expire --config`` read.

    findmnt_results | aiguard.hardening.upload_guard_mounts

splits the registered results of findmnt over the upload directories'
fstab entries into ``{own, foreign}``: the directories whose entry is the
role's bind mount of the directory onto itself, and every other entry
("SOURCE TARGET FSTYPE OPTIONS").
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.aiguard.hardening.plugins.module_utils import uploadguard
from ansible_collections.aiguard.hardening.plugins.plugin_utils.plain import plain_arguments


@plain_arguments
def upload_guard_model(apps, sites=None, **settings):
    """The apps with their defaults and what the tasks derive from them, or the problems (see the docstring)."""
    try:
        return uploadguard.build(apps, sites, **settings).as_dict()
    except uploadguard.UploadGuardError as error:
        return {"problems": error.problems}
    except TypeError as error:
        raise AnsibleFilterError(f"upload_guard_model: {error}") from None


@plain_arguments
def upload_guard_mounts(results):
    """{own, foreign}: the upload directories' fstab entries, the role's and anybody else's."""
    return uploadguard.mounts(results)


class FilterModule:
    def filters(self):
        return {"upload_guard_model": upload_guard_model, "upload_guard_mounts": upload_guard_mounts}
