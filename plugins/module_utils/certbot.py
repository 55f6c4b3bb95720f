# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read a certbot lineage and decide whether it must be (re)issued.

Plain Python (no AnsibleModule) so that pytest tests it directly. What the
certbot_certificate module needs, and YAML does badly:

* ``parse_renewal_conf``: certbot's renewal file
  (``/etc/letsencrypt/renewal/NAME.conf``, ConfigObj syntax) - the ACME
  directory the lineage was issued from lives only there;
* ``cert_info``: names, key, must-staple, issuer and expiry of a PEM
  certificate (with ``cryptography``, which certbot itself depends on, so a
  host with certbot has it);
* ``read_lineage``: both for one lineage name, or None when there is none;
* ``plan``: ``none``, ``issue``, ``reissue`` or ``renew``, with the reasons;
* ``certbot_argv``: the ``certbot certonly`` command for a plan, and
  ``eab_config_text`` the file that gives it the EAB key off the command line;
* ``failure_reason``: the part of certbot's output a person needs when it
  fails (the CA's problem per name, or certbot's own error).

The certificate is the truth for names, key type and must-staple (older
lineages' renewal files do not record the key type); the renewal file is the
truth for the ACME directory.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field

try:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_CRYPTOGRAPHY = False

ACME_DIRECTORIES = {
    "production": "https://acme-v02.api.letsencrypt.org/directory",
    "staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
}
KEY_TYPES = ("ecdsa", "rsa")
CURVES = {"secp256r1": "secp256r1", "secp384r1": "secp384r1", "prime256v1": "secp256r1"}
DEFAULT_CONFIG_DIR = "/etc/letsencrypt"
ACTIONS = ("none", "issue", "reissue", "renew")


class LineageError(Exception):
    """A lineage that exists but cannot be read as certbot left it."""


def resolve_directory(server: str) -> str:
    """``production``/``staging`` or a URL -> the ACME directory URL."""
    return ACME_DIRECTORIES.get(server, server)


def normalize_name(name: str) -> str:
    """DNS names compare without case and without a trailing dot."""
    return name.strip().rstrip(".").lower()


def _value(raw: str):
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    if "," in raw:  # ConfigObj list: "a, b," or "a,"
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def parse_renewal_conf(text: str) -> dict:
    """Parse a certbot renewal file.

    Returns ``{"top": {...}, "renewalparams": {...}, "webroot_map": {...}}``:
    top-level keys (``cert``, ``privkey``, ``chain``, ``fullchain``,
    ``version``, ``archive_dir``...), the ``[renewalparams]`` section and its
    ``[[webroot_map]]`` subsection. Lists (``webroot_path = /var/www/x,``)
    come back as Python lists. Unknown sections are kept under their name.
    """
    out: dict = {"top": {}, "renewalparams": {}, "webroot_map": {}}
    current = out["top"]
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        section = re.match(r"^(\[+)\s*([^\]]+?)\s*(\]+)$", stripped)
        if section:
            current = out.setdefault(section.group(2), {})
            continue
        if "=" not in stripped:
            raise LineageError(f"line {lineno} is neither 'key = value' nor a [section]: {stripped!r}")
        key, raw = stripped.split("=", 1)
        current[key.strip()] = _value(raw)
    return out


@dataclass
class CertInfo:
    names: list
    key_type: str  # ecdsa or rsa (or the class name of another key)
    key_param: str  # curve name, or RSA size as a string
    must_staple: bool
    not_before: datetime.datetime
    not_after: datetime.datetime
    issuer: str
    subject: str
    serial: str
    self_issued: bool
    ocsp_urls: list = field(default_factory=list)

    def days_left(self, now: datetime.datetime) -> int:
        return int((self.not_after - now).total_seconds() // 86400)

    def as_dict(self, now: datetime.datetime) -> dict:
        return dict(
            names=self.names,
            key_type=self.key_type,
            key_param=self.key_param,
            must_staple=self.must_staple,
            not_before=self.not_before.isoformat(),
            not_after=self.not_after.isoformat(),
            days_left=self.days_left(now),
            issuer=self.issuer,
            subject=self.subject,
            serial=self.serial,
            self_issued=self.self_issued,
            ocsp_urls=self.ocsp_urls,
        )


def _utc(cert, attr):
    value = getattr(cert, attr + "_utc", None)  # cryptography >= 42
    if value is None:
        value = getattr(cert, attr).replace(tzinfo=datetime.UTC)
    return value


def _rfc4514(name) -> str:
    return name.rfc4514_string()


def cert_info(pem: bytes) -> CertInfo:
    """What matters about the first certificate of a PEM file (the leaf of a fullchain)."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise LineageError(f"not a PEM certificate: {exc}") from exc
    names = []
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        names = [normalize_name(n) for n in san.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        pass
    if not names:  # very old style: the name only in the subject CN
        names = [normalize_name(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key_type, key_param = "ecdsa", CURVES.get(key.curve.name, key.curve.name)
    elif isinstance(key, rsa.RSAPublicKey):
        key_type, key_param = "rsa", str(key.key_size)
    else:
        key_type, key_param = type(key).__name__, ""
    must_staple = False
    try:
        features = cert.extensions.get_extension_for_oid(ExtensionOID.TLS_FEATURE).value
        must_staple = x509.TLSFeatureType.status_request in features
    except x509.ExtensionNotFound:
        pass
    ocsp = []
    try:
        aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
        ocsp = [d.access_location.value for d in aia if d.access_method == AuthorityInformationAccessOID.OCSP]
    except x509.ExtensionNotFound:
        pass
    return CertInfo(
        names=names,
        key_type=key_type,
        key_param=key_param,
        must_staple=must_staple,
        not_before=_utc(cert, "not_valid_before"),
        not_after=_utc(cert, "not_valid_after"),
        issuer=_rfc4514(cert.issuer),
        subject=_rfc4514(cert.subject),
        serial=format(cert.serial_number, "x"),
        self_issued=cert.issuer == cert.subject,
        ocsp_urls=ocsp,
    )


@dataclass
class Lineage:
    name: str
    server: str
    cert: CertInfo
    renewal: dict


def read_lineage(config_dir: str, name: str):
    """The lineage NAME under config_dir, or None when certbot has none of that name.

    A renewal file without its certificate (or the reverse) is a broken
    lineage: LineageError, so the role stops instead of issuing a second one.
    """
    conf_path = os.path.join(config_dir, "renewal", name + ".conf")
    if not os.path.exists(conf_path):
        if os.path.exists(os.path.join(config_dir, "live", name)):
            raise LineageError(
                f"{config_dir}/live/{name} exists but {conf_path} does not; "
                f"inspect it with 'certbot certificates' and remove the stale directory"
            )
        return None
    with open(conf_path, encoding="utf-8") as handle:
        renewal = parse_renewal_conf(handle.read())
    cert_path = renewal["top"].get("cert") or os.path.join(config_dir, "live", name, "cert.pem")
    try:
        with open(cert_path, "rb") as handle:
            info = cert_info(handle.read())
    except OSError as exc:
        raise LineageError(
            f"{conf_path} names the certificate {cert_path}, which cannot be read ({exc.strerror}); "
            f"repair or delete the lineage with 'certbot delete --cert-name {name}'"
        ) from exc
    return Lineage(name=name, server=renewal["renewalparams"].get("server", ""), cert=info, renewal=renewal)


@dataclass
class Wanted:
    name: str
    domains: list
    server: str
    key_type: str = "ecdsa"
    elliptic_curve: str = "secp256r1"
    rsa_key_size: int = 2048
    must_staple: bool = False
    renew_before_days: int = 30


@dataclass
class Plan:
    action: str
    reasons: list


def plan(want: Wanted, have, now: datetime.datetime) -> Plan:
    """What to do so that lineage ``want.name`` is what ``want`` says; ``have`` is read_lineage's answer."""
    if have is None:
        return Plan("issue", [f"no certificate named {want.name} yet"])
    reasons = []
    wanted_names = sorted({normalize_name(d) for d in want.domains})
    have_names = sorted(set(have.cert.names))
    if wanted_names != have_names:
        added = sorted(set(wanted_names) - set(have_names))
        removed = sorted(set(have_names) - set(wanted_names))
        reasons.append(
            "names change: "
            + "; ".join(
                part
                for part in (
                    f"add {', '.join(added)}" if added else "",
                    f"remove {', '.join(removed)}" if removed else "",
                )
                if part
            )
        )
    server = resolve_directory(want.server)
    if have.server.rstrip("/") != server.rstrip("/"):
        reasons.append(f"ACME directory changes from {have.server or 'unknown'} to {server}")
    want_param = (
        CURVES.get(want.elliptic_curve, want.elliptic_curve) if want.key_type == "ecdsa" else str(want.rsa_key_size)
    )
    if (have.cert.key_type, have.cert.key_param) != (want.key_type, want_param):
        reasons.append(f"key changes from {have.cert.key_type} {have.cert.key_param} to {want.key_type} {want_param}")
    if have.cert.must_staple != want.must_staple:
        reasons.append("must-staple " + ("requested" if want.must_staple else "no longer requested"))
    if reasons:
        return Plan("reissue", reasons)
    days = have.cert.days_left(now)
    if days < want.renew_before_days:
        return Plan(
            "renew",
            [f"expires in {days} days ({have.cert.not_after.date().isoformat()}), fewer than {want.renew_before_days}"],
        )
    return Plan("none", [])


@dataclass
class Options:
    """How certbot proves control and talks to the CA (not part of the plan)."""

    challenge: str = "http-01"
    webroot: str = ""
    dns_plugin: str = ""
    dns_credentials: str = ""
    dns_propagation_seconds: int = 0
    email: str = ""
    eab_kid: str = ""
    eab_hmac_key: str = ""
    config_dir: str = DEFAULT_CONFIG_DIR
    certbot: str = "certbot"


# The External Account Binding HMAC key never goes on certbot's command line,
# which every local user can read (ps, /proc/PID/cmdline): the module writes
# it to a file of mode 0600 that certbot reads with --config (as well as its
# own cli.ini) and removes it afterwards. certbot keeps neither the key nor
# the file's name in the renewal configuration. This stands for that file
# in the command the module reports.
EAB_CONFIG = "<temporary 0600 file with the EAB HMAC key>"
# RFC 8555 gives the key base64url-encoded; some CAs show plain base64.
_EAB_KEY = re.compile(r"[A-Za-z0-9_\-+/]+={0,2}")


def eab_key_problem(key: str):
    """Why ``key`` cannot be an EAB HMAC key, without quoting it; None if it can."""
    if not _EAB_KEY.fullmatch(key or ""):
        return (
            "eab_hmac_key: not a base64 or base64url key as the CA gives it (letters, digits, -, _, + and /,"
            " maybe = at the end); check that it was copied whole and with nothing around it"
        )
    return None


def eab_config_text(opts: Options) -> str:
    """The certbot configuration file (``key = value``) that gives certbot the EAB HMAC key."""
    problem = eab_key_problem(opts.eab_hmac_key)
    if problem:
        raise ValueError(problem)
    return f"eab-hmac-key = {opts.eab_hmac_key}\n"


def certbot_argv(want: Wanted, action: str, opts: Options, eab_config: str = EAB_CONFIG) -> list:
    """``certbot certonly`` for a plan's action (not ``none``); never holds the EAB key (see EAB_CONFIG).

    ``eab_config`` is the file written from eab_config_text(), read with
    ``--config`` when the account uses External Account Binding.
    """
    if action not in ("issue", "reissue", "renew"):
        raise ValueError(f"nothing to run for action {action!r}")
    argv = [
        opts.certbot,
        "certonly",
        "--non-interactive",
        "--agree-tos",
        "--cert-name",
        want.name,
        "--server",
        resolve_directory(want.server),
    ]
    if opts.config_dir != DEFAULT_CONFIG_DIR:
        argv += ["--config-dir", opts.config_dir]
    argv += ["--email", opts.email] if opts.email else ["--register-unsafely-without-email"]
    if opts.eab_kid:
        argv += ["--eab-kid", opts.eab_kid, "--config", eab_config]
    argv += ["--key-type", want.key_type]
    if want.key_type == "ecdsa":
        argv += ["--elliptic-curve", CURVES.get(want.elliptic_curve, want.elliptic_curve)]
    else:
        argv += ["--rsa-key-size", str(want.rsa_key_size)]
    if want.must_staple:
        argv.append("--must-staple")
    if opts.challenge == "http-01":
        argv += ["--webroot", "--webroot-path", opts.webroot]
    else:
        plugin = opts.dns_plugin
        argv += ["--authenticator", plugin]
        if opts.dns_credentials:
            argv += [f"--{plugin}-credentials", opts.dns_credentials]
        if opts.dns_propagation_seconds:
            argv += [f"--{plugin}-propagation-seconds", str(opts.dns_propagation_seconds)]
    if action != "issue":
        argv.append("--force-renewal")
    for domain in want.domains:
        argv += ["-d", normalize_name(domain)]
    return argv


_PROBLEMS = re.compile(r"The Certificate Authority reported these problems:\n(?P<body>.*?)(?:\n\s*\nHint:|\Z)", re.S)
_ERROR = re.compile(
    r"^(An unexpected error occurred:|Error:|Requested name|Some challenges have failed|"
    r"Unable to|Encountered exception|Failed to|Could not)",
    re.M,
)


def failure_reason(output: str) -> str:
    """The part of certbot's output that says why it failed."""
    text = output.replace("\r\n", "\n")
    found = _PROBLEMS.search(text)
    if found:
        body = found.group("body").strip()
        return "the CA reported: " + " ".join(body.split())
    match = _ERROR.search(text)
    if match:
        lines = text[match.start() :].strip().splitlines()
        return " ".join(line.strip() for line in lines[:3] if line.strip() and not line.startswith("Ask for help"))
    tail = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(tail[-3:]) if tail else "certbot failed without output"
