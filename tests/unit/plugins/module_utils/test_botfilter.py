# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter: build() and the classification of real requests.

Real user agents come from botfilter_data.BROWSER_USER_AGENTS and from the
crawler-user-agents excerpt (see fixtures/botfilter/README.md); the
reference semantics, spelled out one pattern at a time, is
botfilter_cases.reference.
"""

from __future__ import annotations

import re

import pytest
from botfilter_cases import (
    ACME,
    BINGBOT,
    BOT_AGENTS,
    BROWSERS,
    CHROME,
    CHROME_109,
    CRAWLER_AGENTS,
    CRAWLERS,
    FAMILIES,
    FIREFOX,
    GPTBOT,
    MARKER_NAMES,
    OPERA_ANDROID,
    OTHER_HUMANS,
    SAFARI_IPHONE,
    SAMSUNG,
    SHARED_PATTERNS,
    SOGOU_BROWSER,
    TOKEN_START_CHARS,
    FastSet,
    in_family,
    reference,
)
from botfilter_nginx import dropped, nginx_server

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_catalog as catalog
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_device as device
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_dialect as dialect
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_entries as entries
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW, BLOCK, LIMIT
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_pack import MAX_PARAMETER, regex_parameter


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        (
            [{"name": "broken", "pattern": "Googlebot[", "regex": True}],
            "pattern 'broken': 'Googlebot[' is not a valid"
            " regular expression: unterminated character set at position 9",
        ),
        ([{"name": "x", "pattern": "bot", "action": "drop"}], "pattern 'x': action must be block or limit, not 'drop'"),
        ([{"name": "", "pattern": "bot"}], "patterns[0] needs a name and a pattern"),
        ([{"name": "x"}], "patterns[0] needs a name and a pattern"),
        (
            [{"name": "long", "pattern": "a" * 5000}],
            "pattern 'long' is too long: nginx refuses a parameter of 5004 bytes",
        ),
        # Without a literal prefix, after other regexes (the generic markers): still refused.
        ([{"name": "long", "pattern": "[a-z]" + "a" * 5000, "regex": True}], "pattern 'long' is too long"),
    ],
)
def test_build_refuses(patterns, message):
    with pytest.raises(dialect.BotFilterError) as exc:
        bf.build(patterns=patterns, fast_path=False)
    assert message in str(exc.value)


def test_build_refuses_a_long_regex_alone():
    with pytest.raises(dialect.BotFilterError) as exc:
        bf.build(builtin=False, patterns=[{"name": "long", "pattern": "[a-z]" + "a" * 5000, "regex": True}])
    assert "pattern 'long' is too long" in str(exc.value)


def test_no_part_exceeds_the_limit(default_filter, shared_filter):
    for flt in (default_filter, shared_filter):
        for text, _action in flt.ua_parts + flt.edge_parts:
            assert len(regex_parameter(f"(?<aiguard_bot_match>{text})")) <= MAX_PARAMETER


# ---------------------------------------------------------------------------
# Classification of real requests.


@pytest.mark.parametrize("agent", BROWSERS + OTHER_HUMANS)
@pytest.mark.parametrize(
    "uri",
    [
        "/",
        "/gradio_api/queue/join",
        "/config",
        "/info",
        "/v1/chat/completions",
        "/mj/submit/imagine",
        "/file=/tmp/gradio/abc/image.png",
        "/assets/index-x.js",
    ],
)
def test_browsers_pass(default_filter, agent, uri):
    assert default_filter.classify(agent, uri) == ALLOW
    assert default_filter.matching_entries(agent) == []


def test_sogou_browser_passes(default_filter):
    """The catalog no longer has 'Sogou' (it matched this browser, now a trap user agent): it passes."""
    assert "Sogou" in {name for name, _pattern, _why in catalog.EXCLUDED}
    trap = dict(data.TRAP_USER_AGENTS)["Sogou Mobile Browser on Android"]
    for agent in (SOGOU_BROWSER, trap):
        assert default_filter.matching_entries(agent) == []
        assert default_filter.classify(agent, "/") == ALLOW


@pytest.mark.parametrize("agent", BOT_AGENTS)
def test_bots_are_blocked(default_filter, agent):
    assert not default_filter.in_fast_path(agent)
    assert default_filter.classify(agent, "/") == BLOCK
    assert default_filter.matching_entries(agent)


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        (None, "/", BLOCK),
        ("", "/", BLOCK),
        ("", "/index.html", BLOCK),
        # In the fast path: only the probe locations, a case-sensitive prefix of the path, as nginx's ^~.
        (CHROME, "/", ALLOW),
        (CHROME, "/.env", BLOCK),
        (CHROME, "/.envrc", BLOCK),
        (CHROME, "/.git/config", BLOCK),
        (CHROME, "/.git", ALLOW),  # the probe is "/.git/"
        (CHROME, "/wp-login.php", BLOCK),
        (CHROME, "/wp-admin/setup-config.php", BLOCK),
        (CHROME, "/.aws/credentials", BLOCK),
        (CHROME, "/server-status", BLOCK),
        (CHROME, "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", BLOCK),
        (CHROME, "/cgi-bin/luci", BLOCK),
        (CHROME, "/actuator/health", BLOCK),
        (CHROME, "/.DS_Store", BLOCK),
        (CHROME, "/HNAP1", BLOCK),
        (CHROME, "/config.php", BLOCK),
        (CHROME, "/environment", ALLOW),
        (CHROME, "/config", ALLOW),
        # The documented trade-off: not at the start, or in another case, passes the fast path
        # (such requests still meet basic auth in nginx_auth).
        (CHROME, "/.ENV", ALLOW),
        (CHROME, "/app/.env.bak", ALLOW),
        (CHROME, "/blog/wp-admin/setup-config.php", ALLOW),
        (CHROME, "/phpMyAdmin/index.php", ALLOW),
        (CHROME, "/.ds_store", ALLOW),
        (CHROME, "/hnap1", ALLOW),
        (FIREFOX, "/.env", BLOCK),
        (FIREFOX, "/x/.env", ALLOW),
        (SAFARI_IPHONE, "/wp-login.php", BLOCK),
        (SAFARI_IPHONE, "/WP-LOGIN.PHP", ALLOW),
        # Outside the fast path: a probe anywhere in the path, any case.
        (SAMSUNG, "/", ALLOW),
        (SAMSUNG, "/.ENV", BLOCK),
        (SAMSUNG, "/app/.env.bak", BLOCK),
        (SAMSUNG, "/blog/wp-admin/setup-config.php", BLOCK),
        (SAMSUNG, "/phpMyAdmin/index.php", BLOCK),
        (SAMSUNG, "/.git", ALLOW),
        (OPERA_ANDROID, "/", ALLOW),
        (OPERA_ANDROID, "/static/.Env", BLOCK),
        (CHROME.upper(), "/", ALLOW),  # the fast path is case-sensitive: this one goes through the patterns
        (CHROME.upper(), "/.ENV", BLOCK),
        (CHROME + " ", "/app/.env.bak", BLOCK),
        (OTHER_HUMANS[0], "/.env", BLOCK),
        (OTHER_HUMANS[1], "/x/.env", BLOCK),
        # Chrome 109 is in the "any version" family now: only the probe locations.
        (CHROME_109, "/.env", BLOCK),
        (CHROME_109, "/x/.env", ALLOW),
        ("curl/8.5.0", "/", BLOCK),
        (GPTBOT, "/", BLOCK),
    ],
)
def test_classify(default_filter, agent, uri, verdict):
    assert default_filter.classify(agent, uri) == verdict
    assert bf.classify(agent, uri) == verdict


@pytest.mark.parametrize(
    ("agent", "in_fast_path"),
    [
        (CHROME, True),
        (FIREFOX, True),
        (SAFARI_IPHONE, True),
        (SAMSUNG, False),
        (OPERA_ANDROID, False),
        (CHROME.upper(), False),
        (CHROME.lower(), False),
        (CHROME + " ", False),
        (" " + CHROME, False),
        (CHROME + "\n", False),
        (CHROME[:-1], False),
        # Chrome: any version of 2 or 3 digits, reduced or not (the "any version" family).
        (CHROME.replace("Chrome/142", "Chrome/124"), True),
        (CHROME.replace("Chrome/142", "Chrome/125"), True),
        (CHROME.replace("Chrome/142", "Chrome/165"), True),
        (CHROME.replace("Chrome/142", "Chrome/166"), True),
        (CHROME.replace("Chrome/142", "Chrome/39"), True),
        (CHROME.replace("Chrome/142", "Chrome/9"), False),  # one digit: not a run of 2 or 3
        (CHROME.replace("Chrome/142", "Chrome/1420"), False),  # four digits
        (CHROME.replace("Chrome/142.0.0.0", "Chrome/142.0.7444.59"), True),  # not reduced
        (CHROME.replace("Chrome/142.0.0.0", "Chrome/142.0.74445.59"), False),  # a build of five digits
        (CHROME.replace("Chrome/142.0.0.0", "Chrome/142.1.0.0"), False),
        (CHROME.replace("Chrome/142.0.0.0", "Chrome/142.0.0"), False),
        (FIREFOX.replace("145.0", "127.0"), False),
        (FIREFOX.replace("145.0", "115.0"), True),  # the ESR
        (FIREFOX.replace("145.0", "116.0"), False),
        # Safari on iOS: any version of the "any version" family.
        (SAFARI_IPHONE.replace("Version/26.0", "Version/16.6"), True),
        (SAFARI_IPHONE.replace("Version/26.0", "Version/26.6.1"), True),
        (SAFARI_IPHONE.replace("Version/26.0", "Version/26.7"), True),
        (SAFARI_IPHONE.replace("Version/26.0", "Version/260.7"), False),
        (SAFARI_IPHONE.replace("Version/26.0", "Version/26.0.10"), True),  # a patch of up to two digits
        (SAFARI_IPHONE.replace("Version/26.0", "Version/26.0.100"), False),
        (SAFARI_IPHONE.replace("OS 18_6", "OS 18_7"), True),
        (SAFARI_IPHONE.replace("OS 18_6", "OS 18_x"), False),
        ("", False),
        (None, False),
    ],
)
def test_in_fast_path(default_filter, agent, in_fast_path):
    assert default_filter.in_fast_path(agent) is in_fast_path
    expected = any(in_family(label, agent) for label in FAMILIES)
    assert expected is in_fast_path


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        # Exempt paths: never blocked outside the fast path; "/health" exact, the others prefixes; case-sensitive.
        (GPTBOT, "/health", ALLOW),
        (GPTBOT, "/health/", BLOCK),
        (GPTBOT, "/healthz", BLOCK),
        (GPTBOT, "/HEALTH", BLOCK),
        (GPTBOT, "/x/health", BLOCK),
        (GPTBOT, ACME + "token", ALLOW),
        (GPTBOT, ACME, ALLOW),
        (GPTBOT, ACME[:-1], BLOCK),
        (GPTBOT, ACME.upper() + "token", BLOCK),
        ("curl/8.5.0", ACME + "token", ALLOW),
        ("", "/health", ALLOW),
        (None, ACME + "token", ALLOW),
        ("", "/", BLOCK),
        (SAMSUNG, "/public/.env", ALLOW),  # exempt: the probe anywhere in the path does not apply
        (GPTBOT, "/public/.git/config", ALLOW),
        (GPTBOT, "/publicity", BLOCK),
        # The user's limit replaces the built-in bingbot, but the generic markers
        # '://' and 'bot' block it (block wins over limit); see test_classify_with_limit.
        (BINGBOT, "/", BLOCK),
        (BINGBOT, "/health", ALLOW),  # exempt: not rate-limited either
        (BINGBOT, "/.env", BLOCK),
        (CHROME, "/health", ALLOW),
        (CHROME, "/public/x", ALLOW),
        # Reserved locations: no probe location of the server include; the fast path passes them.
        (CHROME, "/wp-admin/setup-config.php", ALLOW),
        (CHROME, "/backup.zip", ALLOW),
        (CHROME, "/wp-login.php", BLOCK),
        (CHROME, "/.env", BLOCK),
        (SAMSUNG, "/wp-admin/setup-config.php", BLOCK),
        (SAMSUNG, "/backup.zip", BLOCK),
        (SAMSUNG, "/x/BACKUP.zip", BLOCK),
        (GPTBOT, "/wp-admin/", BLOCK),
        (SAMSUNG, "/api/v1/chat", ALLOW),  # reserved but not a probe path: nothing changes
    ],
)
def test_classify_with_exempt_paths_and_reserved_locations(site_filter, agent, uri, verdict):
    assert site_filter.classify(agent, uri) == verdict


@pytest.fixture(scope="module")
def limit_filter():
    """shared_filter without the generic markers that match bingbot, so its limit applies."""
    return bf.build(
        patterns=SHARED_PATTERNS, probe_paths=["/backup.zip"], allow=["generic-bot", "generic-url", "Discordbot"]
    )
    # "Discordbot" only shifts the packing: see test_allowing_the_generic_markers_builds


def test_classify_with_limit(shared_filter, limit_filter):
    assert shared_filter.classify(BINGBOT, "/") == BLOCK  # the generic markers block it
    for agent, uri, verdict in [
        (BINGBOT, "/", LIMIT),
        (BINGBOT, "/.env", BLOCK),  # a probe wins over limit
        (GPTBOT, "/", BLOCK),
        ("bingbot GPTBot", "/", BLOCK),  # block wins over limit
        (CHROME, "/", ALLOW),
        (CHROME, "/backup.zip", BLOCK),
        (CHROME, "/x/backup.zip", ALLOW),
        (SAMSUNG, "/x/backup.zip", BLOCK),
        ("", "/", BLOCK),
    ]:
        assert limit_filter.classify(agent, uri) == verdict, (agent, uri)


def test_crawler_instances_of_builtin_bots_are_blocked(default_filter):
    builtin = {pattern.lower() for _name, pattern, regex, _category in entries.builtin_rows() if not regex}
    checked = 0
    for item in CRAWLERS:
        literal = dialect.Pattern("x", item["pattern"], True).literal
        if literal is not None and (literal in builtin or literal.rstrip("/") in builtin):
            for agent in item["instances"]:
                assert default_filter.classify(agent, "/") == BLOCK, agent
                checked += 1
    assert checked >= 100


def test_crawler_excerpt_as_patterns():
    """Every real instance of the excerpt is blocked by the excerpt's patterns, merged."""
    patterns = [dict(name=f"cua{index}", pattern=item["pattern"], regex=True) for index, item in enumerate(CRAWLERS)]
    flt = bf.build(builtin=False, patterns=patterns, builtin_probe_paths=False, fast_path=False)
    assert not entries.browser_matches(flt.entries)
    for item in CRAWLERS:
        for agent in item["instances"]:
            assert flt.classify(agent, "/") == BLOCK, (item["pattern"], agent)
    for agent in BROWSERS:
        assert flt.classify(agent, "/") == ALLOW


URIS = [
    "/",
    "/.env",
    "/.ENV",
    "/app/.env.bak",
    "/x/Backup.ZIP",
    "/backup.zip",
    "/wp-admin/x",
    "/health",
    "/health/",
    ACME + "t",
    "/public/.git/config",
    "/gradio_api/queue/join",
]


@pytest.fixture(scope="module")
def user_only_filters():
    options = dict(builtin=False, patterns=SHARED_PATTERNS, probe_paths=["/backup.zip"], fast_path=False)
    return {
        "user": bf.build(**options),
        "user-site": bf.build(exempt_paths=["/health", ACME, "/public/"], reserved_locations=["/wp-admin"], **options),
    }


@pytest.mark.parametrize("which", ["default", "shared", "site", "limit", "user", "user-site"])
def test_merged_equals_reference_on_real_agents(request, user_only_filters, which):
    """classify (the merged regexes, the fast path) against the patterns one at a time, on real agents."""
    flt = user_only_filters.get(which) or request.getfixturevalue(f"{which}_filter")
    entries = [entry.as_dict() for entry in flt.entries]
    fast = FastSet(flt)
    assert bool(fast) is (which not in user_only_filters)
    locations = flt.probe_locations
    agents = BROWSERS + OTHER_HUMANS + BOT_AGENTS + [SOGOU_BROWSER, CHROME_109, None, "", CHROME.upper(), CHROME + " "]
    requests = [(agent, uri) for agent in agents for uri in URIS]
    requests += [(agent, uri) for agent in CRAWLER_AGENTS for uri in ("/", "/.env", "/health")]
    blocked = 0
    for agent, uri in requests:
        expected = reference(entries, flt.probe_paths, agent, uri, fast, flt.exempt_paths, locations)
        assert flt.classify(agent, uri) == expected, (agent, uri)
        blocked += expected == BLOCK
    assert blocked > len(CRAWLER_AGENTS)


# ---------------------------------------------------------------------------
# Built-in names match at the start of a word (botfilter.TOKEN_START); generic markers and user patterns anywhere.


@pytest.fixture(scope="module")
def default_nginx(default_filter):
    return nginx_server(default_filter)


@pytest.fixture(scope="module")
def token_name(default_filter):
    """A built-in name of the catalog (not a marker) that no generic marker covers, glued or not."""
    markers = [entry for entry in default_filter.active if entry.name in MARKER_NAMES]
    for entry in sorted(default_filter.active, key=lambda e: e.name):
        literal = entry.parsed.literal
        if (
            bf.token_start(entry)
            and literal is not None
            and literal.isalpha()
            and len(literal) >= 6
            and not any(m.parsed.compiled.search("zz" + literal + "zz") for m in markers)
        ):
            return literal
    raise AssertionError("no built-in name outside the generic markers")


@pytest.mark.parametrize(
    ("before", "after", "verdict"),
    [
        ("", "/1.0", BLOCK),  # the start of the user agent
        ("Mozilla/5.0 ", "/1.0", BLOCK),  # after a space
        ("Mozilla/5.0 (", ")", BLOCK),  # after (
        ("Mozilla/5.0 (compatible;", ")", BLOCK),  # after ;
        ("x-", "", BLOCK),
        ("x_", "", BLOCK),
        ("x+", "", BLOCK),
        ("x.", "", BLOCK),
        ("x=", "", BLOCK),
        ("x'", "", BLOCK),
        ('x"', "", BLOCK),
        ("x~", "", BLOCK),
        ("x[", "", BLOCK),
        ("Mozilla/5.0 zz", "", ALLOW),  # glued inside a word
        ("Mozilla/5.0 Z", "/1.0", ALLOW),
        ("Mozilla/5.0 9", "/1.0", ALLOW),
        ("Mozilla/5.0 !", "/1.0", ALLOW),
        ("Mozilla/5.0 #", "/1.0", ALLOW),
        ("Mozilla/5.0 *", "/1.0", ALLOW),
    ],
)
def test_builtin_names_match_at_the_start_of_a_word(default_filter, default_nginx, token_name, before, after, verdict):
    agent = before + token_name + after
    assert default_filter.classify(agent, "/") == verdict, agent
    assert default_nginx.classify(agent, "/") == verdict, agent  # the nginx text agrees
    assert default_filter.classify(before + token_name.upper() + after, "/") == verdict  # any case
    # The reference spells the rule out apart from botfilter.TOKEN_START.
    expected = reference([e.as_dict() for e in default_filter.entries], default_filter.probe_paths, agent, "/")
    assert expected == verdict
    # A user pattern with the same text matches anywhere.
    user = bf.build(builtin=False, patterns=[{"name": "mine", "pattern": token_name}], fast_path=False)
    assert user.classify(agent, "/") == BLOCK


def test_token_start_is_a_lookbehind_of_its_characters():
    assert bf.TOKEN_START.startswith("(?<![^") and bf.TOKEN_START.endswith("])")
    regex = re.compile(bf.TOKEN_START + "x")
    for char in map(chr, range(32, 127)):
        assert bool(regex.match(char + "x", 1)) is (char in TOKEN_START_CHARS), repr(char)
    assert regex.match("x")


def test_allowing_the_generic_markers_builds():
    # The word-start wrapper is counted as nginx reads it (escaped), so a full part stays under the limit.
    flt = bf.build(
        patterns=SHARED_PATTERNS, probe_paths=["/backup.zip"], allow=["generic-bot", "generic-url"], fast_path=False
    )
    assert flt.classify(BINGBOT, "/") == LIMIT


# ---------------------------------------------------------------------------
# The device path (botfilter_device): the patterns run on "; MODEL)" of an Android browser's user agent.

SAMSUNG_S24 = (
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0"
    " Chrome/125.0.0.0 Mobile Safari/537.36"
)
CHROME_S24 = (
    "Mozilla/5.0 (Linux; Android 14; SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0"
    " Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("prefix", "tail", "crosses"),
    [
        ("4; sm-", "", True),  # the end of the Android version, the edge, the model
        ("foo) apple", "", True),  # the model's end, the edge, what follows
        ("odin;", "", False),
        ("optimizer)", "", False),
        ("current", r"[\s\S]*RSS Reader", False),
        ("current", ".x", True),
    ],
)
def test_crosses_an_edge(prefix, tail, crosses):
    assert device.crosses_an_edge(prefix, tail) is crosses


def test_device_subject(default_filter):
    assert default_filter.device_path and "(?<aiguard_bot_device>" in default_filter.device_path
    assert default_filter.edge_parts == []  # the built-in lists have no pattern across an edge
    for agent, subject in ((SAMSUNG_S24, "; SAMSUNG SM-S928B)"), (CHROME_S24, "; SM-S928B)")):
        assert default_filter.in_device_path(agent)
        assert default_filter.subject(agent) == subject
        assert default_filter.classify(agent, "/") == ALLOW
    assert not default_filter.in_device_path(GPTBOT) and default_filter.subject(GPTBOT) == GPTBOT


@pytest.fixture(scope="module")
def edge_filter():
    return bf.build(patterns=[{"name": "edge", "pattern": "4; SM-S9"}])


def test_a_pattern_across_an_edge_runs_on_the_whole_user_agent(edge_filter):
    assert edge_filter.edge_parts == [("4; sm-s9", BLOCK)]
    assert all("sm-s9" not in text for text, _action in edge_filter.ua_parts)
    assert edge_filter.subject(CHROME_S24) == "; SM-S928B)"  # the pattern is not in the subject ...
    assert edge_filter.classify(CHROME_S24, "/") == BLOCK  # ... but it drops the user agent
    assert edge_filter.classify(SAMSUNG_S24, "/") == ALLOW  # "14; SAMSUNG SM-S9": not "4; SM-S9"
    server = nginx_server(edge_filter)
    assert 'if ($http_user_agent ~* "4; sm-s9") {' in edge_filter.render_server()
    for agent in (CHROME_S24, SAMSUNG_S24, CHROME, GPTBOT):
        assert server.classify(agent, "/") == edge_filter.classify(agent, "/"), agent
    assert dropped(server.request(CHROME_S24, "/")[2]) == "ua:user"
