# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the certbot lineage reader and planner.

Renewal files: see fixtures/certbot/README.md. Certificates are generated
here with cryptography, so each case says exactly what it holds.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from ansible_collections.aiguard.hardening.plugins.module_utils import certbot as cb

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "certbot"
NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC)
PEBBLE = "https://pebble.lab.test:14000/dir"
_KEYS = {}


def make_cert(
    names=("studio.lab.test",),
    key=("ecdsa", "secp256r1"),
    days_left=60,
    must_staple=False,
    ocsp=None,
    cn=None,
    self_signed=False,
):
    """A leaf certificate as PEM bytes."""
    if key not in _KEYS:
        _KEYS[key] = (
            ec.generate_private_key({"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1()}[key[1]])
            if key[0] == "ecdsa"
            else rsa.generate_private_key(65537, key[1])
        )
    if ("issuer",) not in _KEYS:
        _KEYS[("issuer",)] = ec.generate_private_key(ec.SECP256R1())
    leaf = _KEYS[key]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn or (names[0] if names else "x"))])
    issuer = (
        subject if self_signed else x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Pebble Intermediate CA 1")])
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(leaf.public_key())
        .serial_number(0x1234ABCD)
        .not_valid_before(NOW - datetime.timedelta(days=10))
        .not_valid_after(NOW + datetime.timedelta(days=days_left))
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
    if must_staple:
        builder = builder.add_extension(x509.TLSFeature([x509.TLSFeatureType.status_request]), False)
    if ocsp:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp))]
            ),
            False,
        )
    signer = leaf if self_signed else _KEYS[("issuer",)]
    return builder.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


# ---------------------------------------------------------------- renewal files


def test_parse_renewal_fixture():
    conf = cb.parse_renewal_conf((FIXTURES / "renewal-webroot.conf").read_text())
    assert conf["top"]["cert"] == "/etc/letsencrypt/live/studio/cert.pem"
    assert conf["top"]["version"] == "2.1.0"
    assert conf["renewalparams"]["server"] == "https://aiguard-certbot-tls-pebble.dns.podman:14000/dir"
    assert conf["renewalparams"]["webroot_path"] == ["/var/www/aiguard-acme"]
    assert conf["renewalparams"]["key_type"] == "ecdsa"
    assert conf["renewalparams"]["elliptic_curve"] == "secp256r1"
    assert conf["renewalparams"]["authenticator"] == "webroot"
    assert conf["webroot_map"] == {"aiguard-certbot-tls-bookworm.dns.podman": "/var/www/aiguard-acme"}


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        (
            "server = https://acme-v02.api.letsencrypt.org/directory",
            "server",
            "https://acme-v02.api.letsencrypt.org/directory",
        ),
        ("webroot_path = /var/www/a, /var/www/b,", "webroot_path", ["/var/www/a", "/var/www/b"]),
        ("webroot_path = /var/www/a,", "webroot_path", ["/var/www/a"]),
        ("must_staple = True", "must_staple", "True"),
        ("email = 'ops@example.org'", "email", "ops@example.org"),
        ("pref_challs = http-01,", "pref_challs", ["http-01"]),
        ("  rsa_key_size   =   4096  ", "rsa_key_size", "4096"),
    ],
)
def test_parse_renewal_values(line, key, value):
    assert cb.parse_renewal_conf("[renewalparams]\n" + line + "\n")["renewalparams"][key] == value


def test_parse_renewal_rejects_garbage():
    with pytest.raises(cb.LineageError, match="line 2"):
        cb.parse_renewal_conf("cert = /x\nthis is not a setting\n")


# ---------------------------------------------------------------- certificates


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {},
            dict(
                names=["studio.lab.test"],
                key_type="ecdsa",
                key_param="secp256r1",
                must_staple=False,
                days_left=60,
                self_issued=False,
                ocsp_urls=[],
            ),
        ),
        (
            {"names": ("Studio.Lab.Test.", "www.studio.lab.test")},
            dict(names=["studio.lab.test", "www.studio.lab.test"]),
        ),
        ({"key": ("ecdsa", "secp384r1")}, dict(key_type="ecdsa", key_param="secp384r1")),
        ({"key": ("rsa", 2048)}, dict(key_type="rsa", key_param="2048")),
        ({"must_staple": True}, dict(must_staple=True)),
        ({"ocsp": "http://ocsp.example.test"}, dict(ocsp_urls=["http://ocsp.example.test"])),
        ({"days_left": -3}, dict(days_left=-3)),
        ({"self_signed": True}, dict(self_issued=True)),
        ({"names": (), "cn": "legacy.example.org"}, dict(names=["legacy.example.org"])),
    ],
)
def test_cert_info(kwargs, expected):
    info = cb.cert_info(make_cert(**kwargs)).as_dict(NOW)
    for key, value in expected.items():
        assert info[key] == value, key
    assert info["serial"] == "1234abcd"


def test_cert_info_rejects_non_pem():
    with pytest.raises(cb.LineageError, match="not a PEM certificate"):
        cb.cert_info(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")


# ---------------------------------------------------------------- lineages on disk


def write_lineage(config_dir, name="studio", server=PEBBLE, **cert_kwargs):
    live = config_dir / "live" / name
    live.mkdir(parents=True)
    (live / "cert.pem").write_bytes(make_cert(**cert_kwargs))
    (config_dir / "renewal").mkdir(exist_ok=True)
    (config_dir / "renewal" / f"{name}.conf").write_text(
        f"cert = {live}/cert.pem\n[renewalparams]\nserver = {server}\nauthenticator = webroot\n"
    )


def test_read_lineage(tmp_path):
    write_lineage(tmp_path)
    lineage = cb.read_lineage(str(tmp_path), "studio")
    assert lineage.server == PEBBLE and lineage.cert.names == ["studio.lab.test"]


def test_read_lineage_missing(tmp_path):
    assert cb.read_lineage(str(tmp_path), "studio") is None


@pytest.mark.parametrize("broken", ["no-conf", "no-cert"])
def test_read_lineage_broken(tmp_path, broken):
    write_lineage(tmp_path)
    if broken == "no-conf":
        (tmp_path / "renewal" / "studio.conf").unlink()
        match = "does not"
    else:
        (tmp_path / "live" / "studio" / "cert.pem").unlink()
        match = "cannot be read"
    with pytest.raises(cb.LineageError, match=match):
        cb.read_lineage(str(tmp_path), "studio")


# ---------------------------------------------------------------- plans

WANT = dict(name="studio", domains=["studio.lab.test"], server=PEBBLE)


def lineage(server=PEBBLE, **cert_kwargs):
    return cb.Lineage(name="studio", server=server, cert=cb.cert_info(make_cert(**cert_kwargs)), renewal={})


@pytest.mark.parametrize(
    ("want", "have", "action", "reason"),
    [
        ({}, None, "issue", "no certificate named studio"),
        ({}, {}, "none", None),
        ({"domains": ["STUDIO.lab.test."]}, {}, "none", None),  # case and trailing dot do not matter
        (
            {"domains": ["www.studio.lab.test", "studio.lab.test"]},
            {"names": ("studio.lab.test", "www.studio.lab.test")},
            "none",
            None,
        ),  # nor order
        ({"domains": ["studio.lab.test", "www.studio.lab.test"]}, {}, "reissue", "add www.studio.lab.test"),
        ({}, {"names": ("studio.lab.test", "old.lab.test")}, "reissue", "remove old.lab.test"),
        (
            {"server": "staging"},
            {},
            "reissue",
            f"from {PEBBLE} to https://acme-staging-v02.api.letsencrypt.org/directory",
        ),
        ({}, {"server": PEBBLE + "/"}, "none", None),  # a trailing slash is the same directory
        ({"key_type": "rsa", "rsa_key_size": 2048}, {}, "reissue", "from ecdsa secp256r1 to rsa 2048"),
        ({"elliptic_curve": "secp384r1"}, {}, "reissue", "to ecdsa secp384r1"),
        ({"elliptic_curve": "prime256v1"}, {}, "none", None),  # another name of the same curve
        ({"key_type": "rsa", "rsa_key_size": 3072}, {"key": ("rsa", 2048)}, "reissue", "from rsa 2048 to rsa 3072"),
        ({"must_staple": True}, {}, "reissue", "must-staple requested"),
        ({}, {"must_staple": True}, "reissue", "no longer requested"),
        ({}, {"days_left": 29}, "renew", "expires in 29 days"),
        ({}, {"days_left": 30}, "none", None),
        ({"renew_before_days": 61}, {"days_left": 60}, "renew", "fewer than 61"),
        ({}, {"days_left": -1}, "renew", "expires in -1 days"),
        # A reissue reason wins over expiry: the reissue renews too.
        ({"domains": ["new.lab.test"]}, {"days_left": 2}, "reissue", "add new.lab.test; remove studio.lab.test"),
    ],
)
def test_plan(want, have, action, reason):
    wanted = cb.Wanted(**dict(WANT, **want))
    have_lineage = None if have is None else lineage(**have)
    result = cb.plan(wanted, have_lineage, NOW)
    assert result.action == action
    if reason is None:
        assert result.reasons == []
    else:
        assert any(reason in r for r in result.reasons), result.reasons


# ---------------------------------------------------------------- certbot commands


@pytest.mark.parametrize(
    ("want", "action", "opts", "present", "absent"),
    [
        (
            {},
            "issue",
            {"webroot": "/var/www/acme"},
            [
                "--cert-name studio",
                f"--server {PEBBLE}",
                "--webroot --webroot-path /var/www/acme",
                "--key-type ecdsa --elliptic-curve secp256r1",
                "--register-unsafely-without-email",
                "-d studio.lab.test",
            ],
            ["--force-renewal", "--must-staple", "--config-dir", "--eab-kid"],
        ),
        (
            {"server": "production"},
            "renew",
            {"webroot": "/w", "email": "ops@example.org"},
            ["--server https://acme-v02.api.letsencrypt.org/directory", "--email ops@example.org", "--force-renewal"],
            ["--register-unsafely-without-email"],
        ),
        (
            {"key_type": "rsa", "rsa_key_size": 4096, "must_staple": True},
            "reissue",
            {"webroot": "/w"},
            ["--key-type rsa --rsa-key-size 4096", "--must-staple", "--force-renewal"],
            ["--elliptic-curve"],
        ),
        (
            {"domains": ["a.example.org", "B.example.org."]},
            "issue",
            {"webroot": "/w", "config_dir": "/tmp/le"},
            ["-d a.example.org -d b.example.org", "--config-dir /tmp/le"],
            [],
        ),
        (
            {},
            "issue",
            {
                "challenge": "dns-01",
                "dns_plugin": "dns-rfc2136",
                "dns_credentials": "/etc/x.ini",
                "dns_propagation_seconds": 60,
            },
            [
                "--authenticator dns-rfc2136",
                "--dns-rfc2136-credentials /etc/x.ini",
                "--dns-rfc2136-propagation-seconds 60",
            ],
            ["--webroot"],
        ),
        (
            {},
            "issue",
            {"webroot": "/w", "eab_kid": "kid-1", "eab_hmac_key": "c2VjcmV0"},
            [f"--eab-kid kid-1 --config {cb.EAB_CONFIG}"],
            ["c2VjcmV0", "--eab-hmac-key"],
        ),
    ],
)
def test_certbot_argv(want, action, opts, present, absent):
    line = " ".join(cb.certbot_argv(cb.Wanted(**dict(WANT, **want)), action, cb.Options(**opts)))
    for part in present:
        assert part in line, (part, line)
    for part in absent:
        assert part not in line, (part, line)


@pytest.mark.parametrize("action", ["issue", "reissue", "renew"])
@pytest.mark.parametrize("eab_config", [None, "certbot-eab-x.ini"])
def test_certbot_argv_never_holds_the_eab_key(action, eab_config):
    """Any local user can read a command line (ps, /proc/PID/cmdline): the key goes in a 0600 file (--config)."""
    opts = cb.Options(webroot="/w", eab_kid="kid-1", eab_hmac_key="s3cr3t-hmac")
    args = {} if eab_config is None else {"eab_config": eab_config}
    argv = cb.certbot_argv(cb.Wanted(**WANT), action, opts, **args)
    assert not any("s3cr3t-hmac" in part for part in argv), argv
    assert "--eab-hmac-key" not in argv
    assert argv[argv.index("--config") + 1] == (eab_config or cb.EAB_CONFIG)
    assert cb.eab_config_text(opts) == "eab-hmac-key = s3cr3t-hmac\n"


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("c2VjcmV0", True),
        ("zPAQ-1_x9LkV0aWd_Tjdg7hkVJbqcMq2jGwM5YwZaeA", True),
        ("YWJj+/Zm9v==", True),
        ("", False),
        ("two words", False),
        ("key\npre-hook = touch /tmp/owned", False),
        ("key#comment", False),
    ],
)
def test_eab_key_must_be_base64(key, valid):
    problem = cb.eab_key_problem(key)
    assert (problem is None) is valid
    if not valid:
        assert (not key or key not in problem) and "base64" in problem
        with pytest.raises(ValueError):
            cb.eab_config_text(cb.Options(eab_kid="k", eab_hmac_key=key))


def test_certbot_argv_refuses_none():
    with pytest.raises(ValueError):
        cb.certbot_argv(cb.Wanted(**WANT), "none", cb.Options())


# ---------------------------------------------------------------- failures

# Captured from certbot 2.1.0 (Debian 12) and 4.0.0 (Debian 13) against Pebble
# in the certbot_tls scenario (see fixtures/certbot/README.md).
FAILURES = [
    ("unresolvable", "the CA reported: Domain: nowhere.invalid Type: connection Detail: Get ", "no such host"),
    (
        "refused",
        "the CA reported: Domain: aiguard-certbot-tls-pebble.dns.podman Type: connection Detail: Get ",
        "connect: connection refused",
    ),
    ("untrusted-ca", "An unexpected error occurred: requests.exceptions.SSLError: ", "CERTIFICATE_VERIFY_FAILED"),
]


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
@pytest.mark.parametrize(("case", "start", "detail"), FAILURES)
def test_failure_reason_of_real_certbot_output(release, case, start, detail):
    output = (FIXTURES / f"failure-{case}-certbot-{release}.txt").read_text()
    reason = cb.failure_reason(output)
    assert reason.startswith(start) and detail in reason, reason
    # The reason, not certbot's generic advice around it.
    assert "Hint:" not in reason and "Ask for help" not in reason and "\n" not in reason


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("", "certbot failed without output"),
        ("one\ntwo\nthree\nfour\n", "two three four"),
    ],
)
def test_failure_reason_fallbacks(output, expected):
    assert cb.failure_reason(output) == expected
