# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The upload_guard filters, as the role calls them: the sites through the site_model filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.aiguard.hardening.plugins.filter.sites import FilterModule as SiteFilters
from ansible_collections.aiguard.hardening.plugins.filter.upload_guard import FilterModule

FILTERS = FilterModule().filters()
SITES = SiteFilters().filters()
UPLOADS = "/srv/aiguard-lab/gradio/uploads"
APP = {"name": "gradio", "owner": "aiapp", "upload_dir": UPLOADS, "nginx_site": "studio"}
# The role's defaults, as vars/main.yml passes them.
ROLE_VARIABLES = {
    "dir_mode": "0750",
    "service_umask": "0027",
    "noexec_mount": True,
    "max_upload_size": "100m",
    "allowed_types": ["png"],
    "scan_action": "quarantine",
    "scan_min_age": 2,
    "scan_interval": "15min",
    "quarantine_root": "/var/lib/aiguard/quarantine",
    "retention_days": 7,
    "retention_max_size": "",
    "retention_dry_run": False,
    "retention_schedule": "daily",
    "allowed_prefixes": ["/srv/", "/var/lib/"],
}


def sites(site_list, client_max_body_size=None):
    """nginx_auth_sites | default([]) | aiguard.hardening.site_model(client_max_body_size=...)."""
    return SITES["site_model"](site_list, client_max_body_size=client_max_body_size)


@pytest.mark.parametrize(
    ("site_list", "client_max_body_size", "expected"),
    [
        pytest.param([{"name": "studio", "upstream": "127.0.0.1:7860", "client_max_body_size": "1m"}], None, "1m"),
        pytest.param([{"name": "studio", "upstream": "127.0.0.1:7860"}], "300m", "300m", id="nginx-auth-variable"),
        pytest.param([{"name": "studio", "upstream": "127.0.0.1:7860"}], None, "100m", id="nginx-auth-default"),
    ],
)
def test_the_limit_comes_through_the_site_model(site_list, client_max_body_size, expected):
    model = FILTERS["upload_guard_model"]([APP], sites(site_list, client_max_body_size), **ROLE_VARIABLES)
    assert model["problems"] == []
    assert model["apps"][0]["max_upload_size"] == expected
    assert model["scan_config"]["directories"][0]["max_size"] == expected
    assert model["apps"][0]["allowed_types"] == ["png"]


def test_problems_are_the_only_key():
    model = FILTERS["upload_guard_model"]([dict(APP, nginx_site="nope", retention_days=0)], sites([]))
    assert model == {
        "problems": [
            "upload_guard_apps[0].retention_days: got 0; retention_days must be at least 1 (0 would delete every "
            "upload at once)",
            "upload_guard_apps[0].nginx_site: 'nope' is not one of nginx_auth_sites (none); name the site in front "
            "of the app, or leave nginx_site empty",
        ]
    }


def test_without_nginx_auth():
    model = FILTERS["upload_guard_model"]([dict(APP, nginx_site="")], sites([]))
    assert model["apps"][0]["max_upload_size"] == "100m"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: FILTERS["upload_guard_model"]([], None, retention=1), "upload_guard_model: unknown setting(s)"),
        (lambda: FILTERS["upload_guard_model"]([], [{"name": "studio"}]), "upload_guard_model: sites must be"),
    ],
)
def test_programming_errors_fail_the_task(call, message):
    with pytest.raises(AnsibleFilterError) as error:
        call()
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        pytest.param([], {"own": [], "foreign": []}, id="no-upload-directories"),
        pytest.param(
            [
                {"item": UPLOADS, "rc": 0, "stdout": f"{UPLOADS} {UPLOADS} none bind,noexec,nosuid,nodev"},
                {"item": "/srv/disk", "rc": 0, "stdout": "tmpfs /srv/disk tmpfs defaults,size=1m"},
                {"item": "/srv/none", "rc": 1, "stdout": ""},
            ],
            {"own": [UPLOADS], "foreign": ["tmpfs /srv/disk tmpfs defaults,size=1m"]},
            id="own-foreign-none",
        ),
    ],
)
def test_upload_guard_mounts(results, expected):
    assert FILTERS["upload_guard_mounts"](results) == expected
