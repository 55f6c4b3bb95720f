# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter the alerting role derives its files and checks its variables with.

    alerting_targets | aiguard.hardening.alerting_model(rules=..., severity=..., ...)

The input is ``alerting_targets``; each keyword is the alerting role variable
of that name without the ``alerting_`` prefix, None or left out meaning the
role's default. Returns a dict (``plugins/module_utils/alerting.py`` has the
keys): ``problems`` (every problem, each naming the variable and the fix;
when not empty, the only key), ``targets``, ``alertmanager_config``,
``relay_config``, ``detect_config``, ``secrets``.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.aiguard.hardening.plugins.module_utils import alerting
from ansible_collections.aiguard.hardening.plugins.plugin_utils.plain import plain_arguments


@plain_arguments
def alerting_model(targets, **settings):
    """What the tasks need, or the problems (see the docstring)."""
    settings = {key: value for key, value in settings.items() if value is not None}
    try:
        return alerting.build(targets=targets, **settings)
    except alerting.AlertingError as error:
        return {"problems": error.problems}
    except TypeError as error:
        raise AnsibleFilterError(f"alerting_model: {error}") from None


class FilterModule:
    def filters(self):
        return {"alerting_model": alerting_model}
