# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter_fastpath: exact regexes over finite sets, never allowing what a pattern would block."""

from __future__ import annotations

import itertools
import re

import pytest
from botfilter_cases import (
    BROWSERS,
    CHROME,
    CRAWLERS,
    FAMILIES,
    FLAGS,
    GPTBOT,
    NPM_BROWSERS,
    family_set,
    fast_path_strings,
    first_match,
    in_family,
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
    """Listed families: exactly their strings. Families with Digits runs: exactly the strings of
    botfilter_cases.family_matcher, a regex built from the data apart from botfilter_fastpath."""
    parts = FAMILIES[label]
    digits = data.has_digits(parts)
    strings = family_set(label)
    text = fastpath.family_regex(parts)
    regex = re.compile(text, re.ASCII)
    assert regex.groups == 0
    for agent in strings:
        assert regex.fullmatch(agent), agent
        assert in_family(label, agent)
    listed = data.expand(parts)
    for agent in [*listed[:: max(1, len(listed) // 40)], listed[-1]]:
        for other in mutations(agent):
            expected = in_family(label, other) if digits else other in strings
            assert bool(regex.fullmatch(other)) is expected, other


def test_expand():
    parts = ("a", data.Slot(["1", "2"]), "-", data.Slot(["", "x", "y"]))
    assert data.expand(parts) == ["a1-", "a1-x", "a1-y", "a2-", "a2-x", "a2-y"]
    assert fastpath.family_regex(parts) == "a[12]-(?:[xy])?"
    assert data.Slot([1, "1", 2]).values == ("1", "2")


def test_expand_and_variants_with_digits():
    run = data.Digits(2, 3)
    parts = ("v", run, ".", data.Slot(["a", "b"]))
    assert data.has_digits(parts) and not data.has_digits(("v", data.Slot(["1"])))
    assert data.expand(parts) == [f"v{run.samples[0]}.a", f"v{run.samples[0]}.b"]
    assert len(run.samples) == 1 and run.samples[0].isdigit() and 2 <= len(run.samples[0]) <= 3
    assert data.variants(parts) == [["v", run, ".", "a"], ["v", run, ".", "b"]]


@pytest.mark.parametrize(
    ("min_len", "max_len", "text"),
    [(2, 3, "[0-9]{2,3}"), (1, 4, "[0-9]{1,4}"), (0, 3, "[0-9]{0,3}"), (2, 2, "[0-9]{2,2}"), (1, 1, "[0-9]")],
)
def test_family_regex_of_digits(min_len, max_len, text):
    assert fastpath.family_regex(("a", data.Digits(min_len, max_len), "b")) == "a" + text + "b"
    regex = re.compile("a" + text + "b", re.ASCII)
    for length in range(7):
        for digits in ("0" * length, "9" * length, "1234567"[:length]):
            assert bool(regex.fullmatch("a" + digits + "b")) is (min_len <= length <= max_len), digits
    for other in ("a1xb", "a12 b", "a\u0661\u0662b", "A12b", "a-12b"):  # Arabic-Indic digits are not [0-9]
        assert not regex.fullmatch(other), other


D = data.Digits


@pytest.mark.parametrize(
    ("variant", "literal", "expected"),
    [
        # A literal inside fixed text, or not there at all.
        (["Chrome/", D(2, 3), ".0.0.0"], "rome/", True),
        (["Chrome/", D(2, 3), ".0.0.0"], "edg/", False),
        (["Chrome/", D(2, 3), ".0.0.0"], "", True),
        # Spanning fixed text and a digit run.
        (["Chrome/", D(2, 3), ".0.0.0"], "Chrome/39", True),
        (["Chrome/", D(2, 3), ".0.0.0"], "Chrome/399.0", True),
        (["Chrome/", D(2, 3), ".0.0.0"], "/39.0.0", True),
        (["Chrome/", D(2, 3), ".0.0.0"], "Chrome/39.1", False),  # fixed text after the run
        (["Chrome/", D(2, 3), ".0.0.0"], "Chrome/x", False),
        (["x", D(1, 4), ".", D(1, 4)], "1.2", True),  # across two runs
        (["x", D(1, 4), ".", D(1, 4)], "x12345", False),
        # More digits than the run takes.
        (["Chrome/", D(2, 3), ".0"], "Chrome/1234", False),
        (["Chrome/", D(2, 3), ".0"], "/1234.", False),
        (["Chrome/", D(2, 3), ".0"], "/123.", True),
        # Fewer digits than the run needs.
        (["Chrome/", D(2, 3), ".0"], "/1.0", False),
        # Optional digits: Digits(0, n) may be empty.
        (["Edg", D(0, 3), " end"], "Edg end", True),
        (["Edg", D(0, 3), " end"], "Edg12 end", True),
        (["Edg", D(0, 3), " end"], "Edg1234 end", False),
        (["a", D(0, 2), "b", D(0, 2), "c"], "abc", True),
        (["a", D(0, 2), "b", D(0, 2), "c"], "a1b22c", True),
        # Case-insensitive, as every pattern.
        (["Mozilla/5.0 (iPhone; CPU iPhone OS ", D(2, 2), "_", D(1, 2)], "IPHONE OS 17_", True),
        (["Mozilla/5.0 (iPhone; CPU iPhone OS ", D(2, 2), "_", D(1, 2)], "iphone os 17_0", True),
        (["Mozilla/5.0 (iPhone; CPU iPhone OS ", D(2, 2), "_", D(1, 2)], "iphone os 7_0", False),
        (["Mozilla/5.0 (iPhone; CPU iPhone OS ", D(2, 2), "_", D(1, 2)], "ios 17_", False),
    ],
)
def test_can_contain(variant, literal, expected):
    assert fastpath.can_contain(variant, literal) is expected


@settings(max_examples=150, deadline=None)
@given(
    variant=st.lists(
        st.one_of(
            st.text(alphabet="aB1.", min_size=1, max_size=3),
            st.tuples(st.integers(0, 2), st.integers(0, 2)).map(lambda t: D(min(t), max(t))),
        ),
        max_size=4,
    ),
    literal=st.text(alphabet="Ab01.", max_size=4),
)
def test_can_contain_is_brute_force(variant, literal):
    """Against every string of the variant, its runs filled with the digits 0 and 1 (the literal's digits)."""
    strings = [""]
    for part in variant:
        if isinstance(part, data.Digits):
            fills = [
                "".join(digits)
                for length in range(part.min_len, part.max_len + 1)
                for digits in itertools.product("01", repeat=length)
            ]
        else:
            fills = [part]
        strings = [head + fill for head in strings for fill in fills]
    expected = any(literal.lower() in string.lower() for string in strings)
    assert fastpath.can_contain(variant, literal) is expected


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


def digit_runs_hit(flt, literals):
    """(family, literal) pairs where a kept family with Digits runs may hold a string containing the literal."""
    return [
        (label, literal)
        for label, _regex in flt.fast_path_families
        if data.has_digits(FAMILIES[label])
        for variant in data.variants(FAMILIES[label])
        for literal in literals
        if fastpath.can_contain(variant, literal)
    ]


def digit_literals(pairs):
    """The literal text with a digit of (pattern, regex) pairs: literals, and the regexes that are literal text."""
    found = set()
    for pattern, regex in pairs:
        literal = dialect.Pattern("x", pattern, regex).literal
        if literal is not None and any(char.isdigit() for char in literal):
            found.add(literal)
    return sorted(found)


def kept(dropped):
    """The fast-path families of a fast_path_dropped list (not the device path's entry)."""
    return [item["family"] for item in dropped if item["family"] in FAMILIES]


def test_fast_path_is_complete_and_sound_for_builtin(default_filter):
    assert [label for label, _regex in default_filter.fast_path_families] == list(FAMILIES)
    assert kept(default_filter.fast_path_dropped) == []
    strings = fast_path_strings(default_filter)
    counts = default_filter.counts
    assert counts["fast_path_families"] == len(FAMILIES)
    assert counts["fast_path_dropped"] == len(default_filter.fast_path_dropped)
    listed = sum(len(data.expand(parts)) for parts in FAMILIES.values())
    assert counts["fast_path_user_agents"] == len(strings) == listed  # no listed user agent in two families
    assert 10000 < len(strings) < 20000
    # Each pattern as written (anywhere, stricter than at a word start): none matches a listed string.
    rows = [(p, r) for _name, p, r, _category in entries.builtin_rows()]
    assert first_match(rows, strings) is None
    # The digit runs: no literal with a digit can meet a string of them.
    assert digit_runs_hit(default_filter, digit_literals(rows)) == []
    for agent in strings:
        assert default_filter.in_fast_path(agent), agent
        assert default_filter.classify(agent, "/") == ALLOW


def test_fast_path_holds_the_current_browsers(default_filter):
    inside = {label for label, agent in data.BROWSER_USER_AGENTS if default_filter.in_fast_path(agent)}
    assert inside == {
        "Chrome 142 on Windows",
        "Chrome 142 on macOS",
        "Chrome 142 on Linux",
        "Chrome 142 on ChromeOS",
        "Chrome 142 on Android",
        "Chrome 142 on an Android tablet",
        "Chrome 142 on iPhone",
        "Chrome 131 on Windows",
        "Edge 142 on Windows",
        "Edge 142 on macOS",
        "Edge 142 on Android",
        "Opera 124 on Windows",
        "Opera 124 on macOS",
        "Firefox 145 on Windows",
        "Firefox 145 on macOS",
        "Firefox 145 on Linux",
        "Firefox 145 on Ubuntu",
        "Firefox ESR 140 on Linux",
        "Firefox 145 on Android",
        "Safari 26 on macOS",
        "Safari 18.6 on macOS",
        "Safari 26 on iPhone",
        "Safari 18.6 on iPhone",
        "Safari 17.6 on iPad",
    }
    # A current browser of a family's shape is in it; every family has a current browser.
    for label, agent in data.BROWSER_USER_AGENTS:
        assert default_filter.in_fast_path(agent) is any(in_family(family, agent) for family in FAMILIES), label
    for family in FAMILIES:
        assert any(in_family(family, agent) for agent in BROWSERS + NPM_BROWSERS), family
    for label in (
        "Samsung Internet 29 on Android",
        "Opera 92 on Android",
        "Edge 142 on iPhone",
        "Firefox 145 on iPhone",
    ):
        assert label not in inside


def test_fast_path_holds_most_real_browsers(default_filter):
    """The 952 browsers of browsers.json (npm user-agents): most are in the fast path, and allowed."""
    inside = [agent for agent in NPM_BROWSERS if default_filter.in_fast_path(agent)]
    assert len(inside) >= 920, f"{len(inside)} of {len(NPM_BROWSERS)} browsers of browsers.json in the fast path"
    for agent in NPM_BROWSERS:
        assert default_filter.in_fast_path(agent) is any(in_family(family, agent) for family in FAMILIES), agent
    for agent in inside:
        assert default_filter.classify(agent, "/") == ALLOW, agent


def test_fast_path_is_sound_for_the_crawler_excerpt(shared_filter):
    """The excerpt's patterns match no browser of the fast path; the shared filter keeps every family."""
    assert kept(shared_filter.fast_path_dropped) == []
    assert len(shared_filter.fast_path_families) == len(FAMILIES)
    strings = fast_path_strings(shared_filter)
    assert first_match([(item["pattern"], True) for item in CRAWLERS], strings) is None
    pairs = [(entry.pattern, entry.regex) for entry in shared_filter.entries]
    assert first_match(pairs, strings) is None
    assert digit_runs_hit(shared_filter, digit_literals(pairs)) == []
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
    assert digit_runs_hit(flt, digit_literals(pairs)) == []
    for dropped in flt.fast_path_dropped:
        if dropped["family"] in FAMILIES and not dropped["user_agent"].startswith("one of the form "):
            assert first_match(pairs, [dropped["user_agent"]]) is not None, dropped
    for item in crawleruseragents.CRAWLER_USER_AGENTS_DATA:
        for agent in item.get("instances", []):
            assert flt.classify(agent, "/") == BLOCK, agent


CHROME_DESKTOP = "Chrome and Edge on Windows, macOS and Linux"
CHROME_ANDROID = "Chrome and Edge on Android"
FIREFOX_DESKTOP = "Firefox on Windows, macOS and Linux"
SAFARI_MACOS = "Safari on macOS"
SAFARI_IOS = "Safari on iPhone"
ANY_DESKTOP = "Chrome, Edge and Opera on desktop, any version"
ANY_ANDROID = "Chrome on Android and in device emulation, any version"
ANY_IPHONE_EMULATION = "Chrome in iPhone emulation, any version"
ANY_CRIOS = "Chrome on iPhone and iPad, any version"
ANY_GSA = "Google app on iPhone and iPad, any version"
ANY_SAFARI_IOS = "Safari on iPhone and iPad, any version"
ANY_FXIOS = "Firefox and Edge on iPhone and iPad, any version"
ANY_SAFARI_MACOS = "Safari on macOS, any version"
ANY_FIREFOX_ANDROID = "Firefox on Android, any version"


@pytest.mark.parametrize(
    ("pattern", "regex", "action", "dropped"),
    [
        ("Firefox/13", False, "block", [FIREFOX_DESKTOP, ANY_FIREFOX_ANDROID]),
        (
            "Firefox/13",
            False,
            "limit",
            [FIREFOX_DESKTOP, ANY_FIREFOX_ANDROID],
        ),  # a rate limit would not apply in the fast path either
        ("Edg/", False, "block", [CHROME_DESKTOP, ANY_DESKTOP]),
        (
            r"Chrome/16\d\.",
            True,
            "block",
            [CHROME_DESKTOP, CHROME_ANDROID, ANY_DESKTOP, ANY_ANDROID, ANY_IPHONE_EMULATION],
        ),
        ("Version/27.1", False, "block", [SAFARI_MACOS, SAFARI_IOS, ANY_SAFARI_IOS, ANY_FXIOS, ANY_SAFARI_MACOS]),
        # case-insensitive, as every pattern; the digit runs are checked symbolically
        (
            "iphone os 17_0",
            False,
            "block",
            [SAFARI_IOS, ANY_IPHONE_EMULATION, ANY_CRIOS, ANY_GSA, ANY_SAFARI_IOS, ANY_FXIOS],
        ),
        # A version with digits: the "any version" Chrome families take it, the windows do not.
        ("Chrome/39.0.2153", False, "block", [ANY_DESKTOP, ANY_ANDROID, ANY_IPHONE_EMULATION]),
        ("ios 17_", False, "block", []),  # "CPU OS 17_" and "iPhone OS 17_": never "ios 17_"
    ],
)
def test_fast_path_drops_what_a_pattern_matches(default_filter, pattern, regex, action, dropped):
    flt = bf.build(patterns=[{"name": "narrow", "pattern": pattern, "regex": regex, "action": action}])
    assert kept(flt.fast_path_dropped) == dropped
    assert [label for label, _regex in flt.fast_path_families] == [label for label in FAMILIES if label not in dropped]
    assert flt.counts["fast_path_dropped"] == len(flt.fast_path_dropped)
    kept_labels = [label for label in FAMILIES if label not in dropped]
    assert flt.counts["fast_path_user_agents"] == sum(len(family_set(label)) for label in kept_labels)
    search = re.compile(pattern if regex else re.escape(pattern), FLAGS).search
    for item in flt.fast_path_dropped:
        if item["family"] not in FAMILIES:
            continue  # the device path
        agent = item["user_agent"]
        if agent.startswith("one of the form "):
            # A family with digit runs, dropped symbolically: some of its strings contain the literal.
            assert data.has_digits(FAMILIES[item["family"]])
            literal = re.fullmatch(r"one of the form .* may contain '(.*)'", agent).group(1)
            assert any(char.isdigit() for char in literal)
            assert pattern.lower().startswith(literal.lower()), item  # the literal prefix of the pattern
            assert any(fastpath.can_contain(v, literal) for v in data.variants(FAMILIES[item["family"]]))
            continue
        assert agent in family_set(item["family"]) and search(agent), item
        assert item["message"] == (
            f"fast path: {item['family']} left out, since a pattern matches one of its user agents ({agent!r});"
            " those browsers go through the patterns, which is slower but classifies them the same"
        )
        assert default_filter.in_fast_path(agent) and not flt.in_fast_path(agent)
        assert flt.classify(agent, "/") == action
        # The rest of the family goes through the patterns: allowed unless matched, probes anywhere.
        for other in sorted(family_set(item["family"]))[::500]:
            if any(in_family(label, other) for label in kept_labels):
                continue  # also in a family kept
            assert not flt.in_fast_path(other)
            assert flt.classify(other, "/") == (action if search(other) else ALLOW)
            assert flt.classify(other, "/app/.ENV") == BLOCK
    # Sound: the families kept have no listed string the pattern matches, and no digit run meets it.
    for agent in fast_path_strings(flt):
        assert not search(agent), agent
    if not regex:
        assert digit_runs_hit(flt, [pattern]) == []
    assert pack.nginx_string(flt.fast_path) in flt.render_server()


def test_fast_path_keeps_the_windows_for_a_version_with_digits():
    flt = bf.build(patterns=[{"name": "old", "pattern": "Chrome/39.0.2153"}])
    old = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/39.0.2153.1464"
    old += " Safari/537.36"
    assert not flt.in_fast_path(old) and flt.classify(old, "/") == BLOCK
    assert flt.in_fast_path(CHROME) and flt.classify(CHROME, "/") == ALLOW  # the window family is kept
    messages = [item["message"] for item in flt.fast_path_dropped if item["family"] == ANY_DESKTOP]
    assert len(messages) == 1 and "one of the form " in messages[0] and "<digits>" in messages[0]
    assert "may contain 'chrome/39.0.2153'" in messages[0].lower()


def test_fast_path_is_sound_for_a_regex_with_digits_after_a_class():
    flt = bf.build(builtin=False, patterns=[{"name": "old", "pattern": r"Chrome/\d+\.0\.2153", "regex": True}])
    old = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/39.0.2153.1464"
    old += " Safari/537.36"
    assert flt.classify(old, "/") == BLOCK


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
