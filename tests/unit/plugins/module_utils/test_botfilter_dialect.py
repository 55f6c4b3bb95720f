# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter_dialect: parsing and validation of one pattern."""

from __future__ import annotations

import re

import pytest
from botfilter_cases import BOT_AGENTS, BROWSERS, FLAGS

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_dialect as dialect

# ---------------------------------------------------------------------------
# Parsing and validation.


@pytest.mark.parametrize(
    ("pattern", "regex", "branches", "pcre"),
    [
        ("GPTBot", False, [(False, "gptbot", "")], "gptbot"),
        (
            "Mediapartners (Googlebot)",
            False,
            [(False, "mediapartners (googlebot)", "")],
            r"mediapartners \(googlebot\)",
        ),
        (r"Googlebot\/", True, [(False, "googlebot/", "")], r"Googlebot\/"),
        ("[wW]get", True, [(False, "wget", "")], "[wW]get"),
        (r"S[eE][mM]rushBot", True, [(False, "semrushbot", "")], "S[eE][mM]rushBot"),
        ("(sistrix|SISTRIX) [cC]rawler", True, [(False, "sistrix crawler", "")], "(?:sistrix|SISTRIX) [cC]rawler"),
        (
            "Ahrefs(Bot|SiteAudit)",
            True,
            [(False, "ahrefsbot", ""), (False, "ahrefssiteaudit", "")],
            "Ahrefs(?:Bot|SiteAudit)",
        ),
        (
            "AdsBot-Google([^-]|$)",
            True,
            [(False, "adsbot-google", "[^-]"), (False, "adsbot-google", "$")],
            "AdsBot-Google(?:[^-]|$)",
        ),
        ("^curl", True, [(True, "curl", "")], "^curl"),
        (r"(^| )sentry\/", True, [(True, "sentry/", ""), (False, " sentry/", "")], r"(?:^| )sentry\/"),
        (
            "Automaton|Newsify Feed Fetcher",
            True,
            [(False, "automaton", ""), (False, "newsify feed fetcher", "")],
            "Automaton|Newsify Feed Fetcher",
        ),
        (
            r"BlogTraffic\/\d\.\d+ Feed-Fetcher",
            True,
            [(False, "blogtraffic/", r"\d\.\d+ Feed-Fetcher")],
            r"BlogTraffic\/\d\.\d+ Feed-Fetcher",
        ),
        (
            r"ContextualBot[\s\S]*outcomes\.net",
            True,
            [(False, "contextualbot", r"[\s\S]*outcomes\.net")],
            r"ContextualBot[\s\S]*outcomes\.net",
        ),
        ("GoogleAssociationService$", True, [(False, "googleassociationservice", "$")], "GoogleAssociationService$"),
        ("abc+", True, [(False, "ab", "c+")], "abc+"),
        (r"(?P<tool>nuclei)-(\d+)", True, [(False, "nuclei-", r"\d+")], r"(?:nuclei)-(?:\d+)"),
        (r"\x41bc(?#comment)d", True, [(False, "abcd", "")], r"\x41bcd"),
        (r"\d+bot", True, [(False, "", r"\d+bot")], r"\d+bot"),
        ("(?=x)xbot", True, [(False, "", "(?=x)xbot")], "(?=x)xbot"),
    ],
)
def test_parse(pattern, regex, branches, pcre):
    parsed = dialect.Pattern("test", pattern, regex)
    assert parsed.branches == branches
    assert parsed.pcre == pcre
    # The PCRE text matches what Python's reading of the original matches.
    original = re.compile(pattern if regex else re.escape(pattern), FLAGS)
    for agent in BROWSERS + BOT_AGENTS + [pattern, pattern.upper(), "xx " + pattern.lower() + " yy"]:
        assert bool(parsed.compiled.search(agent)) == bool(original.search(agent)), agent


@pytest.mark.parametrize(
    ("pattern", "regex", "message"),
    [
        (
            "Googlebot(",
            True,
            "pattern 'test': 'Googlebot(' is not a valid regular expression: missing ), unterminated"
            " subpattern at position 9",
        ),
        ("[abc", True, "unterminated character set at position 0"),
        ("bot)x", True, "unbalanced parenthesis at position 3"),
        ("a{2,1}", True, "min repeat greater than max repeat at position 2"),
        ("*bot", True, "nothing to repeat at position 0"),
        (r"(a)\1", True, r"a back-reference at position 3 of '(a)\\1'"),
        ("(?P<x>a)(?P=x)", True, "a back-reference at position 8"),
        (
            "(?i)bot",
            True,
            "an inline flag at position 0 of '(?i)bot' is not supported: patterns are always case-insensitive",
        ),
        ("a(?-i:Bot)", True, "an inline flag at position 1"),
        ("(a)?(?(1)b|c)", True, "a conditional group at position 4"),
        ("bot{,3}", True, "the quantifier {,n} at position 3"),
        ("x[[:alpha:]]", True, "a POSIX class at position 2"),
        (r"\u0041bot", True, r"the escape \u at position 0"),
        (r"bot\v", True, r"the escape \v at position 3"),
        (r"bot[\v]", True, r"the escape \v at position 4"),
        ("b\u00f6tbot", False, "character '\u00f6' at position 1 of 'b\u00f6tbot' is not printable ASCII"),
        ("bot\tx", True, "character '\\t' at position 3"),
        ("", False, "pattern 'test' is empty"),
        ("x*", True, "'x*' matches the empty string, so it would match every user agent"),
        ("^", True, "matches the empty string"),
        ("a|", True, "matches the empty string"),
        ("^?bot", True, "nothing to repeat at position 1"),
        (
            "x(a+b)+c",
            True,
            "a repeated group that contains a repetition at position 1 of 'x(a+b)+c' is not supported:"
            " nested quantifiers",
        ),
        ("(?:a|(b*))*", True, "a repeated group that contains a repetition at position 0"),
        (r"(\d{2,})+x", True, "a repeated group that contains a repetition at position 0"),
    ],
)
def test_invalid_patterns(pattern, regex, message):
    with pytest.raises(dialect.BotFilterError) as exc:
        dialect.Pattern("test", pattern, regex)
    assert message in str(exc.value)
