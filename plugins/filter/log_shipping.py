# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter the log_shipping role derives its data and checks its variables with.

    log_shipping_collectors | aiguard.hardening.log_shipping_model(client=..., transport=..., ...)

The input is ``log_shipping_collectors``; each keyword is the log_shipping
role variable of that name without the ``log_shipping_`` prefix, None or
left out meaning the role's default. Returns a dict:

``problems``
    every problem of the role's variables, each naming the variable
    (``log_shipping_files[1].path``) and the fix; empty when they are fine.
    When it is not empty it is the only key: nothing is built from such
    input, and a task that needs the model fails;
``client``, ``collector``, ``transport``
    the switches, as given;
``collectors``
    ``[{host, port, name, id}]``: port filled in for the transport (RELP
    2514, TCP with TLS 6514), name (the certificate's) the host unless given;
``inputs``
    the files rsyslog follows: ``[{name, path, tag}]``, the nginx access and
    error logs first;
``journal_units``, ``tls``, ``queue``, ``collector_settings``, ``packages``
    what the templates and tasks use;
``redact_config``
    the JSON the host's ``aiguard-log-redact`` reads.
``forwards``
    a collector's forwards (``plugins/module_utils/logforward.py``): each
    entry's options with the type's defaults, its queue file, and where its
    secret and settings go; without the passwords, which the role takes from
    the variable's entry at ``position``.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.aiguard.hardening.plugins.module_utils import logshipping
from ansible_collections.aiguard.hardening.plugins.plugin_utils.plain import plain_arguments


@plain_arguments
def log_shipping_model(collectors, **settings):
    """What the tasks need, or the problems (see the docstring)."""
    settings = {key: value for key, value in settings.items() if value is not None}
    try:
        return logshipping.build(collectors=collectors, **settings).as_dict()
    except logshipping.LogShippingError as error:
        return {"problems": error.problems}
    except TypeError as error:
        raise AnsibleFilterError(f"log_shipping_model: {error}") from None


class FilterModule:
    def filters(self):
        return {"log_shipping_model": log_shipping_model}
