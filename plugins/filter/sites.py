# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The nginx_auth site model, for every role that needs facts about the sites.

    nginx_auth_sites | aiguard.hardening.site_model(users=None, upload_paths=None, client_max_body_size=None,
                                                    rate_limits=None, bot_filter=None, acme_webroot=None)

Each keyword is the nginx_auth role variable of that name without the
``nginx_auth_`` prefix (``client_max_body_size=nginx_auth_client_max_body_size``);
None, or leaving it out, means nginx_auth's default (so another role may pass
``nginx_auth_client_max_body_size | default(none)``). Returns a dict:

``sites``
    every site with each key of ``nginx_auth_sites[]`` filled in (``upload_paths``
    and ``client_max_body_size`` from the role-wide values); holds the bearer
    tokens, so only for tasks with ``no_log``;
``sites_shown``
    the same without ``api_tokens``: what loops may show;
``names``
    the site names, in order;
``identifiers``
    ``{site name: its name in nginx variable and location names}`` (``-`` written
    ``_``), unique: names that would meet there are refused;
``client_max_body_size``
    ``{site name: effective client_max_body_size}`` (the site's, or the global default);
``rate_limits``
    ``{site name: {general|api|upload: {rate, burst}}}``, the role's limits with the site's overrides;
``tls_sites``, ``tls_domains``
    the names of the sites with ``tls: true``, and ``{site name: its server names without _}``;
``upstream_ports``
    the ports of the apps behind the sites, sorted, once each (for the exposure audit);
``bot_filter_on``, ``bot_filter_exempt``, ``bot_filter_reserved``
    whether the crawler and scanner filter is written, the paths it must leave
    open, and the prefix locations it must not repeat;
``bearer_sites``, ``sites_without_tokens``
    the sites (tokens included: ``no_log`` only) that get a bearer tokens file;
    the names of the sites without tokens (for display);
``upload_auth``
    ``{site name: {upload path: bearer|basic|none}}``, how each upload location
    authenticates: as the API under an API path, else as the site;
``users``, ``present_users``, ``allowed_users``, ``password_files``
    ``nginx_auth_users`` with defaults filled in (passwords included: ``no_log``
    only), the names of the present ones, ``{site name: users allowed there}``,
    and ``[{site, users: [{name, password}]}]`` each site's htpasswd file holds
    (``no_log`` only; empty for a site without basic auth);
``generated_files``
    the per-site files of a configuration buffer, relative to it.

Fails (naming every problem, never a token) when the sites do not match the
argument spec, or a name is invalid or used twice, also as an identifier. The other checks are

    nginx_auth_sites | aiguard.hardening.nginx_auth_problems(<the same keywords>, tls_protocols=...,
        tls_ciphers=..., password_min_bits=..., hash_rounds=...)

which returns every problem of nginx_auth's variables as a list of messages
(empty when they are fine; passwords checked against the policy), for the
role's preflight.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.aiguard.hardening.plugins.module_utils import sites as _sites
from ansible_collections.aiguard.hardening.plugins.plugin_utils.plain import plain_arguments


@plain_arguments
def site_model(sites, **settings):
    """The sites with their defaults and the facts derived from them (see the module's docstring)."""
    try:
        return _sites.build(sites, **settings).as_dict()
    except (_sites.SiteError, TypeError) as error:
        raise AnsibleFilterError(f"site_model: {error}") from None


@plain_arguments
def nginx_auth_problems(sites, **settings):
    """Every problem of nginx_auth's variables, each naming the variable and the fix."""
    try:
        return _sites.problems(sites, **settings)
    except TypeError as error:
        raise AnsibleFilterError(f"nginx_auth_problems: {error}") from None


class FilterModule:
    def filters(self):
        return {
            "site_model": site_model,
            "nginx_auth_problems": nginx_auth_problems,
        }
