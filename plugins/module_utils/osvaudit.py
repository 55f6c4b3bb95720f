# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline audit of Python environments against an OSV export held on the controller.

No network: the database is a file or a directory, read once by ``load``:
the per-ecosystem ``all.zip`` the OSV project publishes (one ``<ID>.json``
per record) or a directory of OSV JSON records. ``audit`` then matches the
inventories ({environment: {name: version}}, as ``pyinventory`` reads them
on the hosts) against it. Controller side: it uses ``packaging`` (which
ansible-core requires) for PEP 440 versions.

Matching, per the OSV schema, for the ``affected`` entries whose package is
in the ``PyPI`` ecosystem (names normalised per PEP 503):

- ``ECOSYSTEM`` ranges: the events of a range are sorted in PEP 440 order
  (some records list them out of order) and walked: ``introduced`` starts an
  affected span, ``fixed`` ends it before that version, ``last_affected``
  after it. Several ranges, or several spans in one range, are each
  checked. Pre-releases and epochs compare as PEP 440 says (``2.31.0rc1``
  is before ``2.31.0``; ``1!1.0`` is after every version without an epoch).
- ``versions``: an installed version equal to an entry (PEP 440 equality, so
  ``2.0`` is ``2.0.0``) is affected, whatever the ranges say.
- Versions that are not PEP 440 (legacy versions such as ``0.7.1.fix1``):
  an installed legacy version is matched only by an exact entry of
  ``versions``, and reported in ``unparsable`` so nobody takes silence for
  safety. A range with a legacy event cannot be ordered: it is left out
  (the record's ``versions`` still count), and counted in the database's
  ``unusable_ranges``. ``GIT`` ranges (commits) are not used.
- Withdrawn records are skipped; records with no PyPI entry too.

Matched records of one package whose IDs or aliases overlap (directly or
through another matched record) make one finding: every ID, the lowest
fixed version of each record above the installed one, severity where a
record has one (its CVSS vectors, or ``database_specific.severity``), a
summary and the reference links.

Ignores are ``{id, reason, expires}`` (expires ``YYYY-MM-DD``, the last day
the ignore holds): one that names any ID of a finding moves the finding to
``ignored``; once expired it no longer does, and is reported as expired.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import zipfile

try:
    from packaging.version import InvalidVersion, Version

    HAS_PACKAGING = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_PACKAGING = False

ECOSYSTEM = "PyPI"
_SEPARATORS = re.compile(r"[-_.]+")
_EVENT_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2}
_REFERENCE_TYPES = ("ADVISORY", "FIX", "REPORT", "WEB", "ARTICLE", "PACKAGE", "EVIDENCE")
_SUMMARY_LENGTH = 200


class DatabaseError(ValueError):
    """An OSV export that cannot be read."""


def normalize(name):
    """NAME normalised per PEP 503."""
    return _SEPARATORS.sub("-", name.strip()).lower()


def parse_version(text):
    """A packaging Version, or None for a version that is not PEP 440."""
    try:
        return Version(text)
    except (InvalidVersion, TypeError):
        return None


def _parse_time(text):
    """An aware datetime from an OSV timestamp (RFC 3339), or None."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


class Affected:
    """One ``affected`` entry of a record, ready to match: its ranges' spans and its versions."""

    __slots__ = ("_versions", "record", "spans", "versions_raw")

    def __init__(self, record, entry):
        self.record = record
        self.spans = []  # per usable range: its sorted [(Version or None for "0", kind)]
        self.versions_raw = frozenset(str(item) for item in entry.get("versions") or ())
        self._versions = None
        for item in entry.get("ranges") or ():
            if item.get("type") != "ECOSYSTEM":
                continue
            events = []
            for event in item.get("events") or ():
                for kind, text in event.items():
                    if kind not in _EVENT_ORDER:
                        continue
                    version = None if (kind == "introduced" and text == "0") else parse_version(text)
                    if version is None and not (kind == "introduced" and text == "0"):
                        events = None
                        break
                    events.append((version, kind))
                if events is None:
                    break
            if events is None:
                record.unusable_ranges += 1
                continue
            events.sort(key=lambda pair: (pair[0] is not None, pair[0] or Version("0"), _EVENT_ORDER[pair[1]]))
            self.spans.append(events)

    @property
    def versions(self):
        """The parsed ``versions`` entries (parsed on first use: most entries are never asked about)."""
        if self._versions is None:
            self._versions = frozenset(filter(None, map(parse_version, self.versions_raw)))
        return self._versions

    def affects(self, text, version):
        """Whether the installed version (TEXT, and VERSION parsed or None) is affected."""
        if text in self.versions_raw:
            return True
        if version is None:
            return False
        if version in self.versions:
            return True
        return any(_in_range(events, version) for events in self.spans)

    def lowest_fix(self, version):
        """The lowest ``fixed`` version above VERSION in the ranges (None: none known, or VERSION unparsable)."""
        if version is None:
            return None
        fixes = [event for events in self.spans for event, kind in events if kind == "fixed" and event > version]
        return min(fixes) if fixes else None


def _in_range(events, version):
    """The OSV evaluation of one range's sorted EVENTS at VERSION."""
    affected = False
    for event, kind in events:
        if kind == "introduced":
            if event is None or version >= event:
                affected = True
            else:
                break
        elif kind == "fixed":
            if version >= event:
                affected = False
            else:
                break
        elif version > event:  # last_affected
            affected = False
        else:
            break
    return affected


class Record:
    """What a finding needs of an OSV record."""

    __slots__ = ("aliases", "id", "modified", "references", "severity", "summary", "unusable_ranges")

    def __init__(self, data):
        self.id = data["id"]
        self.aliases = tuple(alias for alias in data.get("aliases") or () if isinstance(alias, str))
        self.modified = _parse_time(data.get("modified"))
        self.unusable_ranges = 0
        summary = (data.get("summary") or data.get("details") or "").strip().split("\n\n", 1)[0]
        summary = " ".join(summary.split())
        if len(summary) > _SUMMARY_LENGTH:
            summary = summary[: _SUMMARY_LENGTH - 1].rstrip() + "…"
        self.summary = summary
        severity = [
            f"{item.get('type')} {item.get('score')}" for item in data.get("severity") or () if item.get("score")
        ]
        specific = (data.get("database_specific") or {}).get("severity")
        if isinstance(specific, str):
            severity.append(specific)
        self.severity = tuple(severity)
        references = [item for item in data.get("references") or () if item.get("url")]
        references.sort(key=lambda item: _rank(item.get("type")))
        self.references = tuple(dict.fromkeys(item["url"] for item in references))

    @property
    def ids(self):
        return (self.id, *self.aliases)


def _rank(kind):
    return _REFERENCE_TYPES.index(kind) if kind in _REFERENCE_TYPES else len(_REFERENCE_TYPES)


class Database:
    """An OSV export, indexed by normalised PyPI name. Build it with ``load``."""

    def __init__(self):
        self.index = {}  # name -> [Affected]
        self.records = 0  # records in the export
        self.used = 0  # records indexed
        self.withdrawn = 0
        self.other_ecosystems = 0
        self.unusable_ranges = []  # IDs of records with a range that cannot be ordered
        self.newest = None
        self.sha256 = None
        self.path = None

    def add(self, data):
        """Index one record (a decoded OSV JSON object)."""
        self.records += 1
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise DatabaseError("a record without an id")
        if data.get("withdrawn"):
            self.withdrawn += 1
            return
        record = Record(data)
        entries = [
            entry
            for entry in data.get("affected") or ()
            if (entry.get("package") or {}).get("ecosystem") == ECOSYSTEM and (entry["package"].get("name"))
        ]
        if not entries:
            self.other_ecosystems += 1
            return
        self.used += 1
        if record.modified and record.modified.year > 1 and (self.newest is None or record.modified > self.newest):
            self.newest = record.modified
        for entry in entries:
            self.index.setdefault(normalize(entry["package"]["name"]), []).append(Affected(record, entry))
        if record.unusable_ranges:
            self.unusable_ranges.append(record.id)

    def metadata(self, date=None):
        """The export's figures for a report; DATE (YYYY-MM-DD) replaces the newest ``modified`` as its date."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "date": date or (self.newest.date().isoformat() if self.newest else None),
            "records": self.records,
            "used": self.used,
            "withdrawn": self.withdrawn,
            "other_ecosystems": self.other_ecosystems,
            "packages": len(self.index),
            "unusable_ranges": sorted(self.unusable_ranges),
        }


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(path):
    """The Database of the OSV export at PATH: a zip of ``*.json`` records or a directory of them.

    The sha256 is the zip's; for a directory, of the sorted ``name\\0sha256``
    lines of its records, so it changes when any record does.
    """
    database = Database()
    database.path = path
    try:
        if os.path.isdir(path):
            lines = []
            for directory, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if not name.endswith(".json"):
                        continue
                    full = os.path.join(directory, name)
                    with open(full, "rb") as handle:
                        raw = handle.read()
                    lines.append(f"{os.path.relpath(full, path)}\0{hashlib.sha256(raw).hexdigest()}\n")
                    database.add(_decode(raw, full))
            database.sha256 = hashlib.sha256("".join(lines).encode()).hexdigest()
        else:
            database.sha256 = _sha256(path)
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.filename.endswith(".json") and not info.is_dir():
                        database.add(_decode(archive.read(info), f"{path}:{info.filename}"))
    except (OSError, zipfile.BadZipFile) as exc:
        raise DatabaseError(f"cannot read the OSV export {path}: {exc}") from exc
    if not database.records:
        raise DatabaseError(f"{path}: no OSV records (*.json) in it; give the ecosystem's all.zip or a directory")
    return database


def _decode(raw, where):
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise DatabaseError(f"{where}: not JSON ({exc})") from exc


def age_problem(date, max_age_days, today=None):
    """A message when the export's DATE (YYYY-MM-DD) is more than MAX_AGE_DAYS before TODAY, else None."""
    if max_age_days is None:
        return None
    today = today or datetime.date.today()
    if not date:
        return "the OSV export's date is unknown (no record has a modified time); give its date"
    age = (today - datetime.date.fromisoformat(date)).days
    if age > max_age_days:
        return (
            f"the OSV export is {age} days old ({date}), more than max_age_days={max_age_days}; "
            "download a new one (the ecosystem's all.zip) to the controller"
        )
    return None


def ignore_problems(ignores):
    """Every problem of IGNORES (a list of {id, reason, expires}), each naming ignores[N]."""
    problems = []
    for number, item in enumerate(ignores):
        where = f"ignores[{number}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a mapping with id, reason and expires")
            continue
        if not str(item.get("id") or "").strip():
            problems.append(f"{where}.id: give the ID of the vulnerability (PYSEC-..., GHSA-..., CVE-...)")
        if not str(item.get("reason") or "").strip():
            problems.append(f"{where}.reason: say why it is ignored")
        try:
            datetime.date.fromisoformat(str(item.get("expires")))
        except ValueError:
            problems.append(f"{where}.expires: must be a date, YYYY-MM-DD, not {item.get('expires')!r}")
    return problems


def _group(matches):
    """Matched Affected entries of one package, grouped by overlapping IDs (union-find over the IDs)."""
    parent = list(range(len(matches)))

    def root(index):
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner = {}
    for index, affected in enumerate(matches):
        for identifier in affected.record.ids:
            other = owner.setdefault(identifier.upper(), index)
            if other != index:
                parent[root(index)] = root(other)
    groups = {}
    for index, affected in enumerate(matches):
        groups.setdefault(root(index), []).append(affected)
    return list(groups.values())


def _finding(name, text, version, group):
    records = sorted({affected.record.id: affected.record for affected in group}.values(), key=lambda r: r.id)
    fixes = {}
    for affected in group:
        fix = affected.lowest_fix(version)
        if fix is not None:
            fixes[affected.record.id] = fix
    distinct = sorted(set(fixes.values()))
    aliases = sorted({alias for record in records for alias in record.aliases} - {record.id for record in records})
    return {
        "name": name,
        "version": text,
        "id": records[0].id,
        "ids": [record.id for record in records] + aliases,
        "records": [record.id for record in records],
        "aliases": aliases,
        "fixed": [str(fix) for fix in distinct],
        # The lowest version that fixes every merged record, if every one names a fix.
        "fix_version": str(distinct[-1]) if distinct and len(fixes) == len(records) else None,
        "severity": list(dict.fromkeys(item for record in records for item in record.severity)),
        "summary": next((record.summary for record in records if record.summary), ""),
        "references": list(dict.fromkeys(url for record in records for url in record.references)),
    }


def match(database, packages):
    """(findings, unparsable) of one environment's PACKAGES ({name: version}).

    Findings are sorted by name and ID; UNPARSABLE lists the ``name==version``
    whose version is not PEP 440 and that the database has records for
    (matched by exact ``versions`` entries only).
    """
    findings, unparsable = [], []
    for raw_name, text in sorted(packages.items()):
        name, text = normalize(raw_name), str(text).strip()
        candidates = database.index.get(name)
        if not candidates:
            continue
        version = parse_version(text)
        if version is None:
            unparsable.append(f"{name}=={text}")
        matched = [affected for affected in candidates if affected.affects(text, version)]
        findings += [_finding(name, text, version, group) for group in _group(matched)]
    findings.sort(key=lambda item: (item["name"], item["id"]))
    return findings, unparsable


def audit(database, inventory, ignores=(), today=None):
    """Audit every environment of INVENTORY ({environment: {name: version}}), IGNORES applied.

    Returns ``environments`` ({environment: {packages, findings, ignored,
    unparsable}}; an ignored finding carries ``ignore``: the ID, reason and
    expiry that hid it), ``findings`` (the count after ignores),
    ``expired_ignores`` (ignores past their date that named a finding: the
    finding counts again) and ``unused_ignores`` (ignores in force that named
    no finding). Validate IGNORES with ``ignore_problems`` first.
    """
    today = today or datetime.date.today()
    active, expired = {}, {}
    for item in ignores:
        expires = datetime.date.fromisoformat(str(item["expires"]))
        entry = {"id": str(item["id"]).strip(), "reason": str(item["reason"]), "expires": expires.isoformat()}
        (active if expires >= today else expired)[entry["id"].upper()] = entry
    used, expired_hits = set(), {}
    environments, total = {}, 0
    for environment, packages in sorted(inventory.items()):
        findings, unparsable = match(database, packages or {})
        kept, ignored = [], []
        for finding in findings:
            keys = [identifier.upper() for identifier in finding["ids"]]
            hit = next((active[key] for key in keys if key in active), None)
            if hit:
                used.add(hit["id"].upper())
                ignored.append(dict(finding, ignore=hit))
                continue
            for key in keys:
                if key in expired:
                    expired_hits.setdefault(key, dict(expired[key], environments=[]))
                    if environment not in expired_hits[key]["environments"]:
                        expired_hits[key]["environments"].append(environment)
            kept.append(finding)
        total += len(kept)
        environments[environment] = {
            "packages": len(packages or {}),
            "findings": kept,
            "ignored": ignored,
            "unparsable": unparsable,
        }
    return {
        "environments": environments,
        "findings": total,
        "expired_ignores": [expired_hits[key] for key in sorted(expired_hits)],
        "unused_ignores": [active[key] for key in sorted(active) if key not in used],
    }


def finding_line(environment, finding):
    """One line for a person: where, what, which IDs, the fix."""
    fix = f"fixed in {finding['fix_version']}" if finding["fix_version"] else "no fixed version known"
    severity = f" [{'; '.join(finding['severity'])}]" if finding["severity"] else ""
    return f"{environment}: {finding['name']} {finding['version']} {', '.join(finding['ids'])} ({fix}){severity}"
