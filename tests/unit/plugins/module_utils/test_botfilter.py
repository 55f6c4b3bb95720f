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

import pytest
from botfilter_cases import (
    ACME,
    BINGBOT,
    BOT_AGENTS,
    BROWSERS,
    CHROME,
    CRAWLER_AGENTS,
    CRAWLERS,
    FAMILIES,
    FIREFOX,
    FIREFOX_ANDROID,
    GPTBOT,
    OTHER_HUMANS,
    SAFARI_IPHONE,
    SAMSUNG,
    SHARED_PATTERNS,
    family_set,
    fast_path_strings,
    reference,
)

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_dialect as dialect
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_entries as entries
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW, BLOCK, LIMIT


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
        ([{"name": "long", "pattern": "[a-z]" + "a" * 5000, "regex": True}], "pattern 'long' is too long"),
    ],
)
def test_build_refuses(patterns, message):
    with pytest.raises(dialect.BotFilterError) as exc:
        bf.build(patterns=patterns)
    assert message in str(exc.value)


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
        (FIREFOX_ANDROID, "/", ALLOW),
        (FIREFOX_ANDROID, "/static/.Env", BLOCK),
        (CHROME.upper(), "/", ALLOW),  # the fast path is case-sensitive: this one goes through the patterns
        (CHROME.upper(), "/.ENV", BLOCK),
        (CHROME + " ", "/app/.env.bak", BLOCK),
        (OTHER_HUMANS[0], "/.env", BLOCK),
        (OTHER_HUMANS[1], "/x/.env", BLOCK),
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
        (FIREFOX_ANDROID, False),
        (CHROME.upper(), False),
        (CHROME.lower(), False),
        (CHROME + " ", False),
        (" " + CHROME, False),
        (CHROME + "\n", False),
        (CHROME[:-1], False),
        (CHROME.replace("Chrome/142", "Chrome/124"), False),  # below the window
        (CHROME.replace("Chrome/142", "Chrome/125"), True),
        (CHROME.replace("Chrome/142", "Chrome/165"), True),
        (CHROME.replace("Chrome/142", "Chrome/166"), False),  # above the window
        (CHROME.replace("Chrome/142.0.0.0", "Chrome/142.0.7444.59"), False),  # not a reduced user agent
        (FIREFOX.replace("145.0", "127.0"), False),
        (FIREFOX.replace("145.0", "115.0"), True),  # the ESR
        (FIREFOX.replace("145.0", "116.0"), False),
        (SAFARI_IPHONE.replace("Version/26.0", "Version/16.6"), False),
        (SAFARI_IPHONE.replace("Version/26.0", "Version/26.6.1"), True),
        (SAFARI_IPHONE.replace("Version/26.0", "Version/26.7"), False),
        (SAFARI_IPHONE.replace("OS 18_6", "OS 18_7"), False),
        ("", False),
        (None, False),
    ],
)
def test_in_fast_path(default_filter, agent, in_fast_path):
    assert default_filter.in_fast_path(agent) is in_fast_path
    expected = any(agent in family_set(label) for label in FAMILIES)
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
        (BINGBOT, "/", LIMIT),
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


def test_classify_with_limit(shared_filter):
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
        assert shared_filter.classify(agent, uri) == verdict, (agent, uri)


def test_crawler_instances_of_builtin_bots_are_blocked(default_filter):
    builtin = {pattern.lower() for _name, pattern, regex, _category in data.BUILTIN_PATTERNS if not regex}
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


@pytest.mark.parametrize("site", [False, True])
@pytest.mark.parametrize("builtin", [True, False])
def test_merged_equals_reference_on_real_agents(builtin, site):
    options = {}
    if site:
        options = dict(exempt_paths=["/health", ACME, "/public/"], reserved_locations=["/wp-admin", "/backup.zip"])
    # The listing of the fast path is cached per pattern set: the built-in one shares shared_filter's.
    flt = bf.build(builtin=builtin, patterns=SHARED_PATTERNS, probe_paths=["/backup.zip"], fast_path=builtin, **options)
    entries = [entry.as_dict() for entry in flt.entries]
    fast = fast_path_strings(flt)
    assert bool(fast) is builtin
    locations = [path for path in flt.probe_paths if path not in options.get("reserved_locations", ())]
    agents = BROWSERS + OTHER_HUMANS + BOT_AGENTS + [None, "", CHROME.upper(), CHROME + " "]
    requests = [(agent, uri) for agent in agents for uri in URIS]
    requests += [(agent, uri) for agent in CRAWLER_AGENTS for uri in ("/", "/.env", "/health")]
    for agent, uri in requests:
        expected = reference(entries, flt.probe_paths, agent, uri, fast, options.get("exempt_paths", ()), locations)
        assert flt.classify(agent, uri) == expected, (agent, uri)
