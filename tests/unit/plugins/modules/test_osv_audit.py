# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run osv_audit's main() as Ansible would, against the real OSV export."""

from __future__ import annotations

import datetime

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.modules import osv_audit

pytestmark = pytest.mark.lab_data

INVENTORY = {
    "web1:/srv/comfyui/venv": {"requests": "2.30.0", "Pillow": "10.2.0", "numpy": "1.26.4"},
    "web2:/opt/gradio/.venv": {"requests": "2.31.0", "paramiko": "0.9-eevee"},
}
LATER = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
EARLIER = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()


@pytest.fixture
def run(run_main, osv_export):
    return lambda **args: run_main(osv_audit.main, dict({"database": osv_export, "inventory": INVENTORY}, **args))


def test_findings_fail_the_run(run):
    failed, result = run()
    assert failed
    assert result["findings"] == 4  # requests PYSEC-2023-74, paramiko's three legacy-version records
    assert "4 known vulnerabilities after ignores" in result["msg"]
    assert "web1:/srv/comfyui/venv: requests 2.30.0 PYSEC-2023-74, CVE-2023-32681" in result["msg"]
    assert result["environments"]["web2:/opt/gradio/.venv"]["unparsable"] == ["paramiko==0.9-eevee"]
    assert result["database"]["records"] == 2661
    assert result["database"]["date"] == "2024-10-10"


@pytest.mark.parametrize(
    ("args", "failed", "findings", "message"),
    [
        ({"fail_on_findings": False}, False, 4, None),
        ({"fail_on_findings": False, "_ansible_check_mode": True}, False, 4, None),
        (
            {
                "ignores": [
                    {"id": "cve-2023-32681", "reason": "no proxies", "expires": LATER},
                    {"id": "PYSEC-2008-8", "reason": "legacy", "expires": LATER},
                    {"id": "CVE-2018-7750", "reason": "legacy", "expires": LATER},
                    {"id": "GHSA-f8q4-jwww-x3wv", "reason": "legacy", "expires": LATER},
                ]
            },
            False,
            0,
            None,
        ),
        (
            {"ignores": [{"id": "CVE-2023-32681", "reason": "no proxies", "expires": EARLIER}]},
            True,
            4,
            "expired ignores count again: CVE-2023-32681",
        ),
        ({"fail_on_findings": False, "max_age_days": 36500}, False, 4, None),
        ({"fail_on_findings": False, "max_age_days": 7}, True, 4, "more than max_age_days=7"),
        ({"fail_on_findings": False, "max_age_days": 7, "database_date": LATER}, False, 4, None),
    ],
)
def test_policy(run, args, failed, findings, message):
    was_failed, result = run(**args)
    assert was_failed is failed, result.get("msg")
    assert result["changed"] is False
    assert result["findings"] == findings
    if message:
        assert message in result["msg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"database": "/nonexistent/all.zip"}, "cannot read the OSV export"),
        ({"inventory": {"web1": ["requests==2.31.0"]}}, "must be a mapping of distribution names"),
        ({"inventory": {"web1": {"requests": None}}}, "the version must be a string"),
        ({"ignores": [{"id": "CVE-1", "reason": "x", "expires": "soon"}]}, "ignores[0].expires"),
        ({"database_date": "10/10/2024"}, "database_date: must be a date"),
        ({"max_age_days": -1}, "max_age_days: must be 0 or more"),
    ],
)
def test_bad_input(run, args, message):
    failed, result = run(**args)
    assert failed
    assert message in result["msg"]


def test_documentation_matches(run, module_init):
    failed, result = run(fail_on_findings=False)
    assert not failed
    assert module_init["supports_check_mode"] is True
    documented = yaml.safe_load(osv_audit.DOCUMENTATION)["options"]
    assert set(documented) == set(module_init["argument_spec"])
    assert set(documented["ignores"]["suboptions"]) == set(module_init["argument_spec"]["ignores"]["options"])
    assert set(yaml.safe_load(osv_audit.RETURN)) == set(result) - {"changed"}
    assert set(yaml.safe_load(osv_audit.RETURN)["database"]["contains"]) == set(result["database"])
