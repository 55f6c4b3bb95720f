# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the module_utils unit tests.

Bot filter: filters built once and shared.

Each ``build()`` with the fast path on lists the ~14,600 user agents of the
fast-path families against the merged patterns (cached per set of merged
regexes), so the tests that are not about the fast path build with
``fast_path=False`` and the others share these few pattern sets.

Upload scanner: ``tree``, a small upload tree.
"""

from __future__ import annotations

import pytest
from botfilter_cases import ACME, SHARED_PATTERNS
from uploadscan_samples import HEADERS, _wav

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf


@pytest.fixture(scope="session")
def default_filter():
    return bf.build()


@pytest.fixture(scope="session")
def shared_filter():
    return bf.build(patterns=SHARED_PATTERNS, probe_paths=["/backup.zip"])


@pytest.fixture(scope="session")
def site_filter():
    """Exempt paths (exact and prefix) and reserved locations, as nginx_auth passes them."""
    return bf.build(
        patterns=SHARED_PATTERNS,
        probe_paths=["/backup.zip"],
        exempt_paths=["/health", ACME, "/public/"],
        reserved_locations=["/wp-admin", "/backup.zip", "/api/"],
    )


@pytest.fixture
def tree(tmp_path):
    up = tmp_path / "uploads"
    (up / "abc123").mkdir(parents=True)
    (up / "abc123" / "portrait.png").write_bytes(HEADERS[12][3])
    (up / "voice.wav").write_bytes(_wav())
    (up / "avatar.php.mp4").write_bytes(b"<?php system($_GET['c']); ?>")
    (up / "clip.mp4").write_bytes(HEADERS[0][3])
    return tmp_path
