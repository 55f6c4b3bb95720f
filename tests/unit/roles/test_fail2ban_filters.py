# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fail2ban_jails' filters, run by the real ``fail2ban-regex`` over their sample lines.

Each filter ``files/filter.d/aiguard-NAME.conf`` ships with
``files/samples/aiguard-NAME.log`` and ``aiguard-NAME.expected.yml``, which
says line by line which address the filter must find, or null where it must
not match. The test asserts exactly that set of lines, in order. The samples
are checked against nginx_auth's log format too, so a change of its fields
shows up here. Skipped where fail2ban is not installed (Debian's package
``fail2ban``: scripts/bootstrap.sh installs it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from nginx_auth_render import render

ROLE = Path(__file__).resolve().parents[3] / "roles" / "fail2ban_jails"
FILTERS = ROLE / "files" / "filter.d"
SAMPLES = ROLE / "files" / "samples"
FAIL2BAN_REGEX = shutil.which("fail2ban-regex")
needs_fail2ban = pytest.mark.skipif(
    FAIL2BAN_REGEX is None, reason="no fail2ban-regex here (apt-get install fail2ban, as scripts/bootstrap.sh does)"
)

# (sample, filter with its parameters as the jail passes them)
CASES = [
    ("aiguard-auth", "aiguard-auth"),
    ("aiguard-token", "aiguard-token"),
    ("aiguard-bot", "aiguard-bot"),
    ("aiguard-bot-403", "aiguard-bot[blockstatus=403]"),
    ("aiguard-ratelimit", "aiguard-ratelimit"),
]


def sample_lines(name):
    return (SAMPLES / f"{name}.log").read_text().splitlines()


def expected(name):
    return yaml.safe_load((SAMPLES / f"{name}.expected.yml").read_text())["bans"]


def matches(log, filter_spec):
    """``[(address, line)]`` of the lines of LOG the filter matches, as fail2ban-regex reports them."""
    name, _sep, params = filter_spec.partition("[")
    spec = str(FILTERS / f"{name}.conf") + (f"[{params}" if params else "")
    done = subprocess.run(
        [FAIL2BAN_REGEX, "--out", "<ip>\t<msg>", str(log), spec],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [tuple(row.split("\t", 1)) for row in done.stdout.splitlines() if row]


@needs_fail2ban
@pytest.mark.parametrize(("sample", "filter_spec"), CASES, ids=[case[0] for case in CASES])
def test_the_filter_matches_exactly_the_expected_lines(sample, filter_spec):
    lines = sample_lines(sample)
    wanted = expected(sample)
    assert len(wanted) == len(lines), f"{sample}.expected.yml must have one entry per line of {sample}.log"
    assert any(wanted) and not all(wanted), "a sample needs lines that match and lines that do not"
    want = [(address, line) for address, line in zip(wanted, lines, strict=True) if address]
    assert matches(SAMPLES / f"{sample}.log", filter_spec) == want


@needs_fail2ban
def test_each_jail_filter_leaves_the_other_jails_lines_alone(tmp_path):
    """The auth, token and rate-limit lines of one request are counted by one jail only."""
    every = tmp_path / "all.log"
    samples = [sample for sample, _filter in CASES if sample != "aiguard-bot-403"]
    every.write_text("".join(line + "\n" for sample in samples for line in sample_lines(sample)))
    seen = {}
    for sample, filter_spec in CASES:
        if sample == "aiguard-bot-403":
            continue
        for _address, line in matches(every, filter_spec):
            seen.setdefault(line, []).append(filter_spec)
    assert {line: jails for line, jails in seen.items() if len(jails) > 1} == {}


def _log_format_fields():
    text = render(
        "http.conf.j2",
        [{"name": "studio", "upstream": "127.0.0.1:7860"}],
        nginx_auth_access_log_json="/var/log/nginx/aiguard-access.json",
    )["http.conf.j2"]
    log_format = text[text.index("log_format") : text.index("access_log")]
    return re.findall(r'\\?"([a-z_]+)\\?":', log_format)


@pytest.mark.parametrize("sample", [case[0] for case in CASES])
def test_the_samples_have_the_fields_of_nginx_auths_log_format(sample):
    fields = _log_format_fields()
    for line in sample_lines(sample):
        assert list(json.loads(line)) == fields, line


def test_the_filters_spell_the_log_format_field_by_field():
    common = (FILTERS / "aiguard-json.conf").read_text()
    [pattern] = re.findall(r"^aiguard_json = (.*)$", common, re.M)
    assert re.findall(r'"([a-z_]+)":', pattern) == _log_format_fields()
