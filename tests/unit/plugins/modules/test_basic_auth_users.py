# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""basic_auth_users' main() with the real libcrypt: the hashes it writes verify, and unchanged files stay."""

from __future__ import annotations

import ctypes.util
import os
import stat

import pytest

from ansible_collections.aiguard.hardening.plugins.modules import basic_auth_users

pytestmark = pytest.mark.skipif(
    ctypes.util.find_library("crypt") is None, reason="no libcrypt here (Debian's libcrypt1 has it)"
)
USERS = [{"name": "alice", "password": "alice-lab-password"}, {"name": "bob", "password": "bob-lab-password"}]
BCRYPT_ALICE = "alice:$2b$05$abcdefghijklmnopqrstuuZb1o8mT2xXkb8SA7VtG6ZTHuS7Gc3Vu\n"


@pytest.fixture
def run(run_main, tmp_path):
    path = tmp_path / "studio"
    return path, lambda **args: run_main(basic_auth_users.main, dict({"path": str(path), "users": USERS}, **args))


def test_writes_hashes_that_crypt_verifies_and_then_changes_nothing(run):
    path, call = run
    failed, result = call(mode="0640")
    assert not failed and result["changed"] and result["added"] == ["alice", "bob"]
    crypt = basic_auth_users.Crypt()
    lines = path.read_text().splitlines()
    for user, line in zip(USERS, lines, strict=True):
        name, hashed = line.split(":", 1)
        assert name == user["name"] and hashed.startswith("$6$rounds=1000$")
        assert crypt.verify(user["password"], hashed)
        assert not crypt.verify("wrong-password", hashed)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    failed, again = call(mode="0640")
    assert not failed and not again["changed"] and path.read_text().splitlines() == lines


def test_check_mode_and_diff_tell_the_truth_without_writing(run):
    path, call = run
    path.write_text(BCRYPT_ALICE)
    failed, result = call(_ansible_check_mode=True, _ansible_diff=True)
    assert not failed and result["changed"]
    assert result["rehashed"] == [{"name": "alice", "before": "bcrypt"}] and result["added"] == ["bob"]
    assert result["diff"]["before"] == "alice: bcrypt\n"
    assert result["diff"]["after"] == "alice: sha512_crypt, 1000 rounds\nbob: sha512_crypt, 1000 rounds\n"
    assert path.read_text() == BCRYPT_ALICE
    assert "$" not in result["diff"]["after"]


def test_missing_file_in_check_mode_is_a_change(run):
    path, call = run
    failed, result = call(_ansible_check_mode=True)
    assert not failed and result["changed"] and not path.exists()


def test_removes_users_not_listed(run):
    path, call = run
    call()
    failed, result = call(users=USERS[:1])
    assert not failed and result["changed"] and result["removed"] == ["bob"]
    assert [line.split(":")[0] for line in path.read_text().splitlines()] == ["alice"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"rounds": 999}, "rounds: got 999"),
        ({"users": [{"name": "a:b", "password": "x"}]}, "without ':'"),
        ({"users": [USERS[0], USERS[0]]}, "unique"),
    ],
)
def test_refuses_bad_input(run, args, message):
    path, call = run
    failed, result = call(**args)
    assert failed and message in result["msg"] and not path.exists()
