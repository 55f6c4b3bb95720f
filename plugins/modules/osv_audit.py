#!/usr/bin/python
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: osv_audit
short_description: Audit Python environments' distributions against an OSV vulnerability export, offline
version_added: 0.1.0
description:
  - Matches inventories of Python environments (distribution names and versions, as read on the hosts from their
    C(*.dist-info) and C(*.egg-info) metadata) against an OSV export held on the controller, and reports the known
    vulnerabilities of each environment.
  - The export is the per-ecosystem C(all.zip) the OSV project publishes for PyPI, or a directory of OSV JSON records.
    It is read from disk; the module makes no network connection. Run it on the controller (C(delegate_to
    localhost), C(run_once)) with the inventories of every host, so the export is loaded once for the fleet.
  - C(ECOSYSTEM) ranges are evaluated in PEP 440 order (events sorted first; C(introduced), C(fixed),
    C(last_affected); pre-releases and epochs as PEP 440 orders them), and an installed version listed in a record's
    C(versions) is affected too. Names are normalised per PEP 503. Withdrawn records are skipped.
  - A version that is not PEP 440 (a legacy version such as C(0.7.1.fix1)) is matched only by an exact entry of a
    record's C(versions), and listed in the environment's C(unparsable). A record range whose events are not PEP 440
    versions is not used (its C(versions) still are); such records are listed in RV(database.unusable_ranges).
  - Records of one package whose IDs or aliases (PYSEC, GHSA, CVE, ...) overlap are reported as one finding with all
    their IDs.
  - Fails when findings remain after O(ignores) (unless O(fail_on_findings=false)), and when the export is older
    than O(max_age_days).
author:
  - aiguard.hardening maintainers (@aiguard)
extends_documentation_fragment:
  - aiguard.hardening.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
    details:
      - The module only reads, so there is never anything to show.
options:
  database:
    description:
      - The OSV export on the controller - a zip of C(<ID>.json) records (the ecosystem's C(all.zip)) or a directory
        holding them (searched recursively; other files are ignored).
    type: path
    required: true
  database_date:
    description:
      - The export's date (C(YYYY-MM-DD)), for instance the day it was downloaded. By default the date of the newest
        C(modified) time among its records.
      - The age check of O(max_age_days) uses this date.
    type: str
  inventory:
    description:
      - The environments to audit, each a mapping of distribution names to installed versions (see the examples).
      - The environment's key is only a label; use one that names the host and the path, such as
        V(web1:/srv/comfyui/venv).
    type: dict
    required: true
  ignores:
    description:
      - Vulnerabilities accepted for a while. An ignore names any ID of a finding (its record's ID or an alias such as
        a CVE or GHSA ID, in any case); the finding is then listed in its C(ignored) list instead of
        C(findings).
      - An ignore holds up to and including its O(ignores[].expires) day. After it, the findings it named count again
        and it is listed in RV(expired_ignores).
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: The vulnerability's ID or alias, for example V(PYSEC-2023-74), V(GHSA-j8r2-6x86-q33q) or
          V(CVE-2023-32681).
        type: str
        required: true
      reason:
        description: Why it is accepted, for the report.
        type: str
        required: true
      expires:
        description: The last day the ignore holds, C(YYYY-MM-DD).
        type: str
        required: true
  max_age_days:
    description:
      - Fail when the export's date (see O(database_date)) is more than this many days before today. No age check
        when omitted.
    type: int
  fail_on_findings:
    description:
      - Fail when any finding remains after O(ignores). With V(false) the findings are only returned.
    type: bool
    default: true
notes:
  - The export shows what was known when it was made; an old export misses newer vulnerabilities, hence
    O(max_age_days).
  - Only what the metadata declares is seen; vendored copies of libraries inside other packages are not.
requirements:
  - The C(packaging) Python library on the controller (ansible-core requires it).
seealso:
  - name: OSV schema
    description: The format of the records and how ranges are evaluated.
    link: https://ossf.github.io/osv-schema/
  - name: OSV data dumps
    description: Where the per-ecosystem C(all.zip) exports are published.
    link: https://google.github.io/osv.dev/data/
"""

EXAMPLES = r"""
---
- name: Audit every app environment of the fleet against the export on the controller
  aiguard.hardening.osv_audit:
    database: /srv/osv/PyPI-all.zip
    # Each host registered its environments as app_python_inventory: {"HOST:PATH": {name: version}}.
    inventory: "{{ ansible_play_hosts | map('extract', hostvars, 'app_python_inventory') | combine }}"
    max_age_days: 7
    ignores:
      - id: CVE-2023-32681
        reason: the app makes no requests through a proxy
        expires: "2026-03-31"
  delegate_to: localhost
  run_once: true
  register: osv

- name: Report the findings without failing
  aiguard.hardening.osv_audit:
    database: /srv/osv/PyPI
    inventory:
      web1:/srv/comfyui/venv:
        torch: 2.1.0
        pillow: 10.0.0
        requests: 2.30.0
    fail_on_findings: false
  delegate_to: localhost
  register: osv

- name: Show them
  ansible.builtin.debug:
    msg: "{{ osv.summary }}"
"""

RETURN = r"""
database:
  description: The export the inventories were matched against.
  returned: success or when the policy fails
  type: dict
  contains:
    path:
      description: O(database).
      type: str
      sample: /srv/osv/PyPI-all.zip
    sha256:
      description:
        - The SHA-256 of the zip; for a directory, of the sorted list of its records' relative paths and SHA-256s.
      type: str
      sample: f4bda5733a28b2e588e8e431bc364ff00e26af90fdc220a7b23b2cba9d5563c2
    date:
      description: The export's date, O(database_date) or the newest C(modified) time of its records.
      type: str
      sample: "2024-10-10"
    age_days:
      description: Days from RV(database.date) to today.
      type: int
      sample: 3
    records:
      description: The records in the export.
      type: int
      sample: 2661
    used:
      description: The records matched against (not withdrawn, with a PyPI package).
      type: int
      sample: 2651
    withdrawn:
      description: The withdrawn records, skipped.
      type: int
      sample: 10
    other_ecosystems:
      description: The records without a PyPI package, skipped.
      type: int
      sample: 0
    packages:
      description: The distinct package names the used records name.
      type: int
      sample: 660
    unusable_ranges:
      description: The IDs of records with a range whose events are not PEP 440 versions (the range is not used).
      type: list
      elements: str
      sample: [PYSEC-2019-125]
environments:
  description:
    - Per environment of O(inventory) (its key), what was found, in a dict with these keys.
    - C(packages) - the number of distributions in its inventory.
    - C(findings) - the vulnerabilities that remain after O(ignores), sorted by name and ID. Each has C(name)
      (normalised) and C(version) (installed); C(id) (the first record's ID), C(ids) (the records' IDs then their
      aliases), C(records) and C(aliases); C(fixed) (the lowest fixed version above the installed one of each record,
      when known) and C(fix_version) (the highest of them, the lowest that fixes every record; null when a record
      names no fix); C(severity) (the records' CVSS vectors as C(TYPE VECTOR), or their database's severity; empty
      when none has one); C(summary); C(references) (links, advisories first).
    - C(ignored) - the findings an ignore in force named, each as in C(findings) with C(ignore) (its C(id),
      C(reason) and C(expires)).
    - C(unparsable) - C(name==version) of the distributions whose version is not PEP 440 and that records exist
      for; they were matched against the records' C(versions) lists only.
  returned: success or when the policy fails
  type: dict
  sample:
    web1:/srv/comfyui/venv:
      packages: 3
      findings:
        - name: requests
          version: 2.30.0
          id: PYSEC-2023-74
          ids: [PYSEC-2023-74, CVE-2023-32681, GHSA-j8r2-6x86-q33q]
          records: [PYSEC-2023-74]
          aliases: [CVE-2023-32681, GHSA-j8r2-6x86-q33q]
          fixed: [2.31.0]
          fix_version: 2.31.0
          severity: []
          summary: Requests is a HTTP library. Since Requests 2.3.0, Requests has been leaking ...
          references: [https://github.com/psf/requests/security/advisories/GHSA-j8r2-6x86-q33q]
      ignored: []
      unparsable: []
findings:
  description: The number of findings in all environments after O(ignores).
  returned: success or when the policy fails
  type: int
  sample: 1
expired_ignores:
  description: Ignores past their O(ignores[].expires) day that named a finding, which counts again; each with C(id),
    C(reason), C(expires) and C(environments).
  returned: success or when the policy fails
  type: list
  elements: dict
  sample:
    - id: CVE-2023-32681
      reason: the app makes no requests through a proxy
      expires: "2024-10-31"
      environments: [web1:/srv/comfyui/venv]
unused_ignores:
  description: Ignores in force that named no finding (fixed, or a typing error); each with C(id), C(reason) and
    C(expires).
  returned: success or when the policy fails
  type: list
  elements: dict
  sample: []
summary:
  description: One line for humans.
  returned: success or when the policy fails
  type: str
  sample: "2 environments, 412 distributions: 1 finding (1 ignored, 0 expired ignores); OSV export of 2024-10-10
    (2661 records)"
"""

import datetime

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.aiguard.hardening.plugins.module_utils import osvaudit

LISTED = 10


def inventory_problems(inventory):
    """Every entry of the inventory option that is not {environment: {name: version}}."""
    problems = []
    for environment, packages in inventory.items():
        if not isinstance(packages, dict):
            problems.append(f"inventory[{environment!r}]: must be a mapping of distribution names to versions")
            continue
        for name, version in packages.items():
            if not isinstance(version, (str, int, float)) or isinstance(version, bool) or not str(name).strip():
                problems.append(f"inventory[{environment!r}][{name!r}]: the version must be a string, not {version!r}")
    return problems


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            database=dict(type="path", required=True),
            database_date=dict(type="str"),
            inventory=dict(type="dict", required=True),
            ignores=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    id=dict(type="str", required=True),
                    reason=dict(type="str", required=True),
                    expires=dict(type="str", required=True),
                ),
            ),
            max_age_days=dict(type="int"),
            fail_on_findings=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if not osvaudit.HAS_PACKAGING:
        module.fail_json(msg=missing_required_lib("packaging") + " (on the controller; ansible-core needs it too)")
    params = module.params
    problems = osvaudit.ignore_problems(params["ignores"]) + inventory_problems(params["inventory"])
    if params["database_date"] is not None:
        try:
            datetime.date.fromisoformat(params["database_date"])
        except ValueError:
            problems.append(f"database_date: must be a date, YYYY-MM-DD, not {params['database_date']!r}")
    if params["max_age_days"] is not None and params["max_age_days"] < 0:
        problems.append(f"max_age_days: must be 0 or more, not {params['max_age_days']}")
    if problems:
        module.fail_json(msg="; ".join(problems))
    try:
        database = osvaudit.load(params["database"])
    except osvaudit.DatabaseError as exc:
        module.fail_json(msg=f"{exc}. Give the path of the OSV export (PyPI all.zip, or a directory of records).")
    meta = database.metadata(params["database_date"])
    today = datetime.date.today()
    meta["age_days"] = (today - datetime.date.fromisoformat(meta["date"])).days if meta["date"] else None
    report = osvaudit.audit(database, params["inventory"], params["ignores"], today=today)
    environments = report["environments"]
    ignored = sum(len(item["ignored"]) for item in environments.values())
    distributions = sum(item["packages"] for item in environments.values())
    summary = (
        f"{len(environments)} environment{'' if len(environments) == 1 else 's'}, {distributions} distributions: "
        f"{report['findings']} finding{'' if report['findings'] == 1 else 's'} ({ignored} ignored, "
        f"{len(report['expired_ignores'])} expired ignores); OSV export of {meta['date']} ({meta['records']} records)"
    )
    result = dict(changed=False, database=meta, summary=summary, **report)
    messages = []
    age = osvaudit.age_problem(meta["date"], params["max_age_days"], today=today)
    if age:
        messages.append(age)
    if params["fail_on_findings"] and report["findings"]:
        lines = [
            osvaudit.finding_line(environment, finding)
            for environment, item in environments.items()
            for finding in item["findings"]
        ]
        more = f"; and {len(lines) - LISTED} more" if len(lines) > LISTED else ""
        expired = ", ".join(item["id"] for item in report["expired_ignores"])
        messages.append(
            f"{report['findings']} known vulnerabilit{'y' if report['findings'] == 1 else 'ies'} after ignores"
            f"{f' (expired ignores count again: {expired})' if expired else ''}: {'; '.join(lines[:LISTED])}{more}. "
            "Upgrade to the fixed versions, or add an ignore with a reason and an expiry date."
        )
    if messages:
        module.fail_json(msg=" ".join(messages), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
