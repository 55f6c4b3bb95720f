# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the uploadscan unit tests: a small upload tree."""

from __future__ import annotations

import pytest
from uploadscan_samples import HEADERS, _wav


@pytest.fixture
def tree(tmp_path):
    up = tmp_path / "uploads"
    (up / "abc123").mkdir(parents=True)
    (up / "abc123" / "portrait.png").write_bytes(HEADERS[12][3])
    (up / "voice.wav").write_bytes(_wav())
    (up / "avatar.php.mp4").write_bytes(b"<?php system($_GET['c']); ?>")
    (up / "clip.mp4").write_bytes(HEADERS[0][3])
    return tmp_path
