# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the certbot_tls role derives and checks: certificates per site, its preflight, its expiry report.

Plain Python (no AnsibleModule) so that pytest tests it directly; the filters
in ``plugins/filter/certbot_tls.py`` are the role's interface to it. The
sites come from the nginx_auth site model (``module_utils/sites.py``), the
one place that knows them:

* ``certificates``: one certificate per HTTPS site, ``{name, domains}``;
* ``problems``: every problem of the role's variables, each naming the
  variable and the fix; secrets (EAB key, CA key, DNS credentials) never
  appear in a message;
* ``report`` and ``expiry_problems``: one line per site from the
  certificates' info, and what fails the play;
* ``chain_files``: the full chain and chain files of internal-CA certificates.
"""

from __future__ import annotations

import base64
import datetime
import re

from ansible_collections.aiguard.hardening.plugins.module_utils.certbot import eab_key_problem, resolve_directory

ACME = "acme"
SELFSIGNED = "selfsigned"
OWNCA = "ownca"
HTTP_01 = "http-01"
DNS_01 = "dns-01"

NAME_RE = re.compile(
    r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$"
)
DIRECTORY_RE = re.compile(r"^https://[^\s/]+(/\S*)?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEBROOT_RE = re.compile(r"^/[A-Za-z0-9._/-]+$")
DNS_PLUGIN_RE = re.compile(r"^dns-[a-z0-9-]+$")
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
PEM_PRIVATE_KEY = "PRIVATE KEY-----"
NOT_AFTER = "%Y%m%d%H%M%SZ"


def certificates(model, mode, fqdn=None):
    """[{name, domains}] for each HTTPS site of a site model (the site_model filter's dict).

    The domains are the site's server names without ``_``; in the local modes
    (self-signed, internal CA) a site without one gets the host's FQDN.
    """
    out = []
    for name in model["tls_sites"]:
        names = list(model["tls_domains"][name])
        if not names and mode != ACME and fqdn:
            names = [fqdn]
        out.append({"name": name, "domains": names})
    return out


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def site_problems(certs, mode, challenge):
    """Problems of the names each certificate is for."""
    if not certs:
        return [
            "certbot_tls found no nginx_auth site with tls: true in nginx_auth_sites. Set tls: true on the sites that "
            "should be served over HTTPS, and run aiguard.hardening.nginx_auth before this role in the same play."
        ]
    found = []
    for cert in certs:
        label = f"nginx_auth_sites[{cert['name']}].server_names"
        if not cert["domains"]:
            found.append(
                f"{label}: no name to certify; a certificate needs at least one DNS name besides '_' "
                "(an ACME CA checks each one)"
            )
        bad = [name for name in cert["domains"] if not NAME_RE.match(name)]
        if bad:
            found.append(f"{label}: {bad} cannot be certified; names are letters, digits, '-' and '.'")
        wildcards = [name for name in cert["domains"] if name.startswith("*")]
        if wildcards and mode == ACME and challenge != DNS_01:
            found.append(f"{label}: the wildcard {wildcards} needs certbot_tls_challenge: dns-01")
    return found


def acme_problems(acme_directory, email, eab_kid, eab_hmac_key, acme_ca_bundle):
    """Problems of the ACME settings."""
    found = []
    if not DIRECTORY_RE.match(resolve_directory(acme_directory or "")):
        found.append(
            f"certbot_tls_acme_directory must be production, staging or an https:// ACME directory URL "
            f"(got {acme_directory!r})"
        )
    if bool(eab_kid) != bool(eab_hmac_key):
        found.append("certbot_tls_eab_kid and certbot_tls_eab_hmac_key go together (both or neither)")
    if eab_hmac_key and eab_key_problem(eab_hmac_key):
        found.append("certbot_tls_" + eab_key_problem(eab_hmac_key))
    if email and not EMAIL_RE.match(email):
        found.append(f"certbot_tls_email must be an address or empty (got {email!r})")
    if acme_ca_bundle and PEM_CERTIFICATE not in acme_ca_bundle:
        found.append("certbot_tls_acme_ca_bundle must be PEM certificates or empty")
    return found


def challenge_problems(challenge, webroot, nginx_acme_webroot, dns_plugin, dns_plugin_package, propagation):
    """Problems of the challenge settings."""
    found = []
    if challenge == HTTP_01:
        if not WEBROOT_RE.match(webroot or ""):
            found.append(f"certbot_tls_webroot must be an absolute path (got {webroot!r})")
        if (nginx_acme_webroot or "") != webroot:
            found.append(
                f"http-01 needs nginx_auth_acme_webroot set to certbot_tls_webroot ({webroot!r}, got "
                f"{nginx_acme_webroot or ''!r}), so that nginx serves the CA's challenge from where certbot writes it"
            )
    if challenge == DNS_01:
        if not DNS_PLUGIN_RE.match(dns_plugin or ""):
            found.append(f"dns-01 needs certbot_tls_dns_plugin, a certbot plugin dns-NAME (got {dns_plugin!r})")
        if not dns_plugin_package:
            found.append(
                "dns-01 needs certbot_tls_dns_plugin_package, the plugin's Debian package (for example "
                "python3-certbot-dns-rfc2136)"
            )
    seconds = _int(propagation)
    if seconds is None or seconds < 0:
        found.append(f"certbot_tls_dns_propagation_seconds must be 0 or more (got {propagation!r})")
    return found


def ownca_problems(certificate, privatekey):
    """Problems of the internal CA (ownca mode); the key is never shown."""
    if PEM_CERTIFICATE in (certificate or "") and PEM_PRIVATE_KEY in (privatekey or ""):
        return []
    return [
        "certbot_tls_mode ownca needs certbot_tls_ownca_certificate (the CA's PEM certificate) and "
        "certbot_tls_ownca_privatekey (its PEM private key, from Ansible Vault)"
    ]


def days_problems(mode, renew_before_days, expiry_fail_days, selfsigned_days):
    """Problems of the renewal, expiry and validity days."""
    renew, fail, valid = _int(renew_before_days), _int(expiry_fail_days), _int(selfsigned_days)
    found = []
    if renew is None or renew < 1:
        found.append(f"certbot_tls_renew_before_days ({renew_before_days}) must be 1 or more")
    if fail is None or fail < 0 or (renew is not None and fail > renew):
        found.append(
            f"certbot_tls_expiry_fail_days ({expiry_fail_days}) must be between 0 and certbot_tls_renew_before_days "
            f"({renew_before_days}), so that only a certificate whose renewal is overdue fails"
        )
    if mode != ACME and (valid is None or (renew is not None and valid <= renew)):
        found.append(
            f"certbot_tls_selfsigned_days ({selfsigned_days}) must be more than certbot_tls_renew_before_days "
            f"({renew_before_days}), or every run would regenerate the certificate"
        )
    return found


def problems(certs, settings, nginx_acme_webroot=""):
    """Every problem of certbot_tls's variables.

    SETTINGS are the role's variables without the ``certbot_tls_`` prefix
    (mode, challenge, acme_directory, ...); CERTS come from ``certificates``.
    """
    s = settings
    mode, challenge = s.get("mode", ACME), s.get("challenge", HTTP_01)
    found = site_problems(certs, mode, challenge)
    if mode == ACME:
        found += acme_problems(
            s.get("acme_directory"), s.get("email"), s.get("eab_kid"), s.get("eab_hmac_key"), s.get("acme_ca_bundle")
        )
        found += challenge_problems(
            challenge,
            s.get("webroot"),
            nginx_acme_webroot,
            s.get("dns_plugin"),
            s.get("dns_plugin_package"),
            s.get("dns_propagation_seconds", 0),
        )
    if mode == OWNCA:
        found += ownca_problems(s.get("ownca_certificate"), s.get("ownca_privatekey"))
    found += days_problems(mode, s.get("renew_before_days"), s.get("expiry_fail_days"), s.get("selfsigned_days", 365))
    return found


def _issuer(info):
    issuer = info.get("issuer") or {}
    return issuer.get("commonName") or issuer.get("organizationName") or "?"


def report(certs, infos, mode, check_mode=False, now=None):
    """One entry per certificate: names, issuer, expiry and days left, or that there is none yet.

    INFOS are the results of community.crypto.x509_certificate_info looped
    over the stat results of each site's fullchain.pem (``item.item.name``).
    """
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    found = {}
    for info in infos or []:
        if "not_after" in info:
            found.setdefault(info["item"]["item"]["name"], info)
    out = []
    for cert in certs:
        info = found.get(cert["name"])
        if info is None:
            status = "no certificate yet" + (" (check mode: would be issued)" if check_mode else "")
            out.append({"site": cert["name"], "mode": mode, "names": cert["domains"], "status": status})
            continue
        expires = datetime.datetime.strptime(info["not_after"], NOT_AFTER)
        out.append(
            {
                "site": cert["name"],
                "mode": mode,
                "names": [re.sub(r"^DNS:", "", name) for name in info.get("subject_alt_name") or []],
                "issuer": _issuer(info),
                "not_after": expires.strftime("%Y-%m-%d %H:%M UTC"),
                "days_left": (expires - now).days,
            }
        )
    return out


def expiry_problems(lines, expiry_fail_days, check_mode=False, cert_dir="/etc/ssl/aiguard"):
    """What fails the play in a report: certificates that expire too soon; missing ones (not in check mode)."""
    limit = int(expiry_fail_days)
    expiring = [line for line in lines if "days_left" in line and line["days_left"] < limit]
    without = [line["site"] for line in lines if "days_left" not in line]
    found = []
    if expiring:
        found.append(
            f"Certificates expiring within certbot_tls_expiry_fail_days ({limit} days): "
            f"{', '.join(line['site'] for line in expiring)} "
            f"({', '.join(str(line['days_left']) for line in expiring)} days left). A normal run renews them; if it "
            "cannot, see 'journalctl -u certbot' and /var/log/letsencrypt/letsencrypt.log."
        )
    if without and not check_mode:
        found.append(f"No certificate in {cert_dir}/ for: {', '.join(without)}.")
    return found


def chain_files(leaves, certs, ca_pem):
    """[site, content, file name] of the files an internal-CA site needs: fullchain.pem, chain.pem.

    LEAVES are slurp results of each site's cert.pem (``item.item.name``, ``content`` base64).
    """
    ca = ca_pem.strip() + "\n"
    out = []
    for leaf in leaves or []:
        if "content" in leaf:
            pem = base64.b64decode(leaf["content"]).decode().strip()
            out.append([leaf["item"]["item"]["name"], pem + "\n" + ca, "fullchain.pem"])
    out += [[cert["name"], ca, "chain.pem"] for cert in certs]
    return out
