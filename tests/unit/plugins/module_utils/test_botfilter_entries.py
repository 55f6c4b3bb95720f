# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter_entries: the checks of probe and exempt paths, the built-in
list, allow, duplicates, shadowing and patterns that match real browsers."""

from __future__ import annotations

import pytest
from botfilter_cases import ACME, BOT_AGENTS, BROWSERS, reference

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_dialect as dialect
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_entries as entries
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import BLOCK, LIMIT


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["env"], "probe path 'env' must start with '/'"),
        (["/caf\u00e9"], "character '\u00e9' at position 4 is not printable ASCII"),
        ([""], "must start with '/'"),
    ],
)
def test_bad_probe_paths(paths, message):
    with pytest.raises(dialect.BotFilterError) as exc:
        bf.build(probe_paths=paths)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["health"], "exempt path 'health' must start with '/', like /health or /.well-known/acme-challenge/"),
        ([""], "exempt path '' must start with '/'"),
        ([None], "exempt path None must start with '/'"),
        (["/a b"], "exempt path '/a b': character ' ' at position 2 is not printable ASCII without spaces"),
        (["/caf\u00e9"], "character '\u00e9' at position 4 is not printable ASCII"),
        (["/tab\t"], "character '\\t' at position 4"),
    ],
)
def test_bad_exempt_paths(paths, message):
    with pytest.raises(dialect.BotFilterError) as exc:
        bf.build(exempt_paths=paths, fast_path=False)
    assert message in str(exc.value)


def test_exempt_and_reserved_paths_are_kept_as_given():
    flt = bf.build(
        exempt_paths=["/health", ACME, "/health", "/Health"],
        reserved_locations=["/wp-admin", "/api/"],
        probe_paths=["/backup.zip"],
        fast_path=False,
    )
    assert flt.exempt_paths == ["/health", ACME, "/Health"]  # case-sensitive, duplicates dropped
    assert flt.exempt_parts == ["^/health$", r"^/\.well-known/acme-challenge/", "^/Health$"]
    assert flt.probe_locations == [path for path in flt.probe_paths if path != "/wp-admin"]
    counts = flt.counts
    assert (counts["exempt_paths"], counts["probe_paths"], counts["probe_locations"]) == (3, 39, 38)


# ---------------------------------------------------------------------------
# Built-in list, allow, duplicates, shadowing.


def test_builtin_list_is_clean(default_filter):
    names = [name.lower() for name, _pattern, _regex, _category in data.BUILTIN_PATTERNS]
    assert len(names) == len(set(names))
    assert default_filter.duplicates == []
    assert default_filter.shadowed == []
    assert entries.browser_matches(default_filter.entries) == []
    assert len(default_filter.probe_paths) == len(data.BUILTIN_PROBE_PATHS)
    counts = default_filter.counts
    assert counts["patterns"] == counts["builtin"] == len(data.BUILTIN_PATTERNS)
    assert counts["regex_parts"] == len(default_filter.ua_parts) >= 1
    assert "google-extended" not in names and "applebot-extended" not in names


@pytest.mark.parametrize(
    ("allow", "removed", "unmatched"),
    [
        (["curl"], {"curl"}, []),
        (["curl/"], {"curl"}, []),  # by pattern
        (["CURL", "Python-Requests"], {"curl", "python-requests"}, []),
        (["bingbot", "nosuchbot"], {"bingbot"}, ["nosuchbot"]),
        (["Sogou"], {"Sogou"}, []),
        (["Sogou[ a-z-]{0,16}spider"], {"Sogou"}, []),
    ],
)
def test_allow(allow, removed, unmatched):
    flt = bf.build(allow=allow, fast_path=False)
    names = {entry.name for entry in flt.entries}
    assert removed.isdisjoint(names)
    assert len(names) == len(data.BUILTIN_PATTERNS) - len(removed)
    assert flt.unmatched_allow == unmatched


def test_allow_only_touches_builtin_entries():
    flt = bf.build(builtin=False, patterns=[{"name": "curl", "pattern": "curl/"}], allow=["curl"], fast_path=False)
    assert [entry.name for entry in flt.entries] == ["curl"]
    assert flt.unmatched_allow == ["curl"]
    assert flt.classify("curl/8.5.0") == BLOCK


@pytest.mark.parametrize(
    ("patterns", "duplicates", "verdicts"),
    [
        # The user's entry replaces the built-in one: bingbot is rate-limited.
        (
            [{"name": "bing", "pattern": "BINGBOT", "action": "limit"}],
            [("bing", "bingbot")],
            {BOT_AGENTS[11]: LIMIT},
        ),
        # A regex that is literal text is the same pattern as the literal.
        ([{"name": "g", "pattern": r"Googlebot", "regex": True}], [("g", "Googlebot")], {BOT_AGENTS[9]: BLOCK}),
        (
            [
                {"name": "c1", "pattern": "curl/"},
                {"name": "c2", "pattern": r"curl\/", "regex": True, "action": "limit"},
            ],
            [("c1", "curl"), ("c2", "c1")],
            {"curl/8.5.0": LIMIT},
        ),
        ([{"name": "a", "pattern": "[aA]i2[bB]ot", "regex": True}], [("a", "AI2Bot")], {"AI2Bot": BLOCK}),
        ([{"name": "new", "pattern": "newbot"}], [], {"newbot/1.0": BLOCK}),
    ],
)
def test_duplicates(patterns, duplicates, verdicts):
    flt = bf.build(patterns=patterns, fast_path=False)
    assert [(d["name"], d["duplicate_of"]) for d in flt.duplicates] == duplicates
    for item in flt.duplicates:
        assert f"'{item['name']}'" in item["message"] and f"'{item['duplicate_of']}'" in item["message"]
    for agent, verdict in verdicts.items():
        assert flt.classify(agent) == verdict


@pytest.mark.parametrize(
    ("patterns", "shadowed"),
    [
        ([("bot", "bot", False, "block"), ("Googlebot", "Googlebot", False, "block")], [("Googlebot", "bot")]),
        ([("Googlebot", "Googlebot", False, "block"), ("bot", "bot", False, "block")], [("Googlebot", "bot")]),
        ([("bot", "bot", False, "limit"), ("Googlebot", "Googlebot", False, "block")], []),
        ([("bot", "bot", False, "limit"), ("Googlebot", "Googlebot", False, "limit")], [("Googlebot", "bot")]),
        ([("bot", "bot", False, "block"), ("Googlebot", "Googlebot", False, "limit")], [("Googlebot", "bot")]),
        ([("g-bot", "G.*bot", True, "block"), ("Googlebot", "Googlebot", False, "block")], [("Googlebot", "g-bot")]),
        ([("anchored", "^Google", True, "block"), ("Googlebot", "Googlebot", False, "block")], []),
        ([("ahrefs", "ahrefs", False, "block"), ("a", "Ahrefs(Bot|SiteAudit)", True, "block")], [("a", "ahrefs")]),
        ([("bot", "bot", False, "block"), ("a", "Ahrefs(Bot|SiteAudit)", True, "block")], []),
        (
            [("a", "ab", False, "block"), ("b", "abc", False, "block"), ("c", "abcd", False, "block")],
            [("b", "a"), ("c", "a")],
        ),
        # Equal languages without equal keys: only one of the two goes.
        ([("x", "abc", False, "block"), ("y", r"abc\d?", True, "block")], [("x", "y")]),
    ],
)
def test_shadowed(patterns, shadowed):
    flt = bf.build(
        builtin=False, patterns=[dict(name=n, pattern=p, regex=r, action=a) for n, p, r, a in patterns], fast_path=False
    )
    assert [(entry.name, by.name) for entry, by in flt.shadowed] == shadowed
    for entry, by in flt.shadowed:
        message = entries.shadow_message(entry, by)
        assert f"'{entry.name}'" in message and f"'{by.name}'" in message and repr(by.pattern) in message
    # Leaving the shadowed entries out of the regexes changes no verdict.
    inputs = [dict(name=n, pattern=p, regex=r, action=a) for n, p, r, a in patterns]
    for agent in BOT_AGENTS + BROWSERS + ["abc", "abc1", "xabcd", "Ahrefs", "AhrefsSiteAudit/1"]:
        assert flt.classify(agent, "/") == reference(inputs, [], agent, "/"), agent


def test_shadowed_limit_message():
    flt = bf.build(
        builtin=False,
        patterns=[{"name": "bot", "pattern": "bot"}, {"name": "bingbot", "pattern": "bingbot", "action": "limit"}],
        fast_path=False,
    )
    ((entry, by),) = flt.shadowed
    assert entries.shadow_message(entry, by) == (
        "pattern 'bingbot' (user, limit) is shadowed by 'bot' (user, block): every user agent it matches is already"
        " blocked by 'bot' and so is never rate-limited; remove one of them or allow the wider one"
    )


@pytest.mark.parametrize(
    ("pattern", "regex", "browsers"),
    [
        ("Chrome", False, {"Chrome 142 on Windows", "Edge 142 on Windows", "Samsung Internet 29 on Android"}),
        ("Safari/", False, {"Safari 26 on macOS", "Chrome 142 on Android"}),
        ("Mozilla", False, {"Firefox 145 on Android"}),
        ("Edg", False, {"Edge 142 on Windows", "Edge 142 on Android", "Edge 142 on iPhone"}),
        (r"OPR/\d+", True, {"Opera 124 on Windows", "Opera 92 on Android"}),
        ("SamsungBrowser", False, {"Samsung Internet 27 on a Galaxy S24 Ultra"}),
        (r"Firefox/14\d", True, {"Firefox ESR 140 on Linux", "Firefox 145 on Windows"}),
        ("Version/26", False, {"Safari 26 on iPhone"}),
    ],
)
def test_browser_matches(pattern, regex, browsers):
    flt = bf.build(patterns=[{"name": "wide", "pattern": pattern, "regex": regex}], fast_path=False)
    found = {label for entry, label, _agent in entries.browser_matches(flt.entries)}
    assert browsers <= found
    assert all(entry.name == "wide" for entry, _label, _agent in entries.browser_matches(flt.entries))
