# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The password file plan and the password policy of basicauth, with a stand-in crypt()."""

from __future__ import annotations

import pytest

from ansible_collections.aiguard.hardening.plugins.module_utils import basicauth

SHA = "$6$rounds={rounds}$saltsaltsaltsalt$" + "x" * 86
BCRYPT = "$2y$12$" + "a" * 53
ALICE = {"name": "alice", "password": "alice-lab-password"}
BOB = {"name": "bob", "password": "bob-lab-password"}


def fake_hash(password, rounds=1000):
    return SHA.format(rounds=rounds)[:-86] + (password * 86)[:86].replace("-", ".")


def verify(password, hashed):
    return fake_hash(password, basicauth.sha512_rounds(hashed)) == hashed


def make(password):
    return fake_hash(password)


@pytest.mark.parametrize(
    ("before", "users", "added", "rehashed", "removed", "changed"),
    [
        (None, [ALICE], ["alice"], [], [], True),
        ("", [], [], [], [], False),
        (f"alice:{fake_hash(ALICE['password'])}\n", [ALICE], [], [], [], False),
        # a changed password, a bcrypt hash, another round count: hashed anew
        (f"alice:{fake_hash('old-password-0000')}\n", [ALICE], [], [("alice", "sha512_crypt, 1000 rounds")], [], True),
        (f"alice:{BCRYPT}\n", [ALICE], [], [("alice", "bcrypt")], [], True),
        (
            f"alice:{fake_hash(ALICE['password'], 5000)}\n",
            [ALICE],
            [],
            [("alice", "sha512_crypt, 5000 rounds")],
            [],
            True,
        ),
        # users not listed go; comments and junk lines do not survive a rewrite
        (f"# note\nalice:{fake_hash(ALICE['password'])}\ncarol:{BCRYPT}\njunk\n", [ALICE], [], [], ["carol"], True),
        (f"bob:{fake_hash(BOB['password'])}\n", [ALICE, BOB], ["alice"], [], [], True),
    ],
    ids=["new-file", "empty", "unchanged", "new-password", "bcrypt", "other-rounds", "stale-user", "order"],
)
def test_plan(before, users, added, rehashed, removed, changed):
    text, report = basicauth.plan(before, users, 1000, verify, make)
    assert report["added"] == added
    assert [(r["name"], r["before"]) for r in report["rehashed"]] == rehashed
    assert report["removed"] == removed
    assert report["changed"] is changed
    assert [name for name, _hashed in basicauth.parse(text)] == [user["name"] for user in users]
    for user, (_name, hashed) in zip(users, basicauth.parse(text), strict=True):
        assert verify(user["password"], hashed)
        assert basicauth.sha512_rounds(hashed) == 1000


def test_a_kept_line_keeps_its_salt():
    line = "alice:" + fake_hash(ALICE["password"])
    text = basicauth.plan(line + "\n", [ALICE], 1000, verify, lambda _password: pytest.fail("hashed again"))[0]
    assert text == line + "\n"


@pytest.mark.parametrize(
    ("hashed", "described", "rounds"),
    [
        ("$6$rounds=1000$abcdefghijklmnop$" + "A" * 86, "sha512_crypt, 1000 rounds", 1000),
        ("$6$abcdefgh$" + "A" * 86, "sha512_crypt, 5000 rounds", 5000),
        (BCRYPT, "bcrypt", None),
        ("$apr1$abc$def", "apr_md5_crypt", None),
        ("$y$j9T$abc$def", "yescrypt", None),
        ("{SHA}abc", "ldap-style", None),
        ("plain", "unknown scheme", None),
        ("$6$rounds=1000$abc$short", "unknown scheme", None),
    ],
)
def test_describe(hashed, described, rounds):
    assert basicauth.describe(hashed) == described
    assert basicauth.sha512_rounds(hashed) == rounds


def test_setting_has_a_fresh_salt_each_time():
    first, second = basicauth.setting(1000), basicauth.setting(1000)
    assert first.startswith("$6$rounds=1000$") and first.endswith("$")
    assert len(first.split("$")[3]) == basicauth.SALT_LENGTH
    assert first != second


def test_summary_never_shows_a_hash():
    text = f"alice:{BCRYPT}\nbob:{fake_hash('x')}\n"
    assert basicauth.summary(text) == "alice: bcrypt\nbob: sha512_crypt, 1000 rounds\n"


@pytest.mark.parametrize(
    ("password", "low", "high"),
    [
        ("", 0, 0),
        ("aaaaaaaaaaaaaaaaaaaaaaaa", 4, 5),  # one character repeated
        ("abcdefghijklmnopqrstuvwx", 4, 5),  # a run
        ("12345678901234567890", 6, 14),
        ("abcabcabcabcabcabcabc", 14, 15),  # a repeated chunk counts once, its run too
        ("correcthorse", 47, 48),  # 12 lowercase, "rr" and "rs" not counted: 10 * log2(26)
        ("lab-admin-password", 90, 100),
        ("Tr0ub4dor&3", 70, 73),
        ("wX9#qL2!vB7$", 78, 80),
    ],
)
def test_estimated_bits(password, low, high):
    assert low <= basicauth.estimated_bits(password) <= high


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("alice-lab-password", True),
        ("k3J9vQ2mXr8LpT5w", True),  # 16 random alphanumerics
        ("correcthorse", False),
        ("Passw0rd!", False),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", False),
        ("qwertyuiop", False),
    ],
)
def test_password_problem(password, ok):
    problem = basicauth.password_problem("nginx_auth_users[0].password", "alice", password, basicauth.MIN_BITS)
    assert (problem is None) is ok
    if problem:
        assert password not in problem
        assert problem.startswith("nginx_auth_users[0].password: ")
        assert "nginx_auth_password_min_bits" in problem
