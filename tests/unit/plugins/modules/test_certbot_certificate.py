# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run certbot_certificate's main() as Ansible would, with a stand-in certbot on PATH.

The stand-in records its argv and environment and writes a lineage the way
certbot lays one out (renewal file and live/NAME/cert.pem) for the -d names;
the real certbot runs against Pebble in the certbot_tls Molecule scenario.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.modules import certbot_certificate

PEBBLE = "https://pebble.lab.test:14000/dir"

FAKE_CERTBOT = textwrap.dedent("""\
    #!{python}
    import datetime, json, os, sys
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID
    argv = sys.argv[1:]
    config = {{}}
    if "--config" in argv:  # what certbot would read from it, and who else could
        path = argv[argv.index("--config") + 1]
        with open(path) as f:
            config = {{"path": path, "mode": os.stat(path).st_mode & 0o777, "text": f.read()}}
    with open(os.environ["FAKE_CERTBOT_LOG"], "a") as log:
        log.write(json.dumps({{"argv": argv, "ca": os.environ.get("REQUESTS_CA_BUNDLE"), "config": config}}) + "\\n")
    if os.environ.get("FAKE_CERTBOT_FAIL"):
        sys.stderr.write(os.environ["FAKE_CERTBOT_FAIL"])
        sys.exit(1)
    def opt(flag, default=None):
        return argv[argv.index(flag) + 1] if flag in argv else default
    names = [argv[i + 1] for i, a in enumerate(argv) if a == "-d"]
    name, config = opt("--cert-name"), opt("--config-dir", "/etc/letsencrypt")
    if os.environ.get("FAKE_CERTBOT_NAMES"):  # a certbot that issues something else
        names = os.environ["FAKE_CERTBOT_NAMES"].split(",")
    key = (ec.generate_private_key(ec.SECP384R1() if opt("--elliptic-curve") == "secp384r1" else ec.SECP256R1())
           if opt("--key-type") == "ecdsa" else rsa.generate_private_key(65537, int(opt("--rsa-key-size"))))
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Pebble Intermediate CA 1")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=int(os.environ.get("FAKE_CERTBOT_DAYS", "90"))))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
            .sign(key, hashes.SHA256()))
    live = os.path.join(config, "live", name)
    os.makedirs(live, exist_ok=True)
    os.makedirs(os.path.join(config, "renewal"), exist_ok=True)
    with open(os.path.join(live, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(Encoding.PEM))
    with open(os.path.join(config, "renewal", name + ".conf"), "w") as f:
        f.write("version = 2.1.0\\ncert = %s/cert.pem\\n[renewalparams]\\nserver = %s\\n" % (live, opt("--server")))
    print("Successfully received certificate.")
""")


@pytest.fixture
def certbot(tmp_path, monkeypatch):
    """A stand-in certbot first on PATH; returns the list of its calls so far."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "certbot"
    script.write_text(FAKE_CERTBOT.format(python=sys.executable))
    script.chmod(0o755)
    log = tmp_path / "certbot.log"
    log.touch()
    monkeypatch.setenv("PATH", f"{bindir}:{__import__('os').environ['PATH']}")
    monkeypatch.setenv("FAKE_CERTBOT_LOG", str(log))
    return lambda: [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def run(run_main, tmp_path):
    webroot = tmp_path / "webroot"
    webroot.mkdir()

    def call(check_mode=False, diff=False, **args):
        args = dict(
            {
                "name": "studio",
                "domains": ["studio.lab.test"],
                "server": PEBBLE,
                "webroot": str(webroot),
                "config_dir": str(tmp_path / "le"),
            },
            **args,
        )
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        return run_main(certbot_certificate.main, args)

    return call


def test_documentation_matches_the_module(run, module_init, certbot):
    """Every return value is documented, and nothing more."""
    run()
    assert module_init["supports_check_mode"] is True
    returned = yaml.safe_load(certbot_certificate.RETURN)
    _failed, result = run()
    assert set(returned) == set(result) - {"changed", "invocation"}
    assert set(returned["certificate"]["contains"]) == set(result["certificate"])


def test_issue_then_nothing(run, certbot):
    failed, result = run()
    assert not failed, result.get("msg")
    assert result["changed"] and result["action"] == "issue"
    assert result["certificate"]["names"] == ["studio.lab.test"] and result["certificate"]["days_left"] >= 89
    [call] = certbot()
    assert "--force-renewal" not in call["argv"] and call["argv"][:2] == ["certonly", "--non-interactive"]
    failed, result = run()
    assert not failed and not result["changed"] and result["action"] == "none" and result["cmd"] == []
    assert len(certbot()) == 1, "a matching certificate must not contact the CA"


def test_check_mode_plans_without_running(run, certbot):
    failed, result = run(check_mode=True, diff=True)
    assert not failed and result["changed"] and result["action"] == "issue"
    assert "--cert-name" in result["cmd"] and certbot() == []
    assert result["diff"]["before"] == "(no certificate)\n" and "issue" in result["diff"]["after"]


def test_check_mode_on_a_fresh_host_needs_no_cryptography(run, certbot, monkeypatch):
    # Fresh host in check mode: python3-cryptography (like certbot) is not installed yet.
    monkeypatch.setattr(certbot_certificate, "HAS_CRYPTOGRAPHY", False)
    failed, result = run(check_mode=True)
    assert not failed and result["changed"] and result["action"] == "issue" and certbot() == []
    failed, result = run()
    assert failed and "cryptography" in result["msg"] and certbot() == []


def test_check_mode_with_a_lineage_needs_cryptography(run, certbot, monkeypatch):
    assert not run()[0]
    monkeypatch.setattr(certbot_certificate, "HAS_CRYPTOGRAPHY", False)
    failed, result = run(check_mode=True)
    assert failed and "python3-cryptography" in result["msg"]


@pytest.mark.parametrize(
    ("change", "action", "reason"),
    [
        ({"domains": ["studio.lab.test", "www.studio.lab.test"]}, "reissue", "add www.studio.lab.test"),
        ({"server": "https://other-ca.lab.test/dir"}, "reissue", "ACME directory changes"),
        ({"key_type": "rsa"}, "reissue", "to rsa 2048"),
        ({"_first_days": "20"}, "renew", "expires in 19 days"),
    ],
)
def test_changes_update_the_same_lineage(run, certbot, tmp_path, monkeypatch, change, action, reason):
    monkeypatch.setenv("FAKE_CERTBOT_DAYS", change.pop("_first_days", "90"))
    run()
    monkeypatch.setenv("FAKE_CERTBOT_DAYS", "90")
    failed, result = run(diff=True, **change)
    assert not failed, result.get("msg")
    assert result["action"] == action and any(reason in r for r in result["reasons"]), result["reasons"]
    calls = certbot()
    assert len(calls) == 2 and "--force-renewal" in calls[1]["argv"]
    assert calls[1]["argv"][calls[1]["argv"].index("--cert-name") + 1] == "studio"
    assert sorted(p.name for p in (tmp_path / "le" / "live").iterdir()) == ["studio"]
    assert result["diff"]["before"] != result["diff"]["after"]


def test_renew_that_cannot_be_met_fails(run, certbot):
    run()  # the stand-in issues 90 days: a 100-day threshold can never be met
    failed, result = run(renew_before_days=100)
    assert failed and "still does not match" in result["msg"] and "fewer than 100" in result["msg"]


def test_failure_keeps_the_previous_certificate(run, certbot, tmp_path, monkeypatch):
    run()
    cert = (tmp_path / "le" / "live" / "studio" / "cert.pem").read_bytes()
    monkeypatch.setenv(
        "FAKE_CERTBOT_FAIL",
        (
            "Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported "
            "these problems:\n  Domain: nowhere.lab.test\n  Type:   dns\n  Detail: no such host\n\nHint: check DNS\n"
        ),
    )
    failed, result = run(domains=["studio.lab.test", "nowhere.lab.test"])
    assert failed
    assert "could not reissue certificate studio" in result["msg"]
    assert "Domain: nowhere.lab.test Type: dns Detail: no such host" in result["msg"]
    assert "previous certificate" in result["msg"]
    assert (tmp_path / "le" / "live" / "studio" / "cert.pem").read_bytes() == cert


def test_certbot_issuing_other_names_fails(run, certbot, monkeypatch):
    monkeypatch.setenv("FAKE_CERTBOT_NAMES", "other.lab.test")
    failed, result = run()
    assert failed and "still does not match" in result["msg"]


def test_ca_bundle_and_eab(run, certbot, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    failed, result = run(ca_bundle=str(bundle), eab_kid="kid-1", eab_hmac_key="hmac-secret-value")
    assert not failed, result.get("msg")
    [call] = certbot()
    assert call["ca"] == str(bundle)
    # Not on the command line, which every local user can read: in a file
    # only root reads, removed once certbot is done.
    assert not any("hmac-secret-value" in part for part in call["argv"]), call["argv"]
    assert call["config"]["text"] == "eab-hmac-key = hmac-secret-value\n" and call["config"]["mode"] == 0o600
    assert not os.path.exists(call["config"]["path"])
    assert "hmac-secret-value" not in json.dumps(result)


def test_eab_key_file_is_removed_when_certbot_fails(run, certbot, monkeypatch):
    monkeypatch.setenv("FAKE_CERTBOT_FAIL", "An unexpected error occurred: boom")
    failed, result = run(eab_kid="kid-1", eab_hmac_key="hmac-secret-value")
    [call] = certbot()
    assert failed and not os.path.exists(call["config"]["path"])
    assert "hmac-secret-value" not in json.dumps(result)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle /nonexistent/ca.pem does not exist"),
        ({"server": "http://insecure.lab.test/dir"}, "https:// ACME directory URL"),
        ({"domains": []}, "at least one name"),
        ({"domains": ["a.lab.test", " "]}, "no empty ones"),
        ({"renew_before_days": 0}, "renew_before_days must be 1 or more"),
        ({"eab_kid": "kid-only"}, "eab_kid"),
        ({"eab_kid": "kid-1", "eab_hmac_key": "key\npre-hook = touch /tmp/owned"}, "eab_hmac_key: not a base64"),
        ({"challenge": "dns-01"}, "dns_plugin"),
    ],
)
def test_bad_input(run, certbot, args, message):
    failed, result = run(**args)
    assert failed and message in result["msg"], result["msg"]
    assert certbot() == []


def test_broken_lineage_stops(run, certbot, tmp_path):
    (tmp_path / "le" / "live" / "studio").mkdir(parents=True)
    failed, result = run()
    assert failed and "certbot certificates" in result["msg"] and certbot() == []
