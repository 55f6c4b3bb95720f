# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter the fail2ban_jails role derives its data and checks its variables with.

    fail2ban_jails_access_log | aiguard.hardening.fail2ban_jails_model(backend=..., auth_maxretry=..., ...,
                                                                       ufw_admin_networks=..., ufw_purge_unowned=...)

The input is ``fail2ban_jails_access_log``; each keyword is the
fail2ban_jails role variable of that name without the ``fail2ban_jails_``
prefix, or ``ufw_admin_networks`` / ``ufw_purge_unowned`` (ufw_allowlist's
``ufw_allowlist_admin_networks`` and ``ufw_allowlist_purge_unowned``); None
or left out means the default. Returns a dict:

``problems``
    every problem of the variables, each naming the variable and the fix;
    empty when they are fine. When it is not empty it is the only key:
    nothing is built from such input, and a task that needs the model fails;
``jails``
    ``[{name, key, about, enabled, filter, maxretry, findtime, bantime}]``,
    the four jails in order (auth, token, bot, ratelimit);
``ignoreip``
    loopback, the SSH-allowed networks and the extra networks, once each;
``access_log``, ``backend``, ``bantime`` (increment, factor, maxtime,
``overalljails``), ``db_purge_age``, ``action``, ``sshd_jail``, ``packages``
    what the templates and tasks use.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.aiguard.hardening.plugins.module_utils import fail2banjails
from ansible_collections.aiguard.hardening.plugins.plugin_utils.plain import plain_arguments


@plain_arguments
def fail2ban_jails_model(access_log, **settings):
    """What the tasks need, or the problems (see the docstring)."""
    settings = {key: value for key, value in settings.items() if value is not None}
    if access_log is not None:
        settings["access_log"] = access_log
    try:
        return fail2banjails.build(**settings).as_dict()
    except fail2banjails.Fail2banJailsError as error:
        return {"problems": error.problems}
    except TypeError as error:
        raise AnsibleFilterError(f"fail2ban_jails_model: {error}") from None


class FilterModule:
    def filters(self):
        return {"fail2ban_jails_model": fail2ban_jails_model}
