# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collector's forwards to search backends (``log_shipping_collector_forwards``): checks and template data.

Plain Python (no AnsibleModule); ``logshipping`` calls ``check`` in one place
and puts what it returns in its model as ``forwards``.

Each entry has a ``type``, one of ``TYPES``, and the options of that type
(``TYPE_DEFAULTS``; ``None`` there: required). ``FORWARD_OPTIONS`` is the
union in argument-spec form, without defaults (they differ by type), which
``roles/log_shipping/meta/argument_specs.yml`` repeats.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.aiguard.hardening.plugins.module_utils import argspec

ELASTICSEARCH, OPENSEARCH, GELF, LOKI, PROGRAM = "elasticsearch", "opensearch", "gelf", "loki", "program"
TYPES = (ELASTICSEARCH, OPENSEARCH, GELF, LOKI, PROGRAM)
INDEX_DATES = ("day", "month", "none")

# What the role writes on a collector for its forwards.
FORWARD_DIR = "/etc/aiguard/log-forward"
# The distribution's CA bundle, for a TLS forward without its own ca_file.
SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
# The Debian package with omelasticsearch.
ELASTICSEARCH_PACKAGE = "rsyslog-elasticsearch"

OPTION = dict(type="list", elements="dict", default=[])
FORWARD_OPTIONS = {
    "type": dict(type="str", required=True, choices=list(TYPES)),
    "name": dict(type="str"),
    "servers": dict(type="list", elements="str"),
    "index": dict(type="str"),
    "index_date": dict(type="str", choices=list(INDEX_DATES)),
    "bulk": dict(type="bool"),
    "host": dict(type="str"),
    "port": dict(type="int"),
    "tls": dict(type="bool"),
    "permitted_peer": dict(type="str"),
    "url": dict(type="str"),
    "labels": dict(type="dict"),
    "tenant": dict(type="str"),
    "user": dict(type="str"),
    "password": dict(type="str", no_log=True),
    "password_file": dict(type="str"),
    "ca_file": dict(type="str"),
    "queue_max_disk_space": dict(type="str"),
    "command": dict(type="str"),
}
_COMMON = {"name": "", "ca_file": "", "queue_max_disk_space": "1g"}
_AUTH = {"user": "", "password": "", "password_file": ""}
_SEARCH = {"servers": None, "index": "aiguard-logs", "index_date": "day", "bulk": True, **_AUTH}
TYPE_DEFAULTS = {
    ELASTICSEARCH: {**_COMMON, **_SEARCH},
    OPENSEARCH: {**_COMMON, **_SEARCH},
    GELF: {**_COMMON, "host": None, "port": 12201, "tls": True, "permitted_peer": ""},
    LOKI: {**_COMMON, "url": None, "labels": {"job": "aiguard"}, "tenant": "", **_AUTH},
    # A program on the collector fed each stored record, one JSON object a
    # line, that confirms each line (omprog's confirmMessages protocol): the
    # alerting role's detector, for one.
    PROGRAM: {"name": "", "queue_max_disk_space": "1g", "command": None},
}
# An absolute path and plain arguments: omprog splits on spaces, no shell.
COMMAND_RE = re.compile(r"^/[A-Za-z0-9._/+-]+( [A-Za-z0-9._/+=:,@-]+)*$")
MIN_QUEUE = 16 * 1024**2

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
HOST_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
PEER_RE = re.compile(r"^(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
# scheme://host[:port][/path]: a host name, an IPv4 address or a bracketed IPv6 address.
URL_RE = re.compile(
    r"^(?P<scheme>[a-z]+)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:\[\]]+)(?::(?P<port>[0-9]{1,5}))?(?P<path>/.*)?$"
)
URL_PATH_RE = re.compile(r"^(/[A-Za-z0-9._~-]+)*/?$")
# An Elasticsearch/OpenSearch index name: lower case, none of \/*?"<>| ,#: and not starting with - _ +.
INDEX_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,179}$")
LABEL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# Labels each Loki stream gets from the record itself.
RECORD_LABELS = ("host", "source")
TENANT_RE = re.compile(r"^[A-Za-z0-9!._*'()-]{1,150}$")
USER_RE = re.compile(r"^[^\s:\"\\`]{1,128}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _is_address(text):
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _host_ok(host):
    return bool(HOST_RE.match(host)) or _is_address(host)


def url_problem(label, url, schemes):
    """The problem of a server URL (scheme in SCHEMES, a host, an optional port and path), or None."""
    match = URL_RE.match(url)
    if match is None or match.group("scheme") not in schemes or not _host_ok(match.group("host")):
        return f"{label}: {url!r} is not a URL like {schemes[0]}://HOST:PORT"
    if match.group("port") and not 0 < int(match.group("port")) <= 65535:
        return f"{label}: {url!r} has a port outside 1-65535"
    if match.group("path") and not URL_PATH_RE.match(match.group("path")):
        return f"{label}: {url!r} has a path with characters other than letters, digits and . _ ~ -"
    return None


def _auth_problems(where, entry, path_problem, secure):
    """Problems of user, password and password_file."""
    found = []
    given = [key for key in ("password", "password_file") if entry[key]]
    if entry["user"] and not USER_RE.match(entry["user"]):
        found.append(f"{where}.user: {entry['user']!r} has a space, ':', quote, backslash or backtick; use another")
    if entry["user"] and len(given) != 1:
        found.append(f"{where}: a user needs exactly one of password and password_file")
    if given and not entry["user"]:
        found.append(f"{where}.user: is required with {given[0]}; set it, or leave out {' and '.join(given)}")
    if entry["password"] and CONTROL_RE.search(entry["password"]):
        found.append(f"{where}.password: has a control character (a newline?); remove it")
    if entry["password_file"]:
        found += [p for p in [path_problem(f"{where}.password_file", entry["password_file"])] if p]
    if given and not secure:
        found.append(f"{where}: a password goes only over https; use an https URL")
    return found


def _search_problems(where, entry, path_problem):
    found = []
    servers = entry["servers"] or []
    if not servers:
        found.append(f"{where}.servers: is required (a list of https://HOST:PORT)")
    for index, server in enumerate(servers):
        problem = url_problem(f"{where}.servers[{index}]", server, ("https",))
        if problem is None and (URL_RE.match(server).group("path") or "/").strip("/"):
            problem = f"{where}.servers[{index}]: {server!r} has a path; give https://HOST:PORT only"
        found += [problem] if problem else []
    if not INDEX_RE.match(entry["index"]):
        found.append(
            f"{where}.index: {entry['index']!r} is not an index name (lower-case letters, digits, . _ -, "
            "starting with a letter or digit, up to 180)"
        )
    found += _auth_problems(where, entry, path_problem, secure=True)
    return found


def _gelf_problems(where, entry):
    found = []
    if not _host_ok(entry["host"]):
        found.append(f"{where}.host: {entry['host']!r} is not a host name or address")
    if not 0 < entry["port"] <= 65535:
        found.append(f"{where}.port: {entry['port']} is not a port (1-65535)")
    if entry["tls"]:
        peer = entry["permitted_peer"] or entry["host"]
        if not PEER_RE.match(peer) or _is_address(peer):
            found.append(
                f"{where}.permitted_peer: {peer!r} is not a name a certificate can carry; set permitted_peer to the "
                "DNS name in the Graylog input's certificate (the host is an address)"
            )
    else:
        for key in ("ca_file", "permitted_peer"):
            if entry[key]:
                found.append(f"{where}.{key}: only with tls; remove it or set tls: true")
    return found


def _loki_problems(where, entry, path_problem):
    found = [p for p in [url_problem(f"{where}.url", entry["url"], ("https", "http"))] if p]
    path = URL_RE.match(entry["url"]).group("path") if not found else None
    if path and path.rstrip("/").endswith("/loki/api/v1/push"):
        found.append(f"{where}.url: give Loki's base URL; the role adds /loki/api/v1/push")
    for key, value in (entry["labels"] or {}).items():
        if not LABEL_RE.match(str(key)):
            found.append(f"{where}.labels: {key!r} is not a label name (letters, digits, _, not starting with a digit)")
        elif key in RECORD_LABELS or key.startswith("__"):
            found.append(f"{where}.labels.{key}: the role sets {key!r} from each record; choose another name")
        elif not isinstance(value, str) or not value or CONTROL_RE.search(value):
            found.append(f"{where}.labels.{key}: must be a non-empty string without control characters")
    if entry["tenant"] and not TENANT_RE.match(entry["tenant"]):
        found.append(f"{where}.tenant: {entry['tenant']!r} is not a tenant ID (letters, digits, !._*'()-, up to 150)")
    secure = not entry["url"].startswith("http://")
    found += _auth_problems(where, entry, path_problem, secure=secure)
    if entry["ca_file"] and not secure:
        found.append(f"{where}.ca_file: only with an https URL")
    return found


def _entry(index, item, label, path_problem, parse_size):
    """(filled entry or None, problems) of one forward."""
    where = f"{label}[{index}]"
    if not isinstance(item, dict):
        return None, [f"{where}: must be a dict with type ({', '.join(TYPES)}) and its options"]
    values, bad, found = argspec.validate_keys(
        FORWARD_OPTIONS, item, lambda key: where if key is None else f"{where}.{key}"
    )
    if found:
        return None, found
    kind = values["type"]
    defaults = TYPE_DEFAULTS[kind]
    foreign = sorted(key for key in FORWARD_OPTIONS if key not in ("type", *defaults) and item.get(key) is not None)
    if foreign:
        options = ", ".join(defaults)
        return None, [f"{where}: {', '.join(foreign)} not an option of type {kind}; its options are {options}"]
    entry = {"type": kind}
    for key, default in defaults.items():
        entry[key] = values[key] if values[key] is not None else default
        if default is None and values[key] is None:
            found.append(f"{where}.{key}: is required for type {kind}")
    if found or bad:
        return None, found
    entry["name"] = entry["name"] or kind
    if not NAME_RE.match(entry["name"]):
        found.append(
            f"{where}.name: {entry['name']!r} is not a name (lower-case letters, digits, - and _, up to 32); "
            "its queue file is named after it"
        )
    if entry.get("ca_file"):
        found += [p for p in [path_problem(f"{where}.ca_file", entry["ca_file"])] if p]
    size = parse_size(entry["queue_max_disk_space"])
    if size is None or size < MIN_QUEUE:
        found.append(
            f"{where}.queue_max_disk_space: {entry['queue_max_disk_space']!r} is not a size of at least 16m "
            "(a number with k, m or g)"
        )
    if kind in (ELASTICSEARCH, OPENSEARCH):
        found += _search_problems(where, entry, path_problem)
    elif kind == GELF:
        found += _gelf_problems(where, entry)
    elif kind == PROGRAM:
        if not COMMAND_RE.match(entry["command"]):
            found.append(
                f"{where}.command: {entry['command']!r} is not an absolute path with plain arguments "
                "(letters, digits and ._/+=:,@-, separated by single spaces; no shell)"
            )
    else:
        found += _loki_problems(where, entry, path_problem)
    return (None if found else entry), found


def _rendered(position, entry):
    """What the templates and tasks use of the checked entry at POSITION in the list.

    The password itself is left out, so the model can be shown: the task that
    writes it to ``secret_file`` takes it from the variable's entry at ``position``.
    """
    name = entry["name"]
    out = {key: value for key, value in entry.items() if key != "password"}
    out["position"] = position
    out["queue_file"] = f"aiguard_fwd_{name}"
    out["queue_max_disk_space"] = entry["queue_max_disk_space"].lower()
    if "password" in entry:
        # The secret is never in an rsyslog file: rsyslog reads it with `cat FILE`, the pusher from the file.
        out["write_secret"] = bool(entry["password"])
        out["secret_file"] = entry["password_file"] or (f"{FORWARD_DIR}/{name}.secret" if entry["password"] else "")
    if entry["type"] == GELF:
        out["ca_file"] = entry["ca_file"] or SYSTEM_CA_FILE
        out["permitted_peer"] = entry["permitted_peer"] or entry["host"]
    if entry["type"] == LOKI:
        out["config_file"] = f"{FORWARD_DIR}/{name}.loki.json"
        out["config"] = {
            "url": entry["url"].rstrip("/") + "/loki/api/v1/push",
            "labels": dict(sorted(entry["labels"].items())),
            "record_labels": list(RECORD_LABELS),
            "tenant": entry["tenant"],
            "user": entry["user"],
            "password_file": out["secret_file"],
            "ca_file": entry["ca_file"],
        }
    return out


def check(items, label, collector, path_problem, parse_size):
    """(the forwards as the templates use them, problems) of LABEL's list ITEMS.

    PATH_PROBLEM and PARSE_SIZE are logshipping's, so a path and a size are
    judged as everywhere else in the role.
    """
    forwards, found = [], []
    for index, item in enumerate(items):
        entry, more = _entry(index, item, label, path_problem, parse_size)
        found += more
        if entry is not None:
            forwards.append(_rendered(index, entry))
    names = [entry["name"] for entry in forwards]
    for name in sorted({name for name in names if names.count(name) > 1}):
        found.append(f"{label}: the name {name!r} is used twice; give each forward its own name")
    if items and not collector:
        found.append(f"{label}: only a collector forwards; set log_shipping_collector: true or leave it empty")
    return forwards, found


def packages(forwards):
    """The Debian packages FORWARDS need beyond the collector's."""
    return [ELASTICSEARCH_PACKAGE] if any(f["type"] in (ELASTICSEARCH, OPENSEARCH) for f in forwards) else []
