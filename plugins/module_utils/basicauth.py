# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Basic-auth password files for nginx: the hash scheme, the plan of a file, the password policy.

nginx checks a basic-auth password with the C library's ``crypt()`` inside its
worker, on every request, with no cache. The scheme is therefore a trade-off
between the CPU each request costs and the cost of guessing a password from
a stolen file. This module writes SHA-512 crypt (``$6$``, salted) with few
rounds, which costs well under a millisecond per request (bcrypt at cost 12
costs about 0.3 s), and relies on the password policy below for the offline
side: a password of 64 bits or more resists a GPU rig for millennia even at
this speed. The role README says the same ("Passwords and hashing").

Nothing here calls ``crypt()``: the caller passes ``verify(password, hash)``
and ``make(password)`` (the module uses libcrypt, the library nginx uses),
so the plan is tested with stand-ins.
"""

from __future__ import annotations

import math
import re
import secrets

SCHEME = "sha512_crypt"
MIN_ROUNDS = 1000  # the smallest count SHA-crypt accepts
MAX_ROUNDS = 999_999_999
DEFAULT_ROUNDS = 1000
SALT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SALT_LENGTH = 16
_SHA512 = re.compile(r"^\$6\$(?:rounds=([0-9]+)\$)?[^$]{0,16}\$[./0-9A-Za-z]{86}$")
_SCHEMES = (
    (re.compile(r"^\$2[abxy]\$"), "bcrypt"),
    (re.compile(r"^\$y\$"), "yescrypt"),
    (re.compile(r"^\$5\$"), "sha256_crypt"),
    (re.compile(r"^\$1\$"), "md5_crypt"),
    (re.compile(r"^\$apr1\$"), "apr_md5_crypt"),
    (re.compile(r"^\{"), "ldap-style"),
)


def setting(rounds, salt=None):
    """The crypt() setting for a new SHA-512 hash: ``$6$rounds=N$SALT$``."""
    salt = salt if salt is not None else "".join(secrets.choice(SALT_ALPHABET) for _index in range(SALT_LENGTH))
    return f"$6$rounds={rounds}${salt}$"


def describe(hashed):
    """The scheme of a hash as a person reads it: 'sha512_crypt, 1000 rounds', 'bcrypt', ..."""
    rounds = sha512_rounds(hashed)
    if rounds is not None:
        return f"{SCHEME}, {rounds} rounds"
    for pattern, name in _SCHEMES:
        if pattern.match(hashed):
            return name
    return "unknown scheme"


def sha512_rounds(hashed):
    """The rounds of a SHA-512 crypt hash (5000 where the hash names none), or None for any other scheme."""
    match = _SHA512.match(hashed)
    if not match:
        return None
    return int(match.group(1)) if match.group(1) else 5000


def parse(text):
    """``[(name, hash)]`` of a password file, in order; comments, blank and malformed lines are left out."""
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#") or ":" not in line:
            continue
        name, hashed = line.split(":", 1)
        entries.append((name, hashed.split(":", 1)[0]))
    return entries


def plan(existing_text, users, rounds, verify, make):
    """The new file for USERS ([{name, password}]) and what changes, from the file's current text.

    A user keeps its line when the hash is SHA-512 crypt with ROUNDS rounds
    and still verifies the password; otherwise the line is hashed anew
    (``make``). Users not listed are removed. Returns ``(text, report)``:
    report has ``added``, ``rehashed`` (``[{name, before}]``, the old scheme),
    ``removed`` and ``kept`` (names), and ``changed``.
    """
    current = dict(parse(existing_text or ""))
    lines, report = [], {"added": [], "rehashed": [], "removed": [], "kept": []}
    for user in users:
        name, password = user["name"], user["password"]
        old = current.get(name)
        if old is not None and sha512_rounds(old) == rounds and verify(password, old):
            lines.append(f"{name}:{old}")
            report["kept"].append(name)
            continue
        lines.append(f"{name}:{make(password)}")
        if old is None:
            report["added"].append(name)
        else:
            report["rehashed"].append({"name": name, "before": describe(old)})
    wanted = {user["name"] for user in users}
    report["removed"] = [name for name in current if name not in wanted]
    text = "".join(f"{line}\n" for line in lines)
    report["changed"] = text != (existing_text or "")
    return text, report


def summary(text):
    """One line per user with the hash scheme, never the hash: what diff mode shows."""
    return "".join(f"{name}: {describe(hashed)}\n" for name, hashed in parse(text or ""))


# The password policy. The estimate is generous to the user: it assumes the
# characters were picked at random from the classes the password uses, so it
# is an upper bound for a password a person made up (a phrase of dictionary
# words has far less). It still catches what is short, single-class,
# repeated or a run ("aaaa", "abcd", "1234"). Generated passwords
# (`openssl rand -base64 18`: 144 bits) pass with room to spare.
_CLASSES = (
    (re.compile(r"[a-z]"), 26),
    (re.compile(r"[A-Z]"), 26),
    (re.compile(r"[0-9]"), 10),
    (re.compile(r"[!-/:-@\[-`{-~ ]"), 33),
)
MIN_BITS = 64


def estimated_bits(password):
    """Bits of a password if its characters were random over the classes it uses (runs and repeats not counted)."""
    if not password:
        return 0.0
    pool = sum(size for pattern, size in _CLASSES if pattern.search(password))
    if any(ord(char) > 126 for char in password):
        pool += 100
    counted, previous = 0, None
    for char in password:
        if previous is None or abs(ord(char) - ord(previous)) > 1:
            counted += 1
        previous = char
    period = _period(password)
    if period < len(password):
        counted = min(counted, period)
    return counted * math.log2(max(pool, 2))


def _period(text):
    """The length of the shortest chunk TEXT repeats ('abcabc' -> 3), its length if it repeats none."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return size
    return len(text)


def password_problem(label, name, password, min_bits):
    """What is wrong with a password under the policy (never showing it), or None."""
    bits = estimated_bits(password)
    if bits < min_bits:
        return (
            f"{label}: the password of {name!r} is too easy to guess from a stolen password file (about "
            f"{bits:.0f} bits, the policy nginx_auth_password_min_bits asks {min_bits}); use a longer or generated "
            "one, e.g. `openssl rand -base64 18`"
        )
    return None
