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
from botfilter_nginx import NginxMaps, NginxServer, dropped, nginx_blocks, nginx_server

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


def class_map(text):
    """(exact, regexes, default) of the one map of an http include, checked for its shape."""
    maps = NginxMaps(text)
    assert set(maps.maps) == {"$aiguard_bot_class"}
    source, exact, regexes, default = maps.maps["$aiguard_bot_class"]
    assert (source, default) == ("$http_user_agent", "user")
    return maps, exact, regexes


def test_http_include_contract(default_filter):
    text = default_filter.render_http(snippet_dest="aiguard-bots.conf", server_snippet_dest="aiguard-bots-server.conf")
    assert text.startswith(f"# {render.GENERATED_BY}\n")
    assert f"# {default_filter.summary()}." in text
    assert "# Needs aiguard-bots-server.conf at the end of every server block to filter." in text
    assert "# Needs aiguard-bots.conf in every location to filter." in text
    maps, exact, regexes = class_map(text)
    # A few regex keys per category over every entry (shadowed ones too), in CATEGORY_ORDER; no exact key.
    builtin = [entry for entry in default_filter.entries if entry.category != "user"]
    assert builtin and all(entry.category in bf.CATEGORY_ORDER for entry in builtin)
    assert len(builtin) > len(default_filter.active) - default_filter.counts["user"]  # the shadowed ones too
    categories = {entry.category for entry in builtin}
    assert exact == {}
    assert [(category, regex.pattern) for regex, category in regexes] == bf.category_regexes(default_filter.entries)
    assert {category for _regex, category in regexes} == categories
    order = [category for _regex, category in regexes]
    assert order == sorted(order, key=bf.CATEGORY_ORDER.index)
    assert len(regexes) <= 3 * len(categories)
    # A user agent that is a built-in literal gets its category, or a more telling one that also matches it.
    rank = bf.CATEGORY_ORDER.index
    for entry in builtin:
        if entry.parsed.literal is not None:
            for agent in (entry.parsed.literal, entry.parsed.literal.upper()):
                found = next((category for regex, category in regexes if regex.search(agent)), "user")
                assert found == default_filter.category(agent), entry.name
                assert found == entry.category or (
                    rank(found) < rank(entry.category)
                    and any(other.category == found and other.parsed.compiled.search(agent) for other in builtin)
                ), (entry.name, found)
    # No pattern has the action limit: no zone. No fast path, no other map, no hash to size.
    assert maps.directives == []
    assert "limit_req_zone" not in text
    for gone in ("$aiguard_bot_block", "$aiguard_bot_slow", "$aiguard_bot_ua", "$aiguard_bot_match", "map_hash"):
        assert gone not in text
    # No capturing group in a merged regex (the map reads the whole user agent, not a capture).
    for regex in [text for text, _action in default_filter.ua_parts] + default_filter.probe_parts:
        assert re.compile(regex).groups == 0


def test_http_include_limit_zone(shared_filter):
    maps, _exact, _regexes = class_map(shared_filter.render_http())
    assert maps.directives == [["limit_req_zone", "$aiguard_bot_limit_key", "zone=aiguard_bots:10m", "rate=30r/m"]]


def test_http_include_leaves_user_patterns_out():
    flt = bf.build(builtin=False, patterns=[{"name": "gpt", "pattern": "GPTBot"}], fast_path=False)
    _maps, exact, regexes = class_map(flt.render_http())
    assert (exact, regexes) == ({}, [])  # a user pattern is the default


def test_server_include_exempt_paths(site_filter):
    text = site_filter.render_server()
    assert 'if ($uri ~ "^/health$|^/\\.well-known/acme-challenge/|^/public/") {\n    break;\n}\n' in text
    assert site_filter.exempt_parts == ["^/health$", r"^/\.well-known/acme-challenge/", "^/public/"]
    assert "$uri ~ " not in bf.build(fast_path=False).render_server()  # no exempt path, no if
    server = nginx_server(site_filter)
    assert server.classify(GPTBOT, "/health") == ALLOW and server.classify(GPTBOT, "/HEALTH") == BLOCK
    assert server.classify("", "/public/x") == ALLOW and server.classify("", "/publicx") == BLOCK


def server_lines(flt, status=444, return_on_drop=True):
    """The body of the server include, as the contract spells it."""

    def ua_if(text, action, on):
        return [f"if ({on} ~* {pack.nginx_string(text)}) {{", f"    {action}", "}"]

    edge_parts = getattr(flt, "edge_parts", [])
    device_path = getattr(flt, "device_path", "")
    lines = ['set $aiguard_bot_drop "";'] + (['set $aiguard_bot_limit_key "";'] if flt.counts["limit"] else [])
    if flt.fast_path:
        lines += [f"if ($http_user_agent ~ {pack.nginx_string(flt.fast_path)}) {{", "    break;", "}"]
    if flt.exempt_parts:
        lines += [f"if ($uri ~ {pack.nginx_string('|'.join(flt.exempt_parts))}) {{", "    break;", "}"]
    subject = "$http_user_agent"
    if device_path:
        subject = "$aiguard_bot_subject"
        lines += ["set $aiguard_bot_subject $http_user_agent;"]
        lines += [f"if ($http_user_agent ~ {pack.nginx_string(device_path)}) {{"]
        lines += ["    set $aiguard_bot_subject $aiguard_bot_device;", "}"]
    lines += ['if ($http_user_agent = "") {', "    set $aiguard_bot_drop ua:empty;", "}"]
    drop = "set $aiguard_bot_drop ua:$aiguard_bot_class;"
    for text, action in flt.ua_parts:
        if action == BLOCK:
            lines += ua_if(text, drop, subject)
    for text, action in edge_parts:
        if action == BLOCK:
            lines += ua_if(text, drop, "$http_user_agent")
    for text in flt.probe_parts:
        lines += [f"if ($uri ~* {pack.nginx_string(text)}) {{", "    set $aiguard_bot_drop probe;", "}"]
    key = "set $aiguard_bot_limit_key $binary_remote_addr;"
    lines += [line for text, action in flt.ua_parts if action == LIMIT for line in ua_if(text, key, subject)]
    lines += [line for text, action in edge_parts if action == LIMIT for line in ua_if(text, key, "$http_user_agent")]
    if return_on_drop:
        lines += ["if ($aiguard_bot_drop) {", f"    return {status};", "}"]
    return lines + [f"location ^~ {pack.nginx_string(path)} {{ return {status}; }}" for path in flt.probe_locations]


@pytest.fixture(scope="module")
def limit_filter():
    """shared_filter without the generic markers that block bingbot ('bot', '://'), so its limit applies."""
    return bf.build(
        patterns=SHARED_PATTERNS, probe_paths=["/backup.zip"], allow=["generic-bot", "generic-url", "Discordbot"]
    )
    # "Discordbot" only shifts the packing: see test_allowing_the_generic_markers_builds


@pytest.fixture(scope="module")
def public_filter():
    return bf.build(fast_path=False, policy="public")


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize("status", [444, 403])
def test_server_include_contract(default_filter, fast_path, status):
    flt = default_filter if fast_path else bf.build(fast_path=False)
    text = flt.render_server(status, dest="aiguard-bots.conf", snippet_dest="aiguard-bots-location.conf")
    assert text.startswith(f"# {render.GENERATED_BY}\n") and text.endswith("\n")
    assert "# server-level include, policy private: put it at the end of the server block" in text
    assert "# Needs the http-level include aiguard-bots.conf." in text
    assert "# Needs aiguard-bots-location.conf in every location to filter, for rate limits." in text
    assert body_lines(text) == server_lines(flt, status)
    assert [f'location ^~ "{path}" {{ return {status}; }}' for path in data.BUILTIN_PROBE_PATHS] == body_lines(text)[
        -len(data.BUILTIN_PROBE_PATHS) :
    ]
    assert "$aiguard_bot_limit_key" not in text  # no limit pattern
    assert "$aiguard_bot_slow" not in text and "$aiguard_bot_block" not in text
    # No user-agent regex captures (the class map reads the user agent); the device path's one named capture.
    for words, _block in nginx_blocks(text):
        if (
            words[0] == "if"
            and len(words) == 4
            and words[1:3] in (["($http_user_agent", "~*"], ["($aiguard_bot_subject", "~*"])
        ):
            assert re.compile(str(words[3])).groups == 0
    if flt.device_path:
        assert re.compile(re.sub(r"\(\?<(?=[a-z])", "(?P<", flt.device_path)).groupindex.keys() == {
            "aiguard_bot_device"
        }


def test_server_include_contract_with_limit(site_filter, limit_filter):
    assert body_lines(site_filter.render_server(403)) == server_lines(site_filter, 403)
    assert 'set $aiguard_bot_limit_key "";' in site_filter.render_server()
    assert body_lines(limit_filter.render_server(403)) == server_lines(limit_filter, 403)
    assert "    set $aiguard_bot_limit_key $binary_remote_addr;" in limit_filter.render_server()


def test_server_include_without_return(shared_filter):
    text = shared_filter.render_server(return_on_drop=False)
    assert body_lines(text) == server_lines(shared_filter, return_on_drop=False)
    assert "if ($aiguard_bot_drop)" not in text
    assert "# The including server decides what a request with $aiguard_bot_drop set gets." in text
    server = NginxServer(shared_filter.render_http(), text, shared_filter.render_snippet())
    # Nothing returned by the rewrite phase: the reason is left for the including server.
    verdict, status, request = server.request("curl/8.5.0", "/")
    assert (verdict, status, dropped(request)) == (ALLOW, None, "ua:user")  # the excerpt's curl pattern
    verdict, status, request = server.request(SAMSUNG, "/app/.env.bak")
    assert (verdict, status, dropped(request)) == (ALLOW, None, "probe")
    assert server.request("", "/")[2]["$aiguard_bot_drop"] == "ua:empty"
    # The probe locations still return.
    assert server.request(CHROME, "/.env")[:2] == (BLOCK, 444)


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
def test_render_rates(shared_filter, rate):
    assert f"rate={rate};" in shared_filter.render_http(rate)


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


def check_reason(flt, agent, uri, verdict, request):
    """The drop reason of one request agrees with classify, and only a drop reads the class map."""
    reason = dropped(request)
    if flt.in_fast_path(agent) or flt.is_exempt(uri):
        # The fast path and exempt paths end the rewrite phase before any pattern.
        assert reason == "" and request["#evaluated"] == set(), (agent, uri, request)
        return
    ua_match = bool(agent) and flt.classify_user_agent(agent) == BLOCK
    # Only a user agent matched by a block pattern reads the class map, once.
    assert request["#evaluated"] == ({"$aiguard_bot_class"} if ua_match else set()), (agent, uri, request)
    if flt.is_probe(uri):
        assert reason == "probe", (agent, uri, reason)  # the last word: a probe is dropped whoever asks
    elif not agent:
        assert reason == "ua:empty"
    elif ua_match:
        # What the category map says of the whole user agent.
        assert reason == "ua:" + flt.category(agent), (agent, reason)
    else:
        assert reason == "", (agent, uri, reason)
    assert (verdict == BLOCK) if reason else True


@pytest.mark.parametrize("markers", [False, True], ids=["limit", "markers"])
@pytest.mark.parametrize("site", [False, True], ids=["plain", "site"])
@pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "slow"])
def test_nginx_text_classifies_like_classify(fast_path, site, markers):
    """The three files, evaluated with nginx's semantics in one server block, agree with classify.

    markers: every generic marker (they block bingbot); limit: without the two that match bingbot,
    so its rate limit shows."""
    options = dict(SITE) if site else {}
    if not markers:
        options["allow"] = ["generic-bot", "generic-url", "Discordbot"]  # Discordbot: see limit_filter
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
            check_reason(flt, agent, uri, verdict, request)
            seen.add(verdict)
    for agent in CRAWLER_AGENTS:
        for uri in ("/", "/.env", ACME + "t"):
            verdict, _status, request = server.request(agent, uri)
            assert verdict == flt.classify(agent, uri), (agent, uri)
            check_reason(flt, agent, uri, verdict, request)
    assert seen == ({ALLOW, BLOCK} if markers else {ALLOW, BLOCK, LIMIT})


CURL = "curl/8.5.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("agent", "uri", "verdict", "reason"),
    [
        (CHROME, "/", ALLOW, ""),
        (CHROME, "/.env", BLOCK, ""),  # the probe location, in the fast path
        (CHROME, "/.ENV", ALLOW, ""),
        (SAMSUNG, "/.ENV", BLOCK, "probe"),
        (SAMSUNG, "/", ALLOW, ""),
        # SHARED_PATTERNS has GPTBot: the user pattern replaces the built-in one, the category map still says ai.
        (GPTBOT, "/", BLOCK, "ua:ai"),
        (GPTBOT, "/.env", BLOCK, "probe"),  # a probe path is the last word
        (BINGBOT, "/", LIMIT, ""),
        (BINGBOT, "/.git/HEAD", BLOCK, "probe"),
        ("", "/", BLOCK, "ua:empty"),
        (None, "/", BLOCK, "ua:empty"),
        ('x say "hi" \\ back', "/", BLOCK, "ua:user"),
    ],
)
def test_nginx_text_verdicts(limit_filter, agent, uri, verdict, reason):
    got, _status, request = nginx_server(limit_filter).request(agent, uri)
    assert (got, dropped(request)) == (verdict, reason)
    assert got == limit_filter.classify(agent, uri)


@pytest.mark.parametrize(
    ("agent", "uri", "verdict", "reason"),
    [
        # The category map tries the most telling category first; the generic markers come last.
        (GPTBOT, "/", BLOCK, "ua:ai"),
        (BINGBOT, "/", BLOCK, "ua:generic"),  # '://' and 'bot' block it, whatever its rate limit
        (BINGBOT, "/.git/HEAD", BLOCK, "probe"),
        ("python-requests/2.32.3", "/", BLOCK, "ua:library"),  # generic-python's category
    ],
)
def test_nginx_text_verdicts_with_the_generic_markers(shared_filter, agent, uri, verdict, reason):
    got, _status, request = nginx_server(shared_filter).request(agent, uri)
    assert (got, dropped(request)) == (verdict, reason)
    assert got == shared_filter.classify(agent, uri)


@pytest.mark.parametrize(
    ("policy", "agent", "category"),
    [
        ("public", GPTBOT, "ai"),
        ("public", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "seo"),
        ("public", "Mozilla/5.0 zgrab/0.x", "scanner"),
        ("public", "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)", "scanner"),
        ("private", CURL, "library"),
        ("private", "Wget/1.21.3", "library"),
        ("private", "Mozilla/5.0 zgrab/0.x", "scanner"),
        # The category map holds shadowed patterns too and tries the most telling category first.
        ("private", GOOGLEBOT, "search"),
        ("private", GPTBOT, "ai"),
        ("private", "python-requests/2.31.0", "library"),
        ("private", "Mozilla/5.0 (compatible; AcmeUnnamedBot/1.0)", "generic"),
    ],
)
def test_drop_reason_is_the_category(default_filter, public_filter, policy, agent, category):
    """The reason names the category of the built-in pattern, as category() says."""
    flt = public_filter if policy == "public" else default_filter
    _verdict, _status, request = nginx_server(flt).request(agent, "/")
    assert flt.category(agent) == category
    assert dropped(request) == "ua:" + category


def test_drop_reason_of_a_user_pattern():
    flt = bf.build(patterns=[{"name": "mine", "pattern": "MyKnownAgent"}], fast_path=False)
    _verdict, _status, request = nginx_server(flt).request("MyKnownAgent/1.0", "/")
    assert dropped(request) == "ua:user" and flt.category("MyKnownAgent/1.0") == "user"
    assert dropped(nginx_server(flt).request(SAMSUNG, "/")[2]) == "" and flt.category(SAMSUNG) == "user"


def test_public_policy(default_filter, public_filter):
    private, public = default_filter, public_filter
    assert (private.policy, public.policy) == ("private", "public")
    assert "# server-level include, policy public:" in public.render_server()
    assert {entry.category for entry in public.active if entry.source == "builtin"} <= {"ai", "seo", "scanner"}
    assert len(public.entries) < len(private.entries)
    server = nginx_server(public)
    # Search engines and HTTP libraries (curl is "library" in the catalog) pass the public policy.
    for agent in (GOOGLEBOT, BINGBOT, CURL, "python-requests/2.32.3"):
        assert server.classify(agent, "/") == public.classify(agent, "/") == ALLOW
        assert nginx_server(private).classify(agent, "/") == BLOCK
    verdict, _status, request = server.request(GPTBOT, "/")
    assert (verdict, dropped(request)) == (BLOCK, "ua:ai")
    assert dropped(server.request("Mozilla/5.0 zgrab/0.x", "/")[2]) == "ua:scanner"
    assert dropped(server.request(GOOGLEBOT, "/x/.env")[2]) == "probe"
    with pytest.raises(dialect.BotFilterError, match="policy must be one of private, public, not 'open'"):
        bf.build(fast_path=False, policy="open")


def test_limit_applies_only_where_the_location_include_is(limit_filter):
    locations = (("", "/", True), ("^~", "/open/", False))
    server = nginx_server(limit_filter, server_locations=locations)
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
