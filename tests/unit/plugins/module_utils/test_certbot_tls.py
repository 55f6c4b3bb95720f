# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""certbot_tls's certificates per site, preflight problems, expiry report and chain files."""

from __future__ import annotations

import base64
import datetime

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import certbot_tls, sites

CA = "-----BEGIN CERTIFICATE-----\nMIIB-ca\n-----END CERTIFICATE-----"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE-secret-key\n-----END PRIVATE KEY-----"
HOST = "aiguard-certbot-tls-bookworm.dns.podman"
# The role's defaults, with the scenario's Pebble directory and webroot.
SETTINGS = {
    "mode": "acme",
    "challenge": "http-01",
    "acme_directory": "https://aiguard-certbot-tls-pebble.dns.podman:14000/dir",
    "acme_ca_bundle": CA,
    "email": "",
    "eab_kid": "",
    "eab_hmac_key": "",
    "webroot": "/var/www/aiguard-acme",
    "dns_plugin": "",
    "dns_plugin_package": "",
    "dns_propagation_seconds": 0,
    "ownca_certificate": "",
    "ownca_privatekey": "",
    "renew_before_days": 30,
    "expiry_fail_days": 14,
    "selfsigned_days": 365,
}
STUDIO = {"name": "studio", "server_names": [HOST], "default_server": True, "upstream": "127.0.0.1:7860", "tls": True}


def certs(nginx_sites, mode="acme", fqdn="host.lab.test"):
    return certbot_tls.certificates(sites.build(nginx_sites).as_dict(), mode, fqdn)


def problems(nginx_sites=(STUDIO,), nginx_acme_webroot="/var/www/aiguard-acme", mode="acme", **settings):
    return certbot_tls.problems(
        certs(list(nginx_sites), mode), {**SETTINGS, "mode": mode, **settings}, nginx_acme_webroot
    )


@pytest.mark.parametrize(
    ("nginx_sites", "mode", "expected"),
    [
        ([STUDIO], "acme", [{"name": "studio", "domains": [HOST]}]),
        (
            [{**STUDIO, "server_names": ["_", "a.example", "b.example"]}],
            "acme",
            [{"name": "studio", "domains": ["a.example", "b.example"]}],
        ),
        ([{**STUDIO, "server_names": ["_"]}], "acme", [{"name": "studio", "domains": []}]),
        ([{**STUDIO, "server_names": ["_"]}], "selfsigned", [{"name": "studio", "domains": ["host.lab.test"]}]),
        (
            [{**STUDIO, "tls": False}, {"name": "b", "upstream": "127.0.0.1:1", "tls": True}],
            "ownca",
            [{"name": "b", "domains": ["host.lab.test"]}],
        ),
    ],
)
def test_certificates_come_from_the_site_model(nginx_sites, mode, expected):
    assert certs(nginx_sites, mode) == expected


def test_the_scenario_settings_have_no_problem():
    assert problems() == []
    assert problems(mode="selfsigned") == []


# The first six are the cases the certbot_tls scenario used to feed through a converge.
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {"webroot": "/srv/elsewhere"},
            [
                "http-01 needs nginx_auth_acme_webroot set to certbot_tls_webroot ('/srv/elsewhere', got "
                "'/var/www/aiguard-acme'), so that nginx serves the CA's challenge from where certbot writes it"
            ],
            id="webroot-differs",
        ),
        pytest.param(
            {"acme_directory": "http://insecure.lab.test/dir"},
            [
                "certbot_tls_acme_directory must be production, staging or an https:// ACME directory URL "
                "(got 'http://insecure.lab.test/dir')"
            ],
            id="insecure-directory",
        ),
        pytest.param(
            {"eab_kid": "kid-without-key"},
            ["certbot_tls_eab_kid and certbot_tls_eab_hmac_key go together (both or neither)"],
            id="eab-half",
        ),
        pytest.param(
            {"eab_kid": "kid-1", "eab_hmac_key": "key\npre-hook = touch /tmp/owned"},
            [
                "certbot_tls_eab_hmac_key: not a base64 or base64url key as the CA gives it (letters, digits, -, _, +"
                " and /, maybe = at the end); check that it was copied whole and with nothing around it"
            ],
            id="eab-key-not-base64",
        ),
        pytest.param(
            {"expiry_fail_days": 60},
            [
                "certbot_tls_expiry_fail_days (60) must be between 0 and certbot_tls_renew_before_days (30), so that "
                "only a certificate whose renewal is overdue fails"
            ],
            id="fail-days-above-renew",
        ),
        pytest.param(
            {"mode": "ownca"},
            [
                "certbot_tls_mode ownca needs certbot_tls_ownca_certificate (the CA's PEM certificate) and "
                "certbot_tls_ownca_privatekey (its PEM private key, from Ansible Vault)"
            ],
            id="ownca-without-ca",
        ),
        pytest.param(
            {"nginx_sites": [{**STUDIO, "server_names": ["_"]}]},
            [
                "nginx_auth_sites[studio].server_names: no name to certify; a certificate needs at least one DNS "
                "name besides '_' (an ACME CA checks each one)"
            ],
            id="catch-all-only",
        ),
        pytest.param(
            {"nginx_sites": [{**STUDIO, "tls": False}]},
            [
                "certbot_tls found no nginx_auth site with tls: true in nginx_auth_sites. Set tls: true on the sites "
                "that should be served over HTTPS, and run aiguard.hardening.nginx_auth before this role in the "
                "same play."
            ],
            id="no-https-site",
        ),
        pytest.param(
            {"nginx_sites": [{**STUDIO, "server_names": ["bad_name.example", "*.example.org"]}]},
            [
                "nginx_auth_sites[studio].server_names: ['bad_name.example'] cannot be certified; names are letters, "
                "digits, '-' and '.'",
                "nginx_auth_sites[studio].server_names: the wildcard ['*.example.org'] needs certbot_tls_challenge: "
                "dns-01",
            ],
            id="names",
        ),
        pytest.param(
            {
                "nginx_sites": [{**STUDIO, "server_names": ["*.example.org"]}],
                "challenge": "dns-01",
                "dns_plugin": "dns-rfc2136",
                "dns_plugin_package": "python3-certbot-dns-rfc2136",
            },
            [],
            id="wildcard-with-dns-01",
        ),
        pytest.param(
            {"challenge": "dns-01", "dns_plugin": "rfc2136", "dns_propagation_seconds": -5},
            [
                "dns-01 needs certbot_tls_dns_plugin, a certbot plugin dns-NAME (got 'rfc2136')",
                "dns-01 needs certbot_tls_dns_plugin_package, the plugin's Debian package (for example "
                "python3-certbot-dns-rfc2136)",
                "certbot_tls_dns_propagation_seconds must be 0 or more (got -5)",
            ],
            id="dns-01",
        ),
        pytest.param(
            {"webroot": "relative/dir", "nginx_acme_webroot": "relative/dir"},
            ["certbot_tls_webroot must be an absolute path (got 'relative/dir')"],
            id="webroot-relative",
        ),
        pytest.param(
            {"email": "admin-at-example.org", "acme_ca_bundle": "not a pem"},
            [
                "certbot_tls_email must be an address or empty (got 'admin-at-example.org')",
                "certbot_tls_acme_ca_bundle must be PEM certificates or empty",
            ],
            id="email-and-bundle",
        ),
        pytest.param({"acme_directory": "staging"}, [], id="staging"),
        pytest.param(
            {"renew_before_days": 0, "expiry_fail_days": -1},
            [
                "certbot_tls_renew_before_days (0) must be 1 or more",
                "certbot_tls_expiry_fail_days (-1) must be between 0 and certbot_tls_renew_before_days (0), so that "
                "only a certificate whose renewal is overdue fails",
            ],
            id="days",
        ),
        pytest.param(
            {"mode": "selfsigned", "selfsigned_days": 30},
            [
                "certbot_tls_selfsigned_days (30) must be more than certbot_tls_renew_before_days (30), or every run "
                "would regenerate the certificate"
            ],
            id="selfsigned-days",
        ),
        pytest.param(
            {"mode": "ownca", "ownca_certificate": CA, "ownca_privatekey": KEY, "webroot": "/elsewhere"},
            [],
            id="ownca-ignores-acme-settings",
        ),
    ],
)
def test_problems(kwargs, expected):
    assert problems(**kwargs) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"eab_hmac_key": "hmac-secret-value"},
        {"mode": "ownca", "ownca_certificate": CA, "ownca_privatekey": "secret-key-text"},
        {"mode": "ownca", "ownca_certificate": "secret-cert-text", "ownca_privatekey": KEY},
    ],
)
def test_problems_never_show_a_key(kwargs):
    found = problems(**kwargs)
    assert found and not any("secret" in problem for problem in found), found


NOW = datetime.datetime(2026, 1, 1, 12, 0)


def info(name, not_after, **extra):
    return {"item": {"item": {"name": name}}, "not_after": not_after, **extra}


def test_report_and_expiry():
    certificates = [{"name": "studio", "domains": [HOST]}, {"name": "api", "domains": ["api.example"]}]
    infos = [
        info(
            "studio",
            "20260111120000Z",
            subject_alt_name=[f"DNS:{HOST}"],
            issuer={"commonName": "Pebble Intermediate CA"},
        ),
        {"item": {"item": {"name": "api"}}, "skipped": True},
    ]
    lines = certbot_tls.report(certificates, infos, "acme", check_mode=False, now=NOW)
    assert lines == [
        {
            "site": "studio",
            "mode": "acme",
            "names": [HOST],
            "issuer": "Pebble Intermediate CA",
            "not_after": "2026-01-11 12:00 UTC",
            "days_left": 10,
        },
        {"site": "api", "mode": "acme", "names": ["api.example"], "status": "no certificate yet"},
    ]
    assert certbot_tls.expiry_problems(lines, 14) == [
        "Certificates expiring within certbot_tls_expiry_fail_days (14 days): studio (10 days left). A normal run "
        "renews them; if it cannot, see 'journalctl -u certbot' and /var/log/letsencrypt/letsencrypt.log.",
        "No certificate in /etc/ssl/aiguard/ for: api.",
    ]
    assert certbot_tls.expiry_problems(lines, 5, check_mode=True) == []
    check = certbot_tls.report(certificates[1:], [], "acme", check_mode=True, now=NOW)
    assert check[0]["status"] == "no certificate yet (check mode: would be issued)"


@pytest.mark.parametrize(
    ("issuer", "expected"),
    [({"commonName": "A"}, "A"), ({"organizationName": "Org"}, "Org"), ({}, "?")],
)
def test_report_issuer(issuer, expected):
    lines = certbot_tls.report([{"name": "s", "domains": []}], [info("s", "20270101000000Z", issuer=issuer)], "acme")
    assert lines[0]["issuer"] == expected


def test_chain_files():
    leaf = "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n"
    leaves = [
        {"item": {"item": {"name": "studio"}}, "content": base64.b64encode(leaf.encode()).decode()},
        {"item": {"item": {"name": "api"}}, "skipped": True},
    ]
    certificates = [{"name": "studio", "domains": []}, {"name": "api", "domains": []}]
    assert certbot_tls.chain_files(leaves, certificates, CA + "\n\n") == [
        ["studio", leaf.strip() + "\n" + CA + "\n", "fullchain.pem"],
        ["studio", CA + "\n", "chain.pem"],
        ["api", CA + "\n", "chain.pem"],
    ]
