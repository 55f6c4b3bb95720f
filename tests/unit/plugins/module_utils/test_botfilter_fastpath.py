# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter_fastpath: exact regexes over finite sets, never allowing what a pattern would block."""

from __future__ import annotations

import re

import pytest
from botfilter_cases import (
    BROWSERS,
    CHROME,
    CRAWLERS,
    FAMILIES,
    FLAGS,
    GPTBOT,
    family_set,
    fast_path_strings,
    first_match,
)
from botfilter_nginx import nginx_tokens
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_dialect as dialect
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_entries as entries
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_fastpath as fastpath
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_pack as pack
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW, BLOCK

# ---------------------------------------------------------------------------
# The fast path: exact regexes over finite sets, never allowing what a pattern would block.


NUMBER_SETS = [
    range(125, 166),
    range(128, 166),
    [115, *range(128, 166)],
    range(10),
    range(1000),
    range(10, 100),
    range(100, 1000),
    [0],
    [999],
    [5, 50, 500],
    [0, 10, 100],
    range(99, 102),
    range(0, 1000, 7),
    range(0, 1000, 2),
    [1, 3, 5, 7, 9],
    [13, 15, 31, 35, 51, 53],
    [1, 12, 123, 19, 199],
]


@pytest.mark.parametrize("numbers", NUMBER_SETS, ids=lambda numbers: f"{min(numbers)}-{max(numbers)}/{len(numbers)}")
def test_set_regex_number_ranges(numbers):
    wanted = {str(number) for number in numbers}
    text = fastpath.set_regex(wanted)
    regex = re.compile(text, re.ASCII)
    assert regex.groups == 0
    for number in range(1000):
        assert bool(regex.fullmatch(str(number))) is (str(number) in wanted), (number, text)
    for padded in ("0" + min(wanted, key=len), min(wanted) + " ", "", "-1", "1000"):
        assert bool(regex.fullmatch(padded)) is (padded in wanted), (padded, text)


@pytest.mark.parametrize(
    ("strings", "expected"),
    [
        ([str(n) for n in range(125, 166)], "1(?:2[5-9]|6[0-5]|[3-5][0-9])"),
        (["18_6", "18_6_1"], "18_6(?:_1)?"),
        (["", "x"], "(?:x)?"),
        ([""], ""),
        (["a.b", "a*b"], r"a[*.]b"),
        (["-", "]", "^", "\\"], r"[\-\\-\^]"),
    ],
)
def test_set_regex_text(strings, expected):
    text = fastpath.set_regex(strings)
    assert text == expected
    regex = re.compile(text, re.ASCII)
    for string in strings:
        assert regex.fullmatch(string)


@settings(max_examples=200, deadline=None)
@given(
    strings=st.sets(st.text(alphabet=st.sampled_from("abd013.-]^\\ ()[*?"), max_size=5), min_size=1, max_size=30),
    others=st.lists(st.text(alphabet=st.sampled_from("abcd0123.-]^\\ ()[*?xB"), max_size=6), max_size=30),
)
def test_set_regex_matches_exactly_the_set(strings, others):
    regex = re.compile(fastpath.set_regex(strings), re.ASCII)
    assert regex.groups == 0
    for string in list(strings) + others:
        assert bool(regex.fullmatch(string)) is (string in strings), string
    # Used inside a larger regex: the text must be one atom, so a suffix binds to every alternative.
    suffixed = re.compile("(?:" + fastpath.set_regex(strings) + ")!", re.ASCII)
    for string in strings:
        assert suffixed.fullmatch(string + "!")


def mutations(agent):
    """Strings one edit away from ``agent``: case, spaces, a character less or more, each digit changed."""
    yield agent.lower()
    yield agent.upper()
    yield agent + " "
    yield " " + agent
    yield agent[:-1]
    yield agent[1:]
    yield agent + "0"
    yield agent.replace(" ", "  ", 1)
    yield agent.replace("(", "[", 1)
    for index, char in enumerate(agent):
        if char.isdigit():
            for digit in "0123456789":
                yield agent[:index] + digit + agent[index + 1 :]
            yield agent[:index] + agent[index + 1 :]
            yield agent[:index] + char + char + agent[index + 1 :]


@pytest.mark.parametrize("label", list(FAMILIES))
def test_family_regex_matches_exactly_the_family(label):
    strings = family_set(label)
    text = fastpath.family_regex(FAMILIES[label])
    regex = re.compile(text, re.ASCII)
    assert regex.groups == 0
    for agent in strings:
        assert regex.fullmatch(agent), agent
    listed = data.expand(FAMILIES[label])
    for agent in [*listed[:: max(1, len(listed) // 40)], listed[-1]]:
        for other in mutations(agent):
            assert bool(regex.fullmatch(other)) is (other in strings), other


def test_expand():
    parts = ("a", data.Slot(["1", "2"]), "-", data.Slot(["", "x", "y"]))
    assert data.expand(parts) == ["a1-", "a1-x", "a1-y", "a2-", "a2-x", "a2-y"]
    assert fastpath.family_regex(parts) == "a[12]-(?:[xy])?"
    assert data.Slot([1, "1", 2]).values == ("1", "2")


def test_fast_path_regex_fits_nginx(default_filter):
    text = default_filter.fast_path
    assert text.startswith("^(?:") and text.endswith(")$")
    assert text == "^(?:" + "|".join(regex for _label, regex in default_filter.fast_path_families) + ")$"
    assert re.compile(text).groups == 0  # $1..$9 of a regex location survive
    quoted = pack.nginx_string(text)
    assert len(quoted) <= pack.MAX_PARAMETER
    assert nginx_tokens(quoted) == [text]
    # A limit below it is refused with the way out.
    with pytest.raises(dialect.BotFilterError) as exc:
        bf.build(limit=len(quoted) - 1)
    assert str(exc.value) == (
        f"the fast-path regex is {len(quoted)} bytes, more than nginx takes ({len(quoted) - 1}); set fast_path: false"
    )


def test_fast_path_is_complete_and_sound_for_builtin(default_filter):
    assert [label for label, _regex in default_filter.fast_path_families] == list(FAMILIES)
    assert default_filter.fast_path_dropped == []
    strings = fast_path_strings(default_filter)
    counts = default_filter.counts
    assert counts["fast_path_families"] == len(FAMILIES) and counts["fast_path_dropped"] == 0
    listed = sum(len(data.expand(parts)) for parts in FAMILIES.values())
    assert counts["fast_path_user_agents"] == len(strings) == listed  # no user agent in two families
    assert 10000 < len(strings) < 20000
    # Each pattern as written: none matches a string of the fast path.
    assert first_match([(p, r) for _name, p, r, _category in data.BUILTIN_PATTERNS], strings) is None
    for agent in strings:
        assert default_filter.in_fast_path(agent), agent
        assert default_filter.classify(agent, "/") == ALLOW


def test_fast_path_holds_the_current_browsers(default_filter):
    inside = {label for label, agent in data.BROWSER_USER_AGENTS if default_filter.in_fast_path(agent)}
    assert inside == {
        "Chrome 142 on Windows",
        "Chrome 142 on macOS",
        "Chrome 142 on Linux",
        "Chrome 142 on Android",
        "Chrome 131 on Windows",
        "Edge 142 on Windows",
        "Edge 142 on macOS",
        "Edge 142 on Android",
        "Firefox 145 on Windows",
        "Firefox 145 on macOS",
        "Firefox 145 on Linux",
        "Firefox 145 on Ubuntu",
        "Firefox ESR 140 on Linux",
        "Safari 26 on macOS",
        "Safari 18.6 on macOS",
        "Safari 26 on iPhone",
        "Safari 18.6 on iPhone",
    }
    # A current browser of a family's shape is in it; every family has a current browser.
    for label, agent in data.BROWSER_USER_AGENTS:
        assert default_filter.in_fast_path(agent) is any(agent in family_set(family) for family in FAMILIES), label
    for family in FAMILIES:
        assert any(agent in family_set(family) for agent in BROWSERS), family
    for label in (
        "Firefox 145 on Android",
        "Samsung Internet 29 on Android",
        "Opera 124 on Windows",
        "Chrome 142 on iPhone",
        "Safari 17.6 on iPad",
    ):
        assert label not in inside


def test_fast_path_is_sound_for_the_crawler_excerpt(shared_filter):
    """The excerpt's patterns match no browser of the fast path; the shared filter keeps every family."""
    assert shared_filter.fast_path_dropped == []
    assert len(shared_filter.fast_path_families) == len(FAMILIES)
    strings = fast_path_strings(shared_filter)
    assert first_match([(item["pattern"], True) for item in CRAWLERS], strings) is None
    assert first_match([(entry.pattern, entry.regex) for entry in shared_filter.entries], strings) is None
    # The check finds a match where there is one.
    assert first_match([("Firefox/13", False)], strings) is not None
    assert first_match([(r"Version/2\d\.1 ", True)], strings) is not None


def test_fast_path_is_sound_for_the_whole_crawler_list():
    """The benchmark's list: checked when the crawler-user-agents package is installed."""
    crawleruseragents = pytest.importorskip("crawleruseragents", reason="crawler-user-agents is not installed")
    patterns = [
        dict(name=f"cua{index}", pattern=item["pattern"], regex=True)
        for index, item in enumerate(crawleruseragents.CRAWLER_USER_AGENTS_DATA)
    ]
    assert len(patterns) >= 600
    flt = bf.build(patterns=patterns)
    assert not entries.browser_matches(flt.entries)
    pairs = [(entry.pattern, entry.regex) for entry in flt.entries]
    # Literals against every string, the ~300 real regexes against every 20th (all would take a minute).
    assert first_match(pairs, fast_path_strings(flt), step=20) is None
    for dropped in flt.fast_path_dropped:
        assert first_match(pairs, [dropped["user_agent"]]) is not None, dropped
    for item in crawleruseragents.CRAWLER_USER_AGENTS_DATA:
        for agent in item.get("instances", []):
            assert flt.classify(agent, "/") == BLOCK, agent


CHROME_DESKTOP = "Chrome and Edge on Windows, macOS and Linux"
CHROME_ANDROID = "Chrome and Edge on Android"
FIREFOX_DESKTOP = "Firefox on Windows, macOS and Linux"
SAFARI_MACOS = "Safari on macOS"
SAFARI_IOS = "Safari on iPhone"


@pytest.mark.parametrize(
    ("pattern", "regex", "action", "dropped"),
    [
        ("Firefox/13", False, "block", [FIREFOX_DESKTOP]),
        ("Firefox/13", False, "limit", [FIREFOX_DESKTOP]),  # a rate limit would not apply in the fast path either
        ("Edg/", False, "block", [CHROME_DESKTOP]),
        (r"Chrome/16\d\.", True, "block", [CHROME_DESKTOP, CHROME_ANDROID]),
        ("Version/27.1", False, "block", [SAFARI_MACOS, SAFARI_IOS]),
        ("iphone os 17_0", False, "block", [SAFARI_IOS]),  # case-insensitive, as every pattern
    ],
)
def test_fast_path_drops_what_a_pattern_matches(default_filter, pattern, regex, action, dropped):
    flt = bf.build(patterns=[{"name": "narrow", "pattern": pattern, "regex": regex, "action": action}])
    assert [item["family"] for item in flt.fast_path_dropped] == dropped
    assert [label for label, _regex in flt.fast_path_families] == [label for label in FAMILIES if label not in dropped]
    assert flt.counts["fast_path_dropped"] == len(dropped)
    kept = [label for label in FAMILIES if label not in dropped]
    assert flt.counts["fast_path_user_agents"] == sum(len(family_set(label)) for label in kept)
    search = re.compile(pattern if regex else re.escape(pattern), FLAGS).search
    for item in flt.fast_path_dropped:
        agent = item["user_agent"]
        assert agent in family_set(item["family"]) and search(agent), item
        assert item["message"] == (
            f"fast path: {item['family']} left out, since a pattern matches one of its user agents ({agent!r});"
            " those browsers go through the patterns, which is slower but classifies them the same"
        )
        assert default_filter.in_fast_path(agent) and not flt.in_fast_path(agent)
        assert flt.classify(agent, "/") == action
        # The rest of the family goes through the patterns: allowed unless matched, probes anywhere.
        for other in sorted(family_set(item["family"]))[::500]:
            assert not flt.in_fast_path(other)
            assert flt.classify(other, "/") == (action if search(other) else ALLOW)
            assert flt.classify(other, "/app/.ENV") == BLOCK
    # Sound: the families kept have no string the pattern matches.
    for agent in fast_path_strings(flt):
        assert not search(agent), agent
    assert pack.nginx_string(flt.fast_path) in flt.render_server()


def test_fast_path_off():
    flt = bf.build(fast_path=False)
    assert flt.fast_path == "" and flt.fast_path_families == [] and flt.fast_path_dropped == []
    counts = flt.counts
    assert (counts["fast_path_families"], counts["fast_path_dropped"], counts["fast_path_user_agents"]) == (0, 0, 0)
    assert not flt.in_fast_path(CHROME)
    assert flt.classify(CHROME, "/") == ALLOW and flt.classify(GPTBOT, "/") == BLOCK
    assert flt.classify(CHROME, "/app/.ENV.bak") == BLOCK  # every request goes through the maps
    server = flt.render_server()
    assert "break;" not in server and "$http_user_agent ~ " not in server
    assert "if ($aiguard_bot_drop) {\n    return 444;\n}\n" in server
    assert "map_hash" not in flt.render_http()
