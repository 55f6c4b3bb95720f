# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter_pack: the merged regexes match exactly what the patterns match."""

from __future__ import annotations

import re

import pytest
from botfilter_cases import FLAGS, reference
from botfilter_nginx import NginxMaps, NginxServer, dropped, nginx_tokens
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_dialect as dialect
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_pack as pack
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW, BLOCK

# ---------------------------------------------------------------------------
# Merging: the merged regexes match exactly what the patterns match.


@pytest.mark.parametrize(
    ("branches", "anchored", "expected"),
    [
        ([("gptbot", ""), ("googlebot", ""), ("bingbot", "")], False, "(?:bingbot|g(?:ooglebot|ptbot))"),
        ([("bot", ""), ("botnet", ""), ("robot", "")], False, "(?:bot|robot)"),
        ([("a", ""), ("b", ""), ("c.", "")], False, r"(?:[ab]|c\.)"),
        ([("adsbot-google", "[^-]"), ("adsbot-google", "$")], False, "adsbot-google(?:[^-]|$)"),
        ([("curl", ""), ("crunchbot", "")], True, "^(?:c(?:runchbot|url))"),
        (
            [("/.env", ""), ("/.git/", ""), ("/.aws/", ""), ("/.ssh/", "")],
            False,
            r"/\.(?=[aegs])(?:aws/|env|git/|ssh/)",
        ),
        ([("x", r"\d+"), ("x", "")], False, "x"),
    ],
)
def test_merge(branches, anchored, expected):
    assert pack.merge(branches, anchored) == expected


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("~*gptbot", '"~*gptbot"'),
        (r"~*a\.b\/c", r'"~*a\.b\/c"'),
        (r"~*\d\s\w", r'"~*\d\s\w"'),
        (r"~*\\x", r'"~*\\\x"'),
        (r"~*a\tb\nc\rd", r'"~*a\\tb\\nc\\rd"'),
        ('~*say "hi"', r'"~*say \"hi\""'),
        ("~*it\\'s", '"~*it\\\\\'s"'),
        ("~*a{2,3};#x", '"~*a{2,3};#x"'),
    ],
)
def test_nginx_string(text, quoted):
    assert pack.nginx_string(text) == quoted
    assert nginx_tokens(quoted) == [text]


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_nginx_string_round_trip(text):
    assert nginx_tokens(pack.nginx_string(text) + ";") == [text, ";"]


@settings(max_examples=300, deadline=None)
@given(
    literals=st.lists(st.text(alphabet="abAB/. -", min_size=1, max_size=6), min_size=1, max_size=40),
    subjects=st.lists(st.text(alphabet="abAB/. -x", max_size=24), min_size=1, max_size=20),
    limit=st.sampled_from([60, 120, pack.MAX_PARAMETER]),
)
def test_merged_literals_match_like_the_literals(literals, subjects, limit):
    assume(all(len(pack.regex_parameter(dialect.escape_literal(lit.lower()))) <= limit for lit in literals))
    flt = bf.build(
        builtin=False,
        patterns=[dict(name=str(i), pattern=lit) for i, lit in enumerate(literals)],
        builtin_probe_paths=False,
        fast_path=False,
        limit=limit,
    )
    assert all(len(pack.regex_parameter(text)) <= limit for text, _action in flt.ua_parts)
    for subject in subjects + literals + ["".join(literals)]:
        expected = any(lit.lower() in subject.lower() for lit in literals)
        assert (flt.classify_user_agent(subject) == BLOCK) == (expected or not subject), subject


ATOMS = st.sampled_from(["a", "b", "c", "A", r"\.", ".", "[ab]", "[^a]", r"\d", "[bB]", " ", "-"])
QUANTS = st.sampled_from(["", "", "", "?", "*", "+", "{1,2}"])


@st.composite
def regexes(draw, depth=1):
    def sequence():
        pieces = []
        for _piece in range(draw(st.integers(1, 4))):
            if depth > 0 and draw(st.integers(0, 5)) == 0:
                # At most "?" on a group: nested unbounded quantifiers, like
                # (a+b*)*, backtrack exponentially in Python and in PCRE.
                pieces.append("(" + draw(regexes(depth=depth - 1)) + ")" + draw(st.sampled_from(["", "?"])))
            else:
                pieces.append(draw(ATOMS) + draw(QUANTS))
        text = "".join(pieces)
        if draw(st.booleans()) and draw(st.booleans()):
            text = "^" + text
        if draw(st.integers(0, 4)) == 0:
            text += "$"
        return text

    return "|".join(sequence() for _branch in range(draw(st.integers(1, 3))))


@settings(max_examples=300, deadline=None)
@given(
    patterns=st.lists(
        st.tuples(
            st.one_of(regexes(), st.text(alphabet="abc.", min_size=1, max_size=4)),
            st.booleans(),
            st.sampled_from(["block", "block", "limit"]),
        ),
        min_size=1,
        max_size=12,
    ),
    subjects=st.lists(st.text(alphabet="abcAB. 1-", max_size=14), min_size=1, max_size=25),
    limit=st.sampled_from([80, pack.MAX_PARAMETER]),
)
def test_merged_regexes_match_like_the_patterns(patterns, subjects, limit):
    inputs = []
    for index, (pattern, regex_flag, action) in enumerate(patterns):
        regex_flag = regex_flag or any(c in pattern for c in "()[]|\\^$?*+{")
        compiled = re.compile(pattern if regex_flag else re.escape(pattern), FLAGS)
        assume(not compiled.search(""))
        assume(len(pack.regex_parameter(pattern)) < limit)
        inputs.append(dict(name=f"p{index}", pattern=pattern, regex=regex_flag, action=action))
    try:
        flt = bf.build(builtin=False, patterns=inputs, builtin_probe_paths=False, fast_path=False, limit=limit)
    except dialect.BotFilterError as exc:
        assume("too long" not in str(exc))
        raise
    # A branch over the limit alone is refused as too long (test_pack_alternation_refuses_a_long_regex_after_others).
    assert all(len(pack.regex_parameter(text)) <= limit for text, _action in flt.ua_parts)
    # Duplicates: the later one is used (see test_duplicates).
    entries = [entry.as_dict() for entry in flt.entries]
    for subject in subjects + [p for p, _r, _a in patterns]:
        assert flt.classify(subject, "/") == reference(entries, [], subject, "/"), (subject, flt.ua_parts)


def test_pack_alternation_refuses_a_long_regex_after_others():
    with pytest.raises(dialect.BotFilterError, match="pattern 'long' is too long"):
        pack.pack_alternation(["a", "b" * 100], limit=50, names={"b" * 100: "long"})


def test_pack_fills_each_regex_up_to_the_limit():
    """Greedy: each regex as long a run of the sorted branches as fits, so adding the next one would not."""
    branches = sorted({(f"{chr(97 + index % 26)}bot{index * 7919 % 10007:05d}", "") for index in range(600)})
    limit = 400
    parts = pack.pack(branches, limit=limit)
    assert len(parts) > 3
    assert all(len(pack.regex_parameter(text)) <= limit for text in parts)
    start = 0
    for text in parts[:-1]:
        regex = re.compile("^(?:" + text + ")$")
        count = sum(1 for prefix, _tail in branches if regex.match(prefix))
        run = branches[start : start + count]
        assert all(regex.match(prefix) for prefix, _tail in run)
        assert len(pack.regex_parameter(pack.merge(branches[start : start + count + 1]))) > limit
        start += count
    assert start + sum(1 for prefix, _tail in branches if re.fullmatch(parts[-1], prefix)) == len(branches)


def test_long_lists_are_split_under_the_limit():
    words = [f"bot{index:05d}x{'y' * (index % 7)}" for index in range(3000)]
    flt = bf.build(
        builtin=False, patterns=[dict(name=w, pattern=w) for w in words], builtin_probe_paths=False, fast_path=False
    )
    assert len(flt.ua_parts) > 5
    assert all(len(pack.regex_parameter(text)) <= pack.MAX_PARAMETER for text, _action in flt.ua_parts)
    for word in words[::97]:
        assert flt.classify("Mozilla/5.0 " + word.upper()) == BLOCK
    assert flt.classify("Mozilla/5.0 bot0000x") == ALLOW
    # The merged regexes are in the server include, one if each, without a capture: still under the limit.
    server = flt.render_server()
    assert max(len(line) for line in server.splitlines()) < 4096
    nginx_tokens(server)  # every parameter under nginx's limit
    assert "(?<aiguard_bot_match>" not in server
    assert server.count("if ($http_user_agent ~* ") == len(flt.ua_parts)  # no device path without the fast path
    http = flt.render_http()
    # User patterns only: the class map has just its default.
    assert NginxMaps(http).maps["$aiguard_bot_class"][1:] == ({}, [], "user")
    server = NginxServer(http, server, flt.render_snippet())
    for word in words[::97]:
        verdict, _status, request = server.request("Mozilla/5.0 " + word.upper(), "/")
        assert (verdict, dropped(request)) == (BLOCK, "ua:user")
    assert server.classify("Mozilla/5.0 bot0000x", "/") == ALLOW
