# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter_entries: the checks of probe and exempt paths, the built-in
list, allow, duplicates, shadowing and patterns that match real browsers."""

from __future__ import annotations

import pytest
from botfilter_cases import ACME, BOT_AGENTS, BROWSERS, MARKER_NAMES, reference, token_started

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_catalog as catalog
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


# The one duplicate of the built-in list: the generic marker and the catalog's Java (both 'java/').
BUILTIN_DUPLICATES = [("generic-java", "Java")]


def test_builtin_list_is_clean(default_filter):
    rows = entries.builtin_rows()
    names = [name.lower() for name, _pattern, _regex, _category in rows]
    assert len(names) == len(set(names))
    assert [(d["name"], d["duplicate_of"]) for d in default_filter.duplicates] == BUILTIN_DUPLICATES
    # Shadowed names: by a generic marker, or by a shorter catalog name that starts them
    # at a word start (both match at the start of a word only).
    assert len(default_filter.shadowed) > 500
    glued = []
    for entry, by in default_filter.shadowed:
        assert entry.source == by.source == "builtin", (entry.name, by.name)
        if by.name not in MARKER_NAMES and by.parsed.literal is not None and entry.parsed.literal is not None:
            inner, outer = entry.parsed.literal.lower(), by.parsed.literal.lower()
            if not any(inner.startswith(outer, s) and token_started(inner, s) for s in range(len(inner))):
                glued.append((entry.name, by.name))
    # A built-in name covers an entry only where it starts a word in it (SentryUptimeBot: only the markers do).
    assert glued == []
    assert entries.browser_matches(default_filter.entries) == []
    assert len(default_filter.probe_paths) == len(data.BUILTIN_PROBE_PATHS)
    counts = default_filter.counts
    assert counts["patterns"] == counts["builtin"] == len(rows) - len(BUILTIN_DUPLICATES)
    assert counts["regex_parts"] == len(default_filter.ua_parts) + len(default_filter.edge_parts) >= 1
    # The catalog keeps ai.robots.txt's robots.txt-only tokens (Google-Extended, Applebot-Extended): harmless.
    # public: the catalog's ai, seo and scanner rows, no generic marker.
    public = entries.builtin_rows("public")
    assert {category for *_row, category in public} == {"ai", "seo", "scanner"}
    assert 500 < len(public) < len(rows)


def test_builtin_list_is_the_catalog_and_the_project_list():
    rows = entries.builtin_rows()
    categories = getattr(data, "MARKER_CATEGORIES", {})
    generic = [(name, pattern, regex, categories.get(name, "generic")) for name, pattern, regex in data.GENERIC_MARKERS]
    assert rows == list(catalog.CATALOG) + list(data.PROJECT_PATTERNS) + generic
    assert len(catalog.CATALOG) > 1400
    assert [entry.name for entry in entries.builtin_entries()] == [row[0] for row in rows]


@pytest.fixture(scope="module")
def builtin_count():
    return len(bf.build(fast_path=False).entries)


@pytest.mark.parametrize(
    ("allow", "removed", "unmatched"),
    [
        (["curl"], {"curl"}, []),
        (["^curl"], {"curl"}, []),  # by pattern
        (["curl/"], set(), ["curl/"]),  # neither a name nor a pattern
        (["CURL", "Python-Requests"], {"curl", "python-requests"}, []),
        (["bingbot", "nosuchbot"], {"bingbot"}, ["nosuchbot"]),
        (["360Spider"], {"360Spider"}, []),
        (["Sogou"], set(), ["Sogou"]),  # no longer in the catalog
        (["generic-bot"], {"generic-bot"}, []),
    ],
)
def test_allow(builtin_count, allow, removed, unmatched):
    flt = bf.build(allow=allow, fast_path=False)
    names = {entry.name for entry in flt.entries}
    assert removed.isdisjoint(names)
    assert len(names) == builtin_count - len(removed)
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
            # The generic markers '://' and 'bot' still block it (block wins); the limit of a
            # duplicate is shown with curl below.
            {BOT_AGENTS[11]: BLOCK},
        ),
        # A regex that is literal text is the same pattern as the literal.
        ([{"name": "g", "pattern": r"Googlebot/", "regex": True}], [("g", "Googlebot")], {BOT_AGENTS[9]: BLOCK}),
        (
            [
                {"name": "c1", "pattern": "^curl", "regex": True},
                {"name": "c2", "pattern": r"^curl", "regex": True, "action": "limit"},
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
    assert [(d["name"], d["duplicate_of"]) for d in flt.duplicates] == BUILTIN_DUPLICATES + duplicates
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


def test_a_user_pattern_is_not_shadowed_by_a_builtin_name_glued_inside_it():
    flt = bf.build(policy="public", patterns=[{"name": "mine", "pattern": "MyGPTBot"}], fast_path=False)
    assert flt.classify("MyGPTBot/1.0", "/") == BLOCK
