# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The offline audit against real records of the PyPA advisory database (OSV export of 2024-10-10).

The expected answers were read from the records themselves (the record's
ECOSYSTEM events and versions are quoted next to each case).
"""

from __future__ import annotations

import datetime
import json
import socket
import zipfile

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import osvaudit

pytestmark = pytest.mark.lab_data

TODAY = datetime.date(2024, 11, 1)


def ids_of(database, name, version):
    findings, _unparsable = osvaudit.match(database, {name: version})
    return {identifier for finding in findings for identifier in finding["records"]}


@pytest.mark.parametrize(
    ("name", "version", "record", "affected"),
    [
        # PYSEC-2023-74 requests: introduced 2.3.0, fixed 2.31.0.
        ("requests", "2.30.0", "PYSEC-2023-74", True),
        ("requests", "2.31.0", "PYSEC-2023-74", False),
        ("requests", "2.3.0", "PYSEC-2023-74", True),
        ("requests", "2.2.1", "PYSEC-2023-74", False),
        ("requests", "2.31.0rc1", "PYSEC-2023-74", True),  # a pre-release of the fix is before it
        ("requests", "2.30", "PYSEC-2023-74", True),  # 2.30 is 2.30.0
        ("requests", "1!2.30.0", "PYSEC-2023-74", False),  # epoch 1 is after every epoch-0 version
        ("Requests", "2.30.0", "PYSEC-2023-74", True),  # names normalised
        # PYSEC-2023-192 urllib3: introduced 2.0.0, fixed 2.0.6, introduced 0, fixed 1.26.17 (two spans).
        ("urllib3", "2.0.5", "PYSEC-2023-192", True),
        ("urllib3", "2.0.6", "PYSEC-2023-192", False),
        ("urllib3", "1.26.16", "PYSEC-2023-192", True),
        ("urllib3", "1.26.17", "PYSEC-2023-192", False),
        ("urllib3", "1.26.20", "PYSEC-2023-192", False),  # between the spans
        ("urllib3", "2.0.0a1", "PYSEC-2023-192", False),  # a pre-release before 2.0.0, after 1.26.17
        ("urllib3", "0.2", "PYSEC-2023-192", True),
        # PYSEC-2021-875 zope: events out of order (5.0, 5.2, 4.0, 4.3): sorted first.
        ("zope", "4.1", "PYSEC-2021-875", True),
        ("zope", "4.5", "PYSEC-2021-875", False),
        ("zope", "5.1", "PYSEC-2021-875", True),
        ("zope", "5.2", "PYSEC-2021-875", False),
        ("zope", "3.9", "PYSEC-2021-875", False),
        # PYSEC-2022-42969 py: introduced 0, last_affected 1.11.0.
        ("py", "1.11.0", "PYSEC-2022-42969", True),
        ("py", "1.11.1", "PYSEC-2022-42969", False),
        ("py", "0.8.0a2", "PYSEC-2022-42969", True),  # listed as 0.8.0-alpha2: PEP 440 equality
        # PYSEC-2014-19 django: pre-release span introduced 1.7a0, fixed 1.7b4 among three others.
        ("django", "1.7a2", "PYSEC-2014-19", True),
        ("django", "1.7b4", "PYSEC-2014-19", False),
        ("django", "1.7", "PYSEC-2014-19", False),
        ("django", "1.6.4", "PYSEC-2014-19", True),
        ("django", "1.6.5", "PYSEC-2014-19", False),
        # PYSEC-2014-10 pillow: introduced 0, fixed 2.3.2, introduced 2.5, fixed 2.5.2.
        ("Pillow", "2.3.1", "PYSEC-2014-10", True),
        ("pillow", "2.4.0", "PYSEC-2014-10", False),
        ("pillow", "2.5.1", "PYSEC-2014-10", True),
        # PYSEC-2023-255 gradio: introduced 0, fixed 4.14.0.
        ("gradio", "4.13.0", "PYSEC-2023-255", True),
        ("gradio", "4.14.0", "PYSEC-2023-255", False),
        # PYSEC-2021-66 jinja2: introduced 0, fixed 2.11.3.
        ("Jinja2", "2.11.2", "PYSEC-2021-66", True),
        ("jinja2", "3.1.2", "PYSEC-2021-66", False),
        # PYSEC-2024-1 gratient: no ranges, versions ["0.5"] only.
        ("gratient", "0.5", "PYSEC-2024-1", True),
        ("gratient", "0.5.0", "PYSEC-2024-1", True),
        ("gratient", "0.6", "PYSEC-2024-1", False),
        # PYSEC-2024-55 cipherbcrypt (a malicious package): introduced 0 and nothing else.
        ("cipherbcrypt", "99.0", "PYSEC-2024-55", True),
        # Legacy versions: matched only by an exact entry of versions (PYSEC-2008-8 lists 0.9-eevee).
        ("paramiko", "0.9-eevee", "PYSEC-2008-8", True),
        ("paramiko", "0.9-notlisted", "PYSEC-2008-8", False),
        # PYSEC-2022-43059 aiohttp is withdrawn (introduced 0, all versions): never a finding.
        ("aiohttp", "3.9.3", "PYSEC-2022-43059", False),
        # PYSEC-2019-125 steam: fixed "2019-09-12" is not a version, no versions list: cannot match.
        ("steam", "0.9.0", "PYSEC-2019-125", False),
    ],
)
def test_matching(osv_database, name, version, record, affected):
    assert (record in ids_of(osv_database, name, version)) is affected


def test_export_metadata(osv_database, osv_export):
    meta = osv_database.metadata()
    assert meta["records"] == 2661
    assert meta["withdrawn"] == 10
    assert meta["used"] == 2651
    assert meta["date"] == "2024-10-10"  # the newest modified; PYSEC-2024-55's 0001-01-01 is not a date
    assert meta["unusable_ranges"] == ["PYSEC-2019-125", "PYSEC-2021-371"]
    assert len(meta["sha256"]) == 64
    assert osv_database.metadata(date="2024-10-11")["date"] == "2024-10-11"


def test_directory_export_equals_zip(osv_database, osv_export, tmp_path):
    wanted = ["PYSEC-2023-74", "PYSEC-2022-43059", "PYSEC-2021-871", "PYSEC-2021-872"]
    with zipfile.ZipFile(osv_export) as archive:
        for name in wanted:
            (tmp_path / "PyPI").mkdir(exist_ok=True)
            (tmp_path / "PyPI" / f"{name}.json").write_bytes(archive.read(f"{name}.json"))
    (tmp_path / "notes.txt").write_text("not a record")
    directory = osvaudit.load(str(tmp_path))
    assert (directory.records, directory.withdrawn, directory.used) == (4, 1, 3)
    packages = {"requests": "2.30.0", "distributed": "2021.9.0"}
    assert osvaudit.match(directory, packages) == osvaudit.match(osv_database, packages)
    first = directory.sha256
    (tmp_path / "PyPI" / "PYSEC-2023-74.json").write_text(json.dumps({"id": "PYSEC-2023-74", "affected": []}))
    assert osvaudit.load(str(tmp_path)).sha256 != first


@pytest.mark.parametrize(
    ("name", "version", "records", "aliases", "fixed", "fix_version"),
    [
        (
            # Two records of the same advisory (shared CVE and GHSA): one finding.
            "distributed",
            "2021.9.0",
            ["PYSEC-2021-871", "PYSEC-2021-872"],
            ["CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr", "GHSA-j8fq-86c5-5v2r"],
            ["2021.10.0"],
            "2021.10.0",
        ),
        (
            # Overlap through GHSA-5pr9-v234-jw36; fixed 4.6.1 (PYSEC-2021-104) and 4.6 (PYSEC-2021-88).
            "zope",
            "4.1",
            ["PYSEC-2021-104", "PYSEC-2021-88"],
            [
                "CVE-2021-32633",
                "CVE-2021-32674",
                "GHSA-5pr9-v234-jw36",
                "GHSA-5vq5-pg3r-9ph3",
                "GHSA-962m-m8jw-8wrr",
                "GHSA-rpcg-f9q6-2mq6",
            ],
            ["4.6", "4.6.1"],
            "4.6.1",
        ),
        (
            # Through GHSA-qcx9-j53g-ccgf; PYSEC-2021-875 is fixed in 4.3, PYSEC-2021-368 in 4.6.3.
            "zope",
            "4.2",
            ["PYSEC-2021-368", "PYSEC-2021-875"],
            ["CVE-2021-32807", "CVE-2021-32811", "GHSA-g4gq-j4p2-j8fr", "GHSA-qcx9-j53g-ccgf"],
            ["4.3", "4.6.3"],
            "4.6.3",
        ),
        ("py", "1.11.0", ["PYSEC-2022-42969"], ["CVE-2022-42969", "GHSA-w596-4wvx-j9j6"], [], None),
    ],
)
def test_alias_merging(osv_database, name, version, records, aliases, fixed, fix_version):
    findings, _unparsable = osvaudit.match(osv_database, {name: version})
    finding = next(item for item in findings if item["records"][0] == records[0])
    assert finding["records"] == records
    assert finding["aliases"] == aliases
    assert finding["ids"] == records + aliases
    assert finding["fixed"] == fixed
    assert finding["fix_version"] == fix_version
    assert finding["summary"]
    assert finding["references"]
    # No record is reported twice.
    every = [identifier for item in findings for identifier in item["records"]]
    assert len(every) == len(set(every))


def test_the_same_cve_in_two_packages_stays_two_findings(osv_database):
    # CVE-2021-32807: PYSEC-2021-335 (accesscontrol) and PYSEC-2021-875 (zope).
    findings, _unparsable = osvaudit.match(osv_database, {"accesscontrol": "4.1", "zope": "4.1"})
    owners = {item["name"] for item in findings if "CVE-2021-32807" in item["ids"]}
    assert owners == {"accesscontrol", "zope"}


def test_severity_and_legacy_versions_reported(osv_database):
    findings, unparsable = osvaudit.match(
        osv_database, {"urllib3": "1.26.16", "paramiko": "0.9-eevee", "notinthedb": "x.y", "requests": "2.31.0"}
    )
    urllib3 = next(item for item in findings if item["id"] == "PYSEC-2023-192")
    assert urllib3["severity"] == ["CVSS_V3 CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"]
    assert urllib3["references"][0].startswith("https://")
    assert unparsable == ["paramiko==0.9-eevee"]  # only names the database knows
    assert all(item["fix_version"] is None for item in findings if item["name"] == "paramiko")


IGNORE_REQUESTS = {"id": "CVE-2023-32681", "reason": "no proxies on this network", "expires": "2024-12-31"}


@pytest.mark.parametrize(
    ("ignores", "left", "ignored", "expired", "unused"),
    [
        ([], 2, 0, [], []),
        ([IGNORE_REQUESTS], 1, 1, [], []),  # by an alias (CVE) of PYSEC-2023-74
        ([dict(IGNORE_REQUESTS, id="pysec-2023-74")], 1, 1, [], []),  # by the ID, any case
        ([dict(IGNORE_REQUESTS, expires="2024-11-01")], 1, 1, [], []),  # the expiry day still holds
        ([dict(IGNORE_REQUESTS, expires="2024-10-31")], 2, 0, ["CVE-2023-32681"], []),  # expired: counts again
        ([dict(IGNORE_REQUESTS, id="GHSA-0000-0000-0000")], 2, 0, [], ["GHSA-0000-0000-0000"]),
    ],
)
def test_ignores(osv_database, ignores, left, ignored, expired, unused):
    inventory = {"web1:/srv/app/venv": {"requests": "2.30.0", "gradio": "4.13.0"}}
    result = osvaudit.audit(osv_database, inventory, ignores, today=TODAY)
    env = result["environments"]["web1:/srv/app/venv"]
    assert result["findings"] == len(env["findings"]) == left
    assert len(env["ignored"]) == ignored
    if ignored:
        assert env["ignored"][0]["ignore"]["reason"] == "no proxies on this network"
    assert [item["id"] for item in result["expired_ignores"]] == expired
    if expired:
        assert result["expired_ignores"][0]["environments"] == ["web1:/srv/app/venv"]
    assert [item["id"] for item in result["unused_ignores"]] == unused


@pytest.mark.parametrize(
    ("ignores", "problems"),
    [
        ([IGNORE_REQUESTS], []),
        ([{"id": "", "reason": "", "expires": "31/12/2024"}], ["ignores[0].id", "ignores[0].reason", "expires"]),
        (["CVE-2023-32681"], ["ignores[0]: must be a mapping"]),
    ],
)
def test_ignore_problems(ignores, problems):
    found = osvaudit.ignore_problems(ignores)
    assert len(found) == len(problems)
    for message, expected in zip(found, problems, strict=True):
        assert expected in message


@pytest.mark.parametrize(
    ("date", "max_age_days", "problem"),
    [
        ("2024-10-10", None, None),
        ("2024-10-10", 30, None),  # 22 days old
        ("2024-10-10", 22, None),
        ("2024-10-10", 21, "22 days old"),
        (None, 7, "date is unknown"),
    ],
)
def test_age_policy(date, max_age_days, problem):
    found = osvaudit.age_problem(date, max_age_days, today=TODAY)
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no OSV records"),
        ({"bad.json": "{"}, "not JSON"),
    ],
)
def test_bad_exports(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(osvaudit.DatabaseError, match=message):
        osvaudit.load(str(tmp_path))


def test_not_a_zip(tmp_path):
    path = tmp_path / "all.zip"
    path.write_text("not a zip")
    with pytest.raises(osvaudit.DatabaseError, match="cannot read the OSV export"):
        osvaudit.load(str(path))


def test_no_network_connection(osv_export, monkeypatch):
    """Loading the whole export and a full audit never open a socket."""
    opened = []

    def refuse(*args, **kwargs):
        opened.append(args)
        raise AssertionError("the offline audit tried to open a network connection")

    for attribute in ("socket", "create_connection", "getaddrinfo", "socketpair"):
        monkeypatch.setattr(socket, attribute, refuse)
    database = osvaudit.load(osv_export)
    inventory = {f"host{n}": {"requests": "2.30.0", "urllib3": "1.26.5", "gradio": "4.10.0"} for n in range(3)}
    result = osvaudit.audit(database, inventory, [IGNORE_REQUESTS], today=TODAY)
    assert result["findings"] > 0
    assert opened == []
