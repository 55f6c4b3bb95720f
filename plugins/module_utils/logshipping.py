# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The log_shipping role's variables as data: their defaults, their problems, what the tasks need.

Plain Python (no AnsibleModule) so that pytest tests it directly; the filter
in ``plugins/filter/log_shipping.py`` is its interface to the role.

``MODEL_OPTIONS`` (argument-spec form, the variables without the
``log_shipping_`` prefix) is the source of the defaults and types;
``roles/log_shipping/meta/argument_specs.yml`` repeats them for Ansible's
own validation and the README, and a unit test keeps the two in step.

* ``build(**settings)``: the ``Model`` of what the tasks and templates need
  (the inputs with their rsyslog tags, the collectors with their ports, the
  queue, TLS files, the redactor's JSON configuration, the collector's
  directory and retention); raises ``LogShippingError`` with every problem,
  so nothing is built from input that has one;
* ``problems(**settings)``: every problem, each naming the variable
  (``log_shipping_files[1].path``) and the fix.

The redaction settings are checked by ``logredact`` itself, the code the
hosts run, so the preflight refuses exactly what the host would.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, field

from ansible_collections.aiguard.hardening.plugins.module_utils import argspec, logforward, logredact

PREFIX = "log_shipping_"
RELP, TCP_TLS = "relp", "tcp-tls"
DEFAULT_PORTS = {RELP: 2514, TCP_TLS: 6514}

COLLECTOR_OPTIONS = {
    "host": dict(type="str", required=True),
    "port": dict(type="int", default=0),
    "name": dict(type="str", default=""),
}
FILE_OPTIONS = {
    "path": dict(type="str", required=True),
    "name": dict(type="str", required=True),
}
MODEL_OPTIONS = {
    "client": dict(type="bool", default=True),
    "collector": dict(type="bool", default=False),
    "collectors": dict(type="list", elements="dict", default=[], options=COLLECTOR_OPTIONS),
    "transport": dict(type="str", choices=[RELP, TCP_TLS], default=RELP),
    "tls_mutual": dict(type="bool", default=True),
    "tls_ca_file": dict(type="str", default="/etc/aiguard/log-shipping/ca.pem"),
    "tls_cert_file": dict(type="str", default="/etc/aiguard/log-shipping/host.pem"),
    "tls_key_file": dict(type="str", default="/etc/aiguard/log-shipping/host.key"),
    "tls_permitted_peers": dict(type="list", elements="str", default=[]),
    "tls_lab_ca_dir": dict(type="str", default=""),
    "nginx_access_log": dict(type="str", default="/var/log/nginx/aiguard-access.json"),
    "nginx_error_log": dict(type="str", default="/var/log/nginx/error.log"),
    "files": dict(type="list", elements="dict", default=[], options=FILE_OPTIONS),
    "journal_units": dict(
        type="list",
        elements="str",
        default=[
            "nginx.service",
            "ufw.service",
            "certbot.service",
            "aiguard-upload-watch.service",
            "aiguard-upload-scan.service",
        ],
    ),
    "queue_dir": dict(type="str", default="/var/spool/rsyslog"),
    "queue_max_disk_space": dict(type="str", default="1g"),
    "queue_sync": dict(type="bool", default=False),
    "redact_extra_patterns": dict(type="list", elements="dict", default=[]),
    "redact_path_prefixes": dict(type="list", elements="str", default=["/root/workspace"]),
    "redact_ipv4": dict(type="bool", default=False),
    "redact_ipv6": dict(type="bool", default=False),
    "collector_dir": dict(type="str", default="/var/log/aiguard-collector"),
    "collector_port": dict(type="int", default=0),
    "collector_retention_days": dict(type="int", default=30),
    "collector_forwards": logforward.OPTION,
}

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
HOST_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
IP_RE = re.compile(r"^[0-9.]+$|^[0-9A-Fa-f:]+$")
# A peer name rsyslog matches: a host name, "*." wildcards allowed.
PEER_RE = re.compile(r"^(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
UNIT_RE = re.compile(r"^[A-Za-z0-9@._:-]+\.(service|socket|timer|scope)$")
SIZE_RE = re.compile(r"^([1-9][0-9]*)([kmg]?)$", re.IGNORECASE)
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
MIN_QUEUE = 16 * 1024**2
QUEUE_MESSAGES = 500_000
# Seconds aiguard-log-ship waits for the collector; rsyslog waits longer for aiguard-log-ship.
SHIP_TIMEOUT = 20
# An absolute, normalised path rsyslog can take in a double-quoted string:
# any UTF-8 (non-ASCII names work), no quote, backslash or control character.
BAD_PATH_CHARS = re.compile(r'["\\\x00-\x1f\x7f]')
DOT_RE = re.compile(r"(^|/)\.\.?(/|$)|//")


class LogShippingError(ValueError):
    """Input no model is made of; ``problems`` lists every problem, the message joins them."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass
class Model:
    """What the tasks and templates need (``as_dict`` is what the filter returns)."""

    client: bool
    collector: bool
    transport: str
    collectors: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    journal_units: list = field(default_factory=list)
    tls: dict = field(default_factory=dict)
    queue: dict = field(default_factory=dict)
    redact_config: dict = field(default_factory=dict)
    collector_settings: dict = field(default_factory=dict)
    packages: list = field(default_factory=list)
    ship_files: list = field(default_factory=list)
    forwards: list = field(default_factory=list)

    def as_dict(self):
        return {"problems": [], **asdict(self)}


def _validate(options, params, where):
    """Apply an argument spec key by key (argspec.validate_keys); suboptions are checked by the model itself."""
    spec = {
        key: {name: value for name, value in option.items() if name != "options"} for key, option in options.items()
    }
    return argspec.validate_keys(spec, params, where)


def _is_address(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_size(text):
    """Bytes of a size like 512m or 2g (k, m, g: powers of 1024); None if it is not one."""
    match = SIZE_RE.match(str(text).strip())
    return int(match.group(1)) * UNITS[match.group(2).lower()] if match else None


def path_problem(label, path, glob=False):
    """The problem of a path rsyslog reads or writes, or None."""
    if not path.startswith("/") or DOT_RE.search(path) or (path.endswith("/") and path != "/"):
        return f"{label}: {path!r} is not an absolute, normalised path (no '.', '..', '//' or trailing '/')"
    if BAD_PATH_CHARS.search(path):
        return f"{label}: {path!r} has a quote, backslash or control character, which rsyslog cannot take; rename it"
    if not glob and ("*" in path or "?" in path):
        return f"{label}: {path!r} has a wildcard; name one file or directory"
    return None


def _list_items(label, items, options):
    """(filled entries, problems) of a list of dicts, each entry named LABEL[INDEX]."""
    filled, found = [], []
    for index, item in enumerate(items):
        where = f"{label}[{index}]"
        if not isinstance(item, dict):
            found.append(f"{where}: must be a dict with the keys {', '.join(options)}")
            continue
        values, _bad, problems = _validate(
            options, item, lambda key, where=where: where if key is None else f"{where}.{key}"
        )
        found += problems
        if not problems:
            filled.append(values)
    return filled, found


def _check(settings):
    """(settings with their defaults, collectors, files, problems)."""
    unknown = sorted(set(settings) - set(MODEL_OPTIONS))
    if unknown:
        raise TypeError(f"unknown setting(s) of the log_shipping model: {', '.join(unknown)}")
    values, bad, found = _validate(MODEL_OPTIONS, settings, lambda key: PREFIX + key)
    get = values.get
    collectors, files = [], []
    if "collectors" not in bad:
        collectors, more = _list_items(PREFIX + "collectors", get("collectors"), COLLECTOR_OPTIONS)
        found += more
        for index, collector in enumerate(collectors):
            where = f"{PREFIX}collectors[{index}]"
            if not HOST_RE.match(collector["host"]) and not IP_RE.match(collector["host"]):
                found.append(f"{where}.host: {collector['host']!r} is not a host name or address")
            if not 0 <= collector["port"] <= 65535:
                found.append(f"{where}.port: {collector['port']} is not a port (1-65535, 0 for the transport's)")
            name = collector["name"] or collector["host"]
            if not HOST_RE.match(name) or _is_address(name):
                found.append(
                    f"{where}.name: {name!r} is not a name the collector's certificate can carry; set name to the "
                    "DNS name in its certificate (the host is an address)"
                )
        if get("client") and not collectors and "client" not in bad:
            found.append(
                f"{PREFIX}collectors: a client needs at least one collector ({{host, port, name}}); "
                f"set it, or {PREFIX}client: false"
            )
    if "files" not in bad:
        files, more = _list_items(PREFIX + "files", get("files"), FILE_OPTIONS)
        found += more
        for index, item in enumerate(files):
            where = f"{PREFIX}files[{index}]"
            found += [p for p in [path_problem(f"{where}.path", item["path"], glob=True)] if p]
            if not NAME_RE.match(item["name"]):
                found.append(
                    f"{where}.name: {item['name']!r} is not a source name (lower-case letters, digits, - and _, "
                    "up to 32); the collector's file is named after it"
                )
        names = [item["name"] for item in files]
        for name in sorted({name for name in names if names.count(name) > 1}):
            found.append(f"{PREFIX}files: the name {name!r} is used twice; give each file its own")
        for name in sorted(set(names) & {"nginx_access", "nginx_error", "journal"}):
            found.append(f"{PREFIX}files: the name {name!r} is the role's own source; choose another")
    for key in ("nginx_access_log", "nginx_error_log"):
        if key not in bad and get(key):
            found += [p for p in [path_problem(PREFIX + key, get(key))] if p]
    for key in ("tls_ca_file", "tls_cert_file", "tls_key_file", "queue_dir", "collector_dir"):
        if key not in bad:
            found += [p for p in [path_problem(PREFIX + key, get(key))] if p]
    if "journal_units" not in bad:
        for index, unit in enumerate(get("journal_units")):
            if not UNIT_RE.match(unit):
                found.append(
                    f"{PREFIX}journal_units[{index}]: {unit!r} is not a systemd unit name (like nginx.service)"
                )
    if "tls_permitted_peers" not in bad:
        for index, peer in enumerate(get("tls_permitted_peers")):
            if not PEER_RE.match(peer):
                found.append(f"{PREFIX}tls_permitted_peers[{index}]: {peer!r} is not a host name or *.domain pattern")
    if "queue_max_disk_space" not in bad:
        size = parse_size(get("queue_max_disk_space"))
        if size is None or size < MIN_QUEUE:
            found.append(
                f"{PREFIX}queue_max_disk_space: {get('queue_max_disk_space')!r} is not a size of at least 16m "
                "(a number with k, m or g)"
            )
    if "collector_port" not in bad and not 0 <= get("collector_port") <= 65535:
        found.append(f"{PREFIX}collector_port: {get('collector_port')} is not a port (1-65535, 0 for the transport's)")
    if "collector_retention_days" not in bad and get("collector_retention_days") < 1:
        found.append(f"{PREFIX}collector_retention_days: must be at least 1")
    if "redact_extra_patterns" not in bad:
        found += logredact.pattern_problems(get("redact_extra_patterns"), PREFIX + "redact_extra_patterns")
    if "redact_path_prefixes" not in bad:
        found += logredact.path_problems(get("redact_path_prefixes"), PREFIX + "redact_path_prefixes")
    # The collector's forwards (logforward.py): checked, and kept as the templates use them.
    if "collector_forwards" not in bad:
        values["collector_forwards"], more = logforward.check(
            get("collector_forwards"), PREFIX + "collector_forwards", get("collector"), path_problem, parse_size
        )
        found += more
    if not bad and not get("client") and not get("collector"):
        found.append(f"{PREFIX}client and {PREFIX}collector are both false: the role would do nothing; set one")
    return values, collectors, files, found


def problems(**settings):
    """Every problem of the role's variables (empty when they are fine)."""
    return _check(settings)[3]


def build(**settings):
    """The Model of SETTINGS (the role variables without the prefix); raises LogShippingError."""
    values, collectors, files, found = _check(settings)
    if found:
        raise LogShippingError(found)
    transport = values["transport"]
    inputs = []
    if values["nginx_access_log"]:
        inputs.append({"name": "nginx_access", "path": values["nginx_access_log"]})
    if values["nginx_error_log"]:
        inputs.append({"name": "nginx_error", "path": values["nginx_error_log"]})
    inputs += [{"name": item["name"], "path": item["path"]} for item in files]
    for item in inputs:
        item["tag"] = f"aiguard-{item['name']}:"
    packages = ["rsyslog", "rsyslog-gnutls", "python3"]
    if transport == RELP and values["collector"]:
        packages.insert(1, "rsyslog-relp")
    if values["collector"]:
        packages.append("logrotate")
        packages += logforward.packages(values["collector_forwards"])
    port = values["collector_port"] or DEFAULT_PORTS[transport]
    return Model(
        client=values["client"],
        collector=values["collector"],
        transport=transport,
        collectors=[
            {
                "host": c["host"],
                "port": c["port"] or DEFAULT_PORTS[transport],
                "name": c["name"] or c["host"],
                "id": f"c{index}",
                # aiguard-log-ship's settings (logship.py), for RELP.
                "ship": {
                    "host": c["host"],
                    "port": c["port"] or DEFAULT_PORTS[transport],
                    "name": c["name"] or c["host"],
                    "ca_file": values["tls_ca_file"],
                    "cert_file": values["tls_cert_file"] if values["tls_mutual"] else "",
                    "key_file": values["tls_key_file"] if values["tls_mutual"] else "",
                    "timeout": SHIP_TIMEOUT,
                    "spool": f"{values['queue_dir']}/aiguard_c{index}.spool",
                },
            }
            for index, c in enumerate(collectors)
        ],
        inputs=inputs,
        journal_units=list(values["journal_units"]),
        tls={
            "mutual": values["tls_mutual"],
            "ca_file": values["tls_ca_file"],
            "cert_file": values["tls_cert_file"],
            "key_file": values["tls_key_file"],
            "permitted_peers": list(values["tls_permitted_peers"]),
            # What must be on the host: a collector always shows its certificate,
            # a client only with mutual TLS.
            "files": [values["tls_ca_file"]]
            + (
                [values["tls_cert_file"], values["tls_key_file"]] if values["collector"] or values["tls_mutual"] else []
            ),
        },
        queue={
            "dir": values["queue_dir"],
            "max_disk_space": values["queue_max_disk_space"].lower(),
            "max_disk_bytes": parse_size(values["queue_max_disk_space"]),
            "sync": values["queue_sync"],
            # A disk queue counts its messages too (1,000 by default); rsyslog warns above 500,000.
            "max_messages": QUEUE_MESSAGES,
        },
        redact_config={
            "extra_patterns": values["redact_extra_patterns"],
            "path_prefixes": values["redact_path_prefixes"],
            "truncate_ipv4": values["redact_ipv4"],
            "truncate_ipv6": values["redact_ipv6"],
        },
        collector_settings={
            "dir": values["collector_dir"],
            "port": port,
            "retention_days": values["collector_retention_days"],
        },
        packages=packages,
        # The settings files of aiguard-log-ship in the role's directory, one per collector (RELP).
        ship_files=[f"c{index}.json" for index in range(len(collectors))] if transport == RELP else [],
        forwards=values["collector_forwards"],
    )
