#!/usr/bin/python
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: certbot_certificate
short_description: Keep one certbot certificate lineage issued for its names, contacting the CA only when needed
version_added: 0.1.0
description:
  - Reads the lineage O(name) under O(config_dir) (its renewal file and certificate) and plans what makes it match
    the request. V(none) - the certificate covers exactly O(domains) (case, order and a trailing dot do not matter),
    was issued from O(server) with the wanted key and must-staple setting, and has at least O(renew_before_days)
    left; certbot is not run and the CA is not contacted. V(issue) - there is no lineage of that name.
    V(reissue) - names, ACME directory, key type or size, or must-staple differ. V(renew) - it expires within
    O(renew_before_days).
  - For any plan but V(none) it runs C(certbot certonly --non-interactive --cert-name NAME) with the options below,
    C(--force-renewal) for V(reissue) and V(renew). Changed names update the same lineage instead of creating a
    second one.
  - When certbot fails (a name that does not resolve, a failed challenge, an unreachable CA) the module fails with
    the CA's or certbot's reason. certbot only replaces a lineage's files after the CA has issued, so the previous
    certificate stays in use.
  - Needs the C(cryptography) Python library on the host (certbot depends on it).
author:
  - aiguard.hardening maintainers (@aiguard)
extends_documentation_fragment:
  - aiguard.hardening.attributes
attributes:
  check_mode:
    support: full
    details:
      - Returns the plan and the command that would run; certbot is not run.
  diff_mode:
    support: full
    details:
      - Shows the certificate's names, issuer and expiry before and after.
options:
  name:
    description:
      - The lineage (certbot's C(--cert-name)); its files are C(CONFIG_DIR/live/NAME/).
    type: str
    required: true
  domains:
    description:
      - The names the certificate must cover; the first is the subject's common name.
    type: list
    elements: str
    required: true
  server:
    description:
      - ACME directory - V(production) (Let's Encrypt), V(staging) (Let's Encrypt staging) or a directory URL.
    type: str
    default: production
  ca_bundle:
    description:
      - A PEM file of CAs that certbot trusts for the ACME server's HTTPS (C(REQUESTS_CA_BUNDLE)), for an internal
        CA. Default the system's.
    type: path
  email:
    description:
      - Contact of the ACME account when one is registered; empty registers without one.
    type: str
    default: ""
  eab_kid:
    description:
      - External Account Binding key id, for CAs that require one.
    type: str
    default: ""
  eab_hmac_key:
    description:
      - External Account Binding HMAC key; required with O(eab_kid). Never on certbot's command line, which other local
        users can read, nor in the returned command. certbot reads it from a file of mode 0600 in the module's private
        temporary directory (C(--config), besides its own C(cli.ini)), removed once certbot is done.
    type: str
    default: ""
  key_type:
    description:
      - Key of the certificate.
    type: str
    choices: [ecdsa, rsa]
    default: ecdsa
  elliptic_curve:
    description:
      - Curve of an ECDSA key.
    type: str
    choices: [secp256r1, secp384r1]
    default: secp256r1
  rsa_key_size:
    description:
      - Size of an RSA key.
    type: int
    choices: [2048, 3072, 4096]
    default: 2048
  must_staple:
    description:
      - Request the OCSP must-staple extension.
    type: bool
    default: false
  challenge:
    description:
      - V(http-01) through O(webroot), or V(dns-01) through the certbot plugin O(dns_plugin).
    type: str
    choices: [http-01, dns-01]
    default: http-01
  webroot:
    description:
      - Directory whose C(.well-known/acme-challenge/) the web server serves on port 80. Required for V(http-01).
    type: path
  dns_plugin:
    description:
      - certbot DNS plugin, for example V(dns-rfc2136). Required for V(dns-01).
    type: str
  dns_credentials:
    description:
      - The plugin's credentials file.
    type: path
  dns_propagation_seconds:
    description:
      - Seconds to wait for DNS propagation; V(0) keeps the plugin's default.
    type: int
    default: 0
  renew_before_days:
    description:
      - Renew a certificate with fewer days left.
    type: int
    default: 30
  config_dir:
    description:
      - certbot's configuration directory.
    type: path
    default: /etc/letsencrypt
"""

EXAMPLES = r"""
- name: Certificate of the studio site, through nginx's ACME location
  aiguard.hardening.certbot_certificate:
    name: studio
    domains: [studio.example.org, www.studio.example.org]
    email: ops@example.org
    webroot: /var/www/aiguard-acme

- name: From an internal ACME CA with External Account Binding
  aiguard.hardening.certbot_certificate:
    name: api
    domains: [api.corp.example]
    server: https://ca.corp.example/acme/acme/directory
    ca_bundle: /etc/letsencrypt/aiguard-acme-ca.pem
    eab_kid: "{{ vault_eab_kid }}"
    eab_hmac_key: "{{ vault_eab_hmac_key }}"
    webroot: /var/www/aiguard-acme
"""

RETURN = r"""
action:
  description: The plan - V(none), V(issue), V(reissue) or V(renew).
  returned: always
  type: str
  sample: none
reasons:
  description: Why the plan is not V(none).
  returned: always
  type: list
  elements: str
  sample: ["names change: add www.studio.example.org"]
cmd:
  description:
    - The certbot command run (or that would run in check mode); empty for V(none). With External Account Binding its
      C(--config) names the temporary file that held the key, as C(<temporary 0600 file with the EAB HMAC key>).
  returned: always
  type: list
  elements: str
certificate:
  description: The lineage's certificate after the module ran (before, in check mode); empty when there is none.
  returned: always
  type: dict
  contains:
    names:
      description: DNS names of the certificate.
      type: list
      elements: str
    key_type:
      description: V(ecdsa) or V(rsa).
      type: str
    key_param:
      description: Curve (V(secp256r1)) or RSA size (V(2048)).
      type: str
    must_staple:
      description: Whether it has the must-staple extension.
      type: bool
    not_before:
      description: Start of validity, ISO 8601 UTC.
      type: str
    not_after:
      description: End of validity, ISO 8601 UTC.
      type: str
    days_left:
      description: Whole days until RV(certificate.not_after).
      type: int
    issuer:
      description: Issuer's distinguished name.
      type: str
    subject:
      description: Subject's distinguished name.
      type: str
    serial:
      description: Serial number in hex.
      type: str
    self_issued:
      description: Whether issuer and subject are the same.
      type: bool
    ocsp_urls:
      description: OCSP responders the certificate names (none for Let's Encrypt since 2025).
      type: list
      elements: str
server:
  description: The ACME directory URL.
  returned: always
  type: str
"""

import datetime
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aiguard.hardening.plugins.module_utils.certbot import (
    HAS_CRYPTOGRAPHY,
    LineageError,
    Options,
    Wanted,
    certbot_argv,
    eab_config_text,
    eab_key_problem,
    failure_reason,
    plan,
    read_lineage,
    resolve_directory,
)


def _describe(lineage, now):
    if not lineage:
        return "(no certificate)\n"
    cert = lineage.cert
    return (
        f"names: {', '.join(cert.names)}\nserver: {lineage.server}\nissuer: {cert.issuer}\nserial: {cert.serial}\n"
        f"key: {cert.key_type} {cert.key_param}\nnot_after: {cert.not_after.isoformat()} ({cert.days_left(now)} days)\n"
    )


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            domains=dict(type="list", elements="str", required=True),
            server=dict(type="str", default="production"),
            ca_bundle=dict(type="path"),
            email=dict(type="str", default=""),
            eab_kid=dict(type="str", default=""),
            eab_hmac_key=dict(type="str", default="", no_log=True),
            key_type=dict(type="str", choices=["ecdsa", "rsa"], default="ecdsa"),
            elliptic_curve=dict(type="str", choices=["secp256r1", "secp384r1"], default="secp256r1"),
            rsa_key_size=dict(type="int", choices=[2048, 3072, 4096], default=2048),
            must_staple=dict(type="bool", default=False),
            challenge=dict(type="str", choices=["http-01", "dns-01"], default="http-01"),
            webroot=dict(type="path"),
            dns_plugin=dict(type="str"),
            dns_credentials=dict(type="path"),
            dns_propagation_seconds=dict(type="int", default=0),
            renew_before_days=dict(type="int", default=30),
            config_dir=dict(type="path", default="/etc/letsencrypt"),
        ),
        required_if=[("challenge", "http-01", ["webroot"]), ("challenge", "dns-01", ["dns_plugin"])],
        supports_check_mode=True,
    )
    p = module.params
    # On a fresh host in check mode the package that brings cryptography is
    # not installed yet; with no lineage there is nothing to read, so the
    # plan (issue) needs no cryptography.
    if not HAS_CRYPTOGRAPHY and (
        not module.check_mode or os.path.exists(os.path.join(p["config_dir"], "renewal", p["name"] + ".conf"))
    ):
        module.fail_json(msg=missing_required_lib("cryptography") + " (Debian: python3-cryptography)")
    if not p["domains"] or any(not d.strip() for d in p["domains"]):
        module.fail_json(msg=f"domains of certificate {p['name']}: give at least one name, and no empty ones")
    if bool(p["eab_kid"]) != bool(p["eab_hmac_key"]):
        module.fail_json(
            msg="eab_kid and eab_hmac_key: External Account Binding needs both (the CA gives them together)"
        )
    if p["eab_hmac_key"] and eab_key_problem(p["eab_hmac_key"]):
        module.fail_json(msg=eab_key_problem(p["eab_hmac_key"]))
    if p["renew_before_days"] < 1:
        module.fail_json(msg=f"renew_before_days must be 1 or more, got {p['renew_before_days']}")
    server = resolve_directory(p["server"])
    if not server.startswith("https://"):
        module.fail_json(
            msg=f"server must be production, staging or an https:// ACME directory URL, got {p['server']!r}"
        )

    want = Wanted(
        name=p["name"],
        domains=p["domains"],
        server=server,
        key_type=p["key_type"],
        elliptic_curve=p["elliptic_curve"],
        rsa_key_size=p["rsa_key_size"],
        must_staple=p["must_staple"],
        renew_before_days=p["renew_before_days"],
    )
    opts = Options(
        challenge=p["challenge"],
        webroot=p["webroot"] or "",
        dns_plugin=p["dns_plugin"] or "",
        dns_credentials=p["dns_credentials"] or "",
        dns_propagation_seconds=p["dns_propagation_seconds"],
        email=p["email"],
        eab_kid=p["eab_kid"],
        eab_hmac_key=p["eab_hmac_key"],
        config_dir=p["config_dir"],
    )
    now = datetime.datetime.now(datetime.UTC)
    try:
        before = read_lineage(p["config_dir"], p["name"])
    except LineageError as exc:
        module.fail_json(msg=f"certificate {p['name']}: {exc}")
    todo = plan(want, before, now)
    result = dict(
        changed=todo.action != "none",
        action=todo.action,
        reasons=todo.reasons,
        cmd=[],
        server=server,
        certificate=before.cert.as_dict(now) if before else {},
    )
    after = before
    if todo.action != "none":
        opts.certbot = module.get_bin_path("certbot", required=not module.check_mode) or "certbot"
        result["cmd"] = certbot_argv(want, todo.action, opts)
        if not module.check_mode:
            environ = {"REQUESTS_CA_BUNDLE": p["ca_bundle"]} if p["ca_bundle"] else {}
            if p["ca_bundle"] and not os.path.isfile(p["ca_bundle"]):
                module.fail_json(msg=f"ca_bundle {p['ca_bundle']} does not exist", **result)
            rc, out, err = _run_certbot(module, want, todo.action, opts, environ)
            if rc != 0:
                module.fail_json(
                    msg=(
                        f"certbot could not {todo.action} certificate {p['name']} for {', '.join(p['domains'])}: "
                        f"{failure_reason(err + out)}. The previous certificate (if any) is still in use."
                    ),
                    rc=rc,
                    stdout=out,
                    stderr=err,
                    **result,
                )
            try:
                after = read_lineage(p["config_dir"], p["name"])
            except LineageError as exc:
                module.fail_json(msg=f"certbot succeeded but certificate {p['name']} cannot be read: {exc}", **result)
            left = plan(want, after, now)
            if left.action != "none":
                module.fail_json(
                    msg=(
                        f"certbot succeeded but certificate {p['name']} still does not match: {'; '.join(left.reasons)}"
                    ),
                    stdout=out,
                    stderr=err,
                    **result,
                )
            result["certificate"] = after.cert.as_dict(now)
    if module._diff:
        result["diff"] = dict(
            before_header=f"certificate {p['name']}",
            after_header=f"certificate {p['name']}",
            before=_describe(before, now),
            after=_describe(after, now)
            if not module.check_mode or todo.action == "none"
            else f"({todo.action}: {'; '.join(todo.reasons)})\n",
        )
    module.exit_json(**result)


def _run_certbot(module, want, action, opts, environ):
    """Run certbot; the EAB key, if any, in a 0600 file of the module's private temporary directory, removed after."""
    if not opts.eab_kid:
        return module.run_command(certbot_argv(want, action, opts), environ_update=environ)
    fd, path = tempfile.mkstemp(prefix="certbot-eab-", suffix=".ini", dir=module.tmpdir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(eab_config_text(opts))
        return module.run_command(certbot_argv(want, action, opts, eab_config=path), environ_update=environ)
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
