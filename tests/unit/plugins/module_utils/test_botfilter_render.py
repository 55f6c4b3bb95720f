# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter_render: the generated nginx text, read back by the evaluator of
botfilter_nginx and checked against classify()."""

from __future__ import annotations

import re

import pytest
from botfilter_cases import (
    ACME,
    BINGBOT,
    BOT_AGENTS,
    BROWSERS,
    CHROME,
    CRAWLER_AGENTS,
    FAMILIES,
    GPTBOT,
    OTHER_HUMANS,
    SAMSUNG,
    SHARED_PATTERNS,
    family_set,
)
from botfilter_nginx import NginxMaps, NginxServer, nginx_server

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_dialect as dialect
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_pack as pack
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_render as render
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW, BLOCK, LIMIT

# ---------------------------------------------------------------------------
# The generated nginx text.


def body_lines(text):
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_http_include_contract(default_filter):
    text = default_filter.render_http(snippet_dest="aiguard-bots.conf", server_snippet_dest="aiguard-bots-server.conf")
    assert text.startswith(f"# {render.GENERATED_BY}\n")
    assert f"# {default_filter.summary()}." in text
    assert "# Needs aiguard-bots-server.conf at the end of every server block to filter." in text
    assert "# Needs aiguard-bots.conf in every location to filter." in text
    maps = NginxMaps(text)
    assert set(maps.maps) == {
        "$aiguard_bot_ua",
        "$aiguard_bot_ua_regex",
        "$aiguard_bot_probe",
        "$aiguard_bot_verdict",
        "$aiguard_bot_block",
        "$aiguard_bot_slow",
        "$aiguard_bot_limit_ua",
        "$aiguard_bot_limit_key",
    }
    assert maps.maps["$aiguard_bot_ua"] == ("$http_user_agent", {"": "block"}, [], "$aiguard_bot_ua_regex")
    assert maps.maps["$aiguard_bot_verdict"] == ("$aiguard_bot_ua", {"block": "1"}, [], "$aiguard_bot_probe")
    assert maps.maps["$aiguard_bot_block"] == ("$uri", {}, [], "$aiguard_bot_verdict")  # no exempt path
    assert maps.maps["$aiguard_bot_slow"] == ("", {}, [], "")
    assert maps.maps["$aiguard_bot_limit_ua"] == ("$aiguard_bot_ua", {"limit": "$binary_remote_addr"}, [], "")
    assert maps.maps["$aiguard_bot_limit_key"] == ("$aiguard_bot_slow", {"": ""}, [], "$aiguard_bot_limit_ua")
    source, exact, regexes, default = maps.maps["$aiguard_bot_ua_regex"]
    assert (source, exact, default) == ("$http_user_agent", {}, "")
    assert [(regex.pattern, action) for regex, action in regexes] == default_filter.ua_parts
    assert maps.directives == [["limit_req_zone", "$aiguard_bot_limit_key", "zone=aiguard_bots:10m", "rate=30r/m"]]
    # The fast path is the server include's: nothing of it here, and no hash to size.
    assert "$http_user_agent ~" not in text and "map_hash" not in text
    # No capturing group: $1..$9 of a regex location must survive the maps.
    for regex in [text for text, _action in default_filter.ua_parts] + default_filter.probe_parts:
        assert re.compile(regex).groups == 0


def test_http_include_exempt_map(site_filter):
    maps = NginxMaps(site_filter.render_http())
    source, exact, regexes, default = maps.maps["$aiguard_bot_block"]
    assert (source, exact, default) == ("$uri", {}, "$aiguard_bot_verdict")
    assert [(regex.pattern, value) for regex, value in regexes] == [
        ("^/health$", "0"),
        (r"^/\.well-known/acme-challenge/", "0"),
        ("^/public/", "0"),
    ]
    assert all(not regex.flags & re.IGNORECASE for regex, _value in regexes)  # "~", not "~*": case-sensitive
    assert '    "~^/health$" 0;\n' in site_filter.render_http()


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize("status", [444, 403])
def test_server_include_contract(default_filter, fast_path, status):
    flt = default_filter if fast_path else bf.build(fast_path=False)
    text = flt.render_server(status, dest="aiguard-bots.conf", snippet_dest="aiguard-bots-location.conf")
    assert text.startswith(f"# {render.GENERATED_BY}\n") and text.endswith("\n")
    assert "# server-level include: put it at the end of the server block" in text
    assert "# Needs the http-level include aiguard-bots.conf." in text
    assert "# Needs aiguard-bots-location.conf in every location to filter, for rate limits." in text
    fast = [f"if ($http_user_agent ~ {pack.nginx_string(flt.fast_path)}) {{", "    break;", "}"]
    assert body_lines(text) == (fast if fast_path else []) + [
        "set $aiguard_bot_slow 1;",
        "if ($aiguard_bot_block) {",
        f"    return {status};",
        "}",
    ] + [f'location ^~ "{path}" {{ return {status}; }}' for path in data.BUILTIN_PROBE_PATHS]


def test_server_include_reserved_and_quoted_locations():
    flt = bf.build(
        builtin_probe_paths=False,
        probe_paths=["/backup.zip", '/odd "dir";{x}/', "/wp-admin"],
        reserved_locations=["/wp-admin", "/api/"],
        fast_path=False,
    )
    assert body_lines(flt.render_server())[-2:] == [
        'location ^~ "/backup.zip" { return 444; }',
        'location ^~ "/odd \\"dir\\";{x}/" { return 444; }',
    ]
    server = NginxServer(flt.render_http(), flt.render_server(), flt.render_snippet())
    assert [path for _modifier, path, _filtered, status in server.locations if status] == [
        "/backup.zip",
        '/odd "dir";{x}/',
    ]
    assert flt.counts["probe_locations"] == 2 and flt.counts["probe_paths"] == 3


def test_server_include_without_probe_paths():
    flt = bf.build(builtin_probe_paths=False, fast_path=False)
    assert not [line for line in body_lines(flt.render_server()) if line.startswith("location")]
    assert flt.probe_parts == [] and flt.probe_locations == []
    assert nginx_server(flt).classify(SAMSUNG, "/.env") == ALLOW


@pytest.mark.parametrize(
    ("patterns", "burst", "lines"),
    [
        ([], 5, []),
        (
            [{"name": "bing", "pattern": "bingbot", "action": "limit"}],
            5,
            ["limit_req zone=aiguard_bots burst=5 nodelay;"],
        ),
        (
            [{"name": "bing", "pattern": "bingbot", "action": "limit"}],
            0,
            ["limit_req zone=aiguard_bots burst=0 nodelay;"],
        ),
    ],
)
def test_location_include_contract(patterns, burst, lines):
    flt = bf.build(patterns=patterns, fast_path=False)
    text = flt.render_snippet(burst, dest="aiguard-bots.conf")
    assert text.startswith(f"# {render.GENERATED_BY}\n")
    assert "# location-level include: the rate limit of user agents whose action is limit." in text
    assert "# Needs the http-level include aiguard-bots.conf." in text
    assert body_lines(text) == lines
    assert ("# No pattern has the action limit: nothing to do here." in text) is (not lines)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.render_http("30/m"), "limit_rate must be a request rate such as 30r/m or 5r/s, not '30/m'"),
        (lambda f: f.render_http("0r/s"), "not '0r/s'"),
        (lambda f: f.render_http("fast"), "not 'fast'"),
        (lambda f: f.render_server(500), "block_status must be 444 or 403, not 500"),
        (lambda f: f.render_server("444"), "block_status must be 444 or 403, not '444'"),
        (lambda f: f.render_snippet(-1), "limit_burst must be a whole number of requests, 0 or more, not -1"),
        (lambda f: f.render_snippet(True), "not True"),
        (lambda f: f.render_snippet(2.5), "not 2.5"),
    ],
)
def test_render_refuses(default_filter, call, message):
    with pytest.raises(dialect.BotFilterError) as exc:
        call(default_filter)
    assert message in str(exc.value)


@pytest.mark.parametrize("rate", ["30r/m", "5r/s", "1r/s", "600r/m"])
def test_render_rates(default_filter, rate):
    assert f"rate={rate};" in default_filter.render_http(rate)


SITE = dict(exempt_paths=["/health", ACME, "/public/"], reserved_locations=["/wp-admin", "/backup.zip", "/api/"])
# The server's own locations for SITE: the exempt ones without the location include.
SITE_LOCATIONS = (
    ("", "/", True),
    ("", "/wp-admin", True),
    ("", "/backup.zip", True),
    ("", "/api/", True),
    ("=", "/health", False),
    ("^~", ACME, False),
    ("^~", "/public/", False),
)
SERVER_URIS = [
    "/",
    "/.env",
    "/.ENV",
    "/.envrc",
    "/app/.env.bak",
    "/x/Backup.ZIP",
    "/backup.zip",
    "/backup.zip.1",
    "/gradio_api/queue/join",
    "/wp-admin/setup-config.php",
    "/wp-login.php",
    "/phpMyAdmin/",
    "/phpmyadmin/",
    "/health",
    "/health/",
    "/HEALTH",
    ACME + "t",
    ACME[:-1],
    ACME + ".env",
    "/public/.git/config",
    "/api/v1/.env",
    '/odd "dir";{x}/y',
    "/.well-known/security.txt",
]


def server_agents(flt):
    """Agents in and out of the fast path: real ones, edge cases and a sample of every family."""
    agents = (
        BROWSERS
        + OTHER_HUMANS
        + BOT_AGENTS
        + [
            None,
            "",
            'x say "hi" \\ back',
            'tab\tnew\nbs\\q"',
            "CURL/8.5",
            CHROME.upper(),
            CHROME + " ",
            " " + CHROME,
            CHROME.replace("Chrome/142", "Chrome/124"),
            CHROME.replace("Chrome/142", "Chrome/166"),
            "bingbot " + CHROME,
        ]
    )
    for label in FAMILIES:
        listed = sorted(family_set(label))
        agents += [*listed[::700], listed[-1]]
    return agents


@pytest.mark.parametrize("site", [False, True], ids=["plain", "site"])
@pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "slow"])
def test_nginx_text_classifies_like_classify(fast_path, site):
    """The three files, evaluated with nginx's semantics in one server block, agree with classify."""
    options = SITE if site else {}
    flt = bf.build(
        patterns=SHARED_PATTERNS, probe_paths=["/backup.zip", '/odd "dir";{x}/'], fast_path=fast_path, **options
    )
    status = 403 if site else 444
    server = NginxServer(
        flt.render_http(),
        flt.render_server(status),
        flt.render_snippet(),
        SITE_LOCATIONS if site else (("", "/", True),),
    )
    agents = server_agents(flt)
    assert {flt.in_fast_path(agent) for agent in agents} == ({True, False} if fast_path else {False})
    seen = set()
    for agent in agents:
        for uri in SERVER_URIS:
            verdict, got_status, request = server.request(agent, uri)
            assert verdict == flt.classify(agent, uri), (agent, uri)
            assert got_status == (status if verdict == BLOCK else None)
            # A request in the fast path never looks at the maps of the http include but the limit key's.
            if flt.in_fast_path(agent):
                assert request["#evaluated"] <= {"$aiguard_bot_limit_key", "$aiguard_bot_slow"}, request
            else:
                assert request["$aiguard_bot_slow"] == "1"
            seen.add(verdict)
    for agent in CRAWLER_AGENTS:
        for uri in ("/", "/.env", ACME + "t"):
            assert server.classify(agent, uri) == flt.classify(agent, uri), (agent, uri)
    assert seen == {ALLOW, BLOCK, LIMIT}


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        (CHROME, "/", ALLOW),
        (CHROME, "/.env", BLOCK),
        (CHROME, "/.ENV", ALLOW),
        (SAMSUNG, "/.ENV", BLOCK),
        (SAMSUNG, "/", ALLOW),
        (GPTBOT, "/", BLOCK),
        (BINGBOT, "/", LIMIT),
        (BINGBOT, "/.git/HEAD", BLOCK),
        ("", "/", BLOCK),
        (None, "/", BLOCK),
    ],
)
def test_nginx_text_verdicts(shared_filter, agent, uri, verdict):
    assert nginx_server(shared_filter).classify(agent, uri) == verdict
    if not shared_filter.in_fast_path(agent):  # the maps alone decide the others
        assert NginxMaps(shared_filter.render_http()).classify(agent, uri) == verdict


def test_limit_applies_only_where_the_location_include_is(shared_filter):
    locations = (("", "/", True), ("^~", "/open/", False))
    server = nginx_server(shared_filter, server_locations=locations)
    assert server.classify(BINGBOT, "/x") == LIMIT
    assert server.classify(BINGBOT, "/open/x") == ALLOW
    assert server.classify(GPTBOT, "/open/x") == BLOCK  # the server include blocks in every location


# An exempt path under a probe location ("/actuator/health" under the built-in "/actuator"): the exempt
# path is an exact location of the server, which nginx picks before any prefix, so every user agent gets in.
EXEMPT_UNDER_PROBE = [
    ((("", "/", True), ("=", "/actuator/health", False)), CHROME),
    ((("", "/", True), ("=", "/actuator/health", False)), GPTBOT),
]


@pytest.mark.parametrize(("server_locations", "agent"), EXEMPT_UNDER_PROBE, ids=["browser", "bot"])
def test_exempt_path_under_a_probe_location(server_locations, agent):
    flt = bf.build(exempt_paths=["/actuator/health"])
    server = nginx_server(flt, server_locations=server_locations)
    assert server.classify(agent, "/actuator/health") == flt.classify(agent, "/actuator/health") == ALLOW
    assert server.classify(agent, "/actuator/env") == flt.classify(agent, "/actuator/env") == BLOCK
