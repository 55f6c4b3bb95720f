# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The certbot_tls filters, as the role calls them."""

from __future__ import annotations

import pytest

from ansible_collections.aiguard.hardening.plugins.filter.certbot_tls import FilterModule as CertbotFilters
from ansible_collections.aiguard.hardening.plugins.filter.sites import FilterModule

FILTERS = FilterModule().filters()
CERTBOT = CertbotFilters().filters()


def test_certbot_tls_reads_its_sites_through_the_model():
    model = FILTERS["site_model"]([{"name": "s", "upstream": "127.0.0.1:1", "tls": True, "server_names": ["a.b"]}])
    assert CERTBOT["certbot_tls_certificates"](model, "acme", None) == [{"name": "s", "domains": ["a.b"]}]


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("production", "https://acme-v02.api.letsencrypt.org/directory"),
        ("staging", "https://acme-staging-v02.api.letsencrypt.org/directory"),
        ("https://ca.lab.test/dir", "https://ca.lab.test/dir"),
    ],
)
def test_acme_directory(server, url):
    assert CERTBOT["acme_directory"](server) == url
