# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters the certbot_tls role derives its data and checks its variables with.

The sites come from the nginx_auth site model (aiguard.hardening.site_model):

    nginx_auth_sites | aiguard.hardening.site_model | aiguard.hardening.certbot_tls_certificates(mode, fqdn)
        -> [{name, domains}], one certificate per HTTPS site
    certificates | aiguard.hardening.certbot_tls_problems(settings, nginx_acme_webroot)
        -> every problem of the role's variables (SETTINGS: the certbot_tls_* variables without the prefix)
    certificates | aiguard.hardening.certbot_tls_report(info_results, mode, check_mode)
        -> one entry per certificate: names, issuer, not_after, days_left (or a status)
    report | aiguard.hardening.certbot_tls_expiry_problems(expiry_fail_days, check_mode, cert_dir)
        -> what fails the play: certificates expiring too soon, missing ones
    certificates | aiguard.hardening.certbot_tls_chain_files(leaf_results, ca_pem)
        -> [site, content, file name] of an internal CA's fullchain.pem and chain.pem files
    directory | aiguard.hardening.acme_directory
        -> production/staging or a URL as the ACME directory URL (the certbot_certificate module's rule)
"""

from __future__ import annotations

from ansible_collections.aiguard.hardening.plugins.module_utils import certbot_tls
from ansible_collections.aiguard.hardening.plugins.module_utils.certbot import resolve_directory
from ansible_collections.aiguard.hardening.plugins.plugin_utils.plain import plain_arguments


@plain_arguments
def certbot_tls_certificates(model, mode="acme", fqdn=None):
    return certbot_tls.certificates(model, mode, fqdn)


@plain_arguments
def certbot_tls_problems(certificates, settings, nginx_acme_webroot=""):
    return certbot_tls.problems(certificates, settings, nginx_acme_webroot)


@plain_arguments
def certbot_tls_report(certificates, infos, mode="acme", check_mode=False):
    return certbot_tls.report(certificates, infos, mode, bool(check_mode))


@plain_arguments
def certbot_tls_expiry_problems(report, expiry_fail_days, check_mode=False, cert_dir="/etc/ssl/aiguard"):
    return certbot_tls.expiry_problems(report, expiry_fail_days, bool(check_mode), cert_dir)


@plain_arguments
def certbot_tls_chain_files(certificates, leaves, ca_pem):
    return certbot_tls.chain_files(leaves, certificates, ca_pem)


@plain_arguments
def acme_directory(server):
    return resolve_directory(server)


class FilterModule:
    def filters(self):
        return {
            "certbot_tls_certificates": certbot_tls_certificates,
            "certbot_tls_problems": certbot_tls_problems,
            "certbot_tls_report": certbot_tls_report,
            "certbot_tls_expiry_problems": certbot_tls_expiry_problems,
            "certbot_tls_chain_files": certbot_tls_chain_files,
            "acme_directory": acme_directory,
        }
