# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The site model filters, as the roles call them."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.aiguard.hardening.plugins.filter.sites import FilterModule

FILTERS = FilterModule().filters()
USERS = [{"name": "alice", "password": "alice-lab-password"}]


def test_site_model_with_the_role_defaults():
    model = FILTERS["site_model"]([{"name": "studio", "upstream": "127.0.0.1:7860"}], client_max_body_size=None)
    assert model["client_max_body_size"] == {"studio": "100m"}
    assert model["sites"][0]["upload_paths"] == ["/upload", "/gradio_api/upload"]


@pytest.mark.parametrize(
    ("sites", "message"),
    [
        ([{"name": "Studio!", "upstream": "127.0.0.1:7860"}], "'Studio!' is not a valid site name"),
        (
            [{"name": "a", "upstream": "x", "auth": "leak-check-token-0001", "api_tokens": ["leak-check-token-0001"]}],
            "auth",
        ),
    ],
)
def test_site_model_fails_on_input_without_a_model(sites, message):
    with pytest.raises(AnsibleFilterError) as error:
        FILTERS["site_model"](sites)
    assert message in str(error.value) and "leak-check" not in str(error.value)


def test_site_model_rejects_unknown_settings():
    with pytest.raises(AnsibleFilterError, match="unknown setting"):
        FILTERS["site_model"]([], max_body=1)


def test_nginx_auth_problems_as_the_preflight_calls_it():
    bad = {"name": "api", "upstream": "127.0.0.1:3002", "api_paths": ["/v1/"], "api_tokens": ["leak-check!"]}
    found = FILTERS["nginx_auth_problems"](
        [bad], users=USERS, tls_protocols=["TLSv1.2", "TLSv1.3"], tls_ciphers=["ECDHE-RSA-AES128-GCM-SHA256"]
    )
    assert len(found) == 1 and "16 to 256" in found[0] and "leak-check" not in found[0]
