# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter: parsing, validation, merging, the fast path and the
generated nginx text, read back by a small evaluator of nginx's map semantics.

Real user agents come from botfilter_data.BROWSER_USER_AGENTS and from the
crawler-user-agents excerpt (see fixtures/botfilter/README.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter as bf
from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "botfilter"
CRAWLERS = json.loads((FIXTURES / "crawler-user-agents-excerpt.json").read_text())
BROWSERS = [agent for _label, agent in data.BROWSER_USER_AGENTS]
FLAGS = re.IGNORECASE | re.ASCII
ADDR = "\x7f\x00\x00\x01"  # $binary_remote_addr of 127.0.0.1

# Real requests of the built-in bots and scanners.
BOT_AGENTS = [
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible;"
    " Bytespider; spider-feedback@bytedance.com)",
    "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
    "Mozilla/5.0 (compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4"
    " Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
    "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/142.0.7444.59 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
    " Chrome/116.0.1938.76 Safari/537.36",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "Sogou-Test-Spider/4.0 (compatible; MSIE 5.5; Windows 98)",
    "Mozilla/5.0 (compatible; YoudaoBot/1.0; http://www.youdao.com/help/webmaster/spider/; )",
    "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.1 (KHTML, like Gecko) Chrome/21.0.1180.89 Safari/537.1; 360Spider",
    "ia_archiver (+http://www.alexa.com/site/help/webmasters; crawler@alexa.com)",
    "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "curl/8.5.0",
    "Wget/1.21.3",
    "python-requests/2.32.3",
    "Python/3.12 aiohttp/3.10.5",
    "Go-http-client/1.1",
    "Mozilla/5.0 zgrab/0.x",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
    "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)",
    "sqlmap/1.8.2#stable (https://sqlmap.org)",
    "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
]

# Real user agents that are neither bots nor in the fast path.
OTHER_HUMANS = [
    "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 SogouMobileBrowser/5.22.8",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Firefox/102.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
    " Vivaldi/7.6.3797.63",
]


@pytest.fixture(scope="module")
def default_filter():
    return bf.build()


def reference(entries, probe_paths, user_agent, uri):
    """The semantics, spelled out one pattern at a time from the raw inputs."""
    if not user_agent:
        return bf.BLOCK
    actions = set()
    for entry in entries:
        regex = entry["pattern"] if entry.get("regex") else re.escape(entry["pattern"])
        if re.search(regex, user_agent, FLAGS):
            actions.add(entry.get("action", bf.BLOCK))
    if bf.BLOCK in actions or any(path.lower() in uri.lower() for path in probe_paths):
        return bf.BLOCK
    return bf.LIMIT if bf.LIMIT in actions else bf.ALLOW


# ---------------------------------------------------------------------------
# A small evaluator of the nginx text: map blocks with nginx's semantics.


def nginx_decode(raw):
    out, index = [], 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            nxt = raw[index + 1]
            if nxt in "\"'\\":
                out.append(nxt)
                index += 2
                continue
            if nxt in "trn":
                out.append({"t": "\t", "r": "\r", "n": "\n"}[nxt])
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def nginx_tokens(text):
    """Words, quoted strings and ; { } of an nginx file, as nginx reads them."""
    tokens, index = [], 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end + 1
        elif char in ";{}":
            tokens.append(char)
            index += 1
        elif char in "\"'":
            end = index + 1
            while text[end] != char:
                end += 2 if text[end] == "\\" else 1
            assert end + 1 - index < 4096, "nginx refuses a parameter of 4096 bytes or more"
            tokens.append(nginx_decode(text[index + 1:end]))
            index = end + 1
        else:
            end = index
            while end < len(text) and not text[end].isspace() and text[end] not in ";{}":
                end += 2 if text[end] == "\\" else 1
            tokens.append(nginx_decode(text[index:end]))
            index = end
    return tokens


class NginxMaps:
    """The map blocks and other directives of an http-level include."""

    def __init__(self, text):
        self.maps, self.directives = {}, []
        tokens = nginx_tokens(text)
        index = 0
        while index < len(tokens):
            if tokens[index] == "map":
                source, target = tokens[index + 1], tokens[index + 2]
                assert tokens[index + 3] == "{"
                index += 4
                exact, regexes, default = {}, [], ""
                while tokens[index] != "}":
                    key, value, semicolon = tokens[index:index + 3]
                    assert semicolon == ";", (key, value, semicolon)
                    if key == "default":
                        default = value
                    elif key.startswith("~*"):
                        regexes.append((re.compile(key[2:], FLAGS), value))
                    elif key.startswith("~"):
                        regexes.append((re.compile(key[1:], re.ASCII), value))
                    else:
                        assert key.lower() not in exact, f"duplicate map key {key!r}"
                        exact[key.lower()] = value  # nginx lowercases keys and the looked-up value
                    index += 3
                self.maps[target] = (source, exact, regexes, default)
                index += 1
            else:
                end = tokens.index(";", index)
                self.directives.append(tokens[index:end])
                index = end + 1

    def value(self, name, request):
        if name in request:
            return request[name]
        source, exact, regexes, default = self.maps[name]
        subject = self.value(source, request)
        found = exact.get(subject.lower())
        if found is None:
            found = next((value for regex, value in regexes if regex.search(subject)), default)
        return self.value(found, request) if found.startswith("$") else found

    def classify(self, user_agent, uri):
        request = {"$http_user_agent": user_agent or "", "$uri": uri, "$binary_remote_addr": ADDR}
        block = self.value("$aiguard_bot_block", request)
        key = self.value("$aiguard_bot_limit_key", request)
        assert block in ("0", "1") and key in ("", ADDR)
        if block == "1":
            return bf.BLOCK
        return bf.LIMIT if key else bf.ALLOW


# ---------------------------------------------------------------------------
# Parsing and validation.


@pytest.mark.parametrize(
    ("pattern", "regex", "branches", "pcre"),
    [
        ("GPTBot", False, [(False, "gptbot", "")], "gptbot"),
        ("Mediapartners (Googlebot)", False, [(False, "mediapartners (googlebot)", "")], r"mediapartners \(googlebot\)"),
        (r"Googlebot\/", True, [(False, "googlebot/", "")], r"Googlebot\/"),
        ("[wW]get", True, [(False, "wget", "")], "[wW]get"),
        (r"S[eE][mM]rushBot", True, [(False, "semrushbot", "")], "S[eE][mM]rushBot"),
        ("(sistrix|SISTRIX) [cC]rawler", True, [(False, "sistrix crawler", "")], "(?:sistrix|SISTRIX) [cC]rawler"),
        ("Ahrefs(Bot|SiteAudit)", True, [(False, "ahrefsbot", ""), (False, "ahrefssiteaudit", "")],
         "Ahrefs(?:Bot|SiteAudit)"),
        ("AdsBot-Google([^-]|$)", True, [(False, "adsbot-google", "[^-]"), (False, "adsbot-google", "$")],
         "AdsBot-Google(?:[^-]|$)"),
        ("^curl", True, [(True, "curl", "")], "^curl"),
        (r"(^| )sentry\/", True, [(True, "sentry/", ""), (False, " sentry/", "")], r"(?:^| )sentry\/"),
        ("Automaton|Newsify Feed Fetcher", True, [(False, "automaton", ""), (False, "newsify feed fetcher", "")],
         "Automaton|Newsify Feed Fetcher"),
        (r"BlogTraffic\/\d\.\d+ Feed-Fetcher", True, [(False, "blogtraffic/", r"\d\.\d+ Feed-Fetcher")],
         r"BlogTraffic\/\d\.\d+ Feed-Fetcher"),
        (r"ContextualBot[\s\S]*outcomes\.net", True, [(False, "contextualbot", r"[\s\S]*outcomes\.net")],
         r"ContextualBot[\s\S]*outcomes\.net"),
        ("GoogleAssociationService$", True, [(False, "googleassociationservice", "$")], "GoogleAssociationService$"),
        ("abc+", True, [(False, "ab", "c+")], "abc+"),
        (r"(?P<tool>nuclei)-(\d+)", True, [(False, "nuclei-", r"\d+")], r"(?:nuclei)-(?:\d+)"),
        (r"\x41bc(?#comment)d", True, [(False, "abcd", "")], r"\x41bcd"),
        (r"\d+bot", True, [(False, "", r"\d+bot")], r"\d+bot"),
        ("(?=x)xbot", True, [(False, "", "(?=x)xbot")], "(?=x)xbot"),
    ],
)
def test_parse(pattern, regex, branches, pcre):
    parsed = bf.Pattern("test", pattern, regex)
    assert parsed.branches == branches
    assert parsed.pcre == pcre
    # The PCRE text matches what Python's reading of the original matches.
    original = re.compile(pattern if regex else re.escape(pattern), FLAGS)
    for agent in BROWSERS + BOT_AGENTS + [pattern, pattern.upper(), "xx " + pattern.lower() + " yy"]:
        assert bool(parsed.compiled.search(agent)) == bool(original.search(agent)), agent


@pytest.mark.parametrize(
    ("pattern", "regex", "message"),
    [
        ("Googlebot(", True, "pattern 'test': 'Googlebot(' is not a valid regular expression: missing ), unterminated"
                             " subpattern at position 9"),
        ("[abc", True, "unterminated character set at position 0"),
        ("bot)x", True, "unbalanced parenthesis at position 3"),
        ("a{2,1}", True, "min repeat greater than max repeat at position 2"),
        ("*bot", True, "nothing to repeat at position 0"),
        (r"(a)\1", True, r"a back-reference at position 3 of '(a)\\1'"),
        ("(?P<x>a)(?P=x)", True, "a back-reference at position 8"),
        ("(?i)bot", True, "an inline flag at position 0 of '(?i)bot' is not supported: patterns are always"
                          " case-insensitive"),
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
        ("x(a+b)+c", True, "a repeated group that contains a repetition at position 1 of 'x(a+b)+c' is not supported:"
                           " nested quantifiers"),
        ("(?:a|(b*))*", True, "a repeated group that contains a repetition at position 0"),
        (r"(\d{2,})+x", True, "a repeated group that contains a repetition at position 0"),
    ],
)
def test_invalid_patterns(pattern, regex, message):
    with pytest.raises(bf.BotFilterError) as exc:
        bf.Pattern("test", pattern, regex)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ([{"name": "broken", "pattern": "Googlebot[", "regex": True}], "pattern 'broken': 'Googlebot[' is not a valid"
         " regular expression: unterminated character set at position 9"),
        ([{"name": "x", "pattern": "bot", "action": "drop"}], "pattern 'x': action must be block or limit, not 'drop'"),
        ([{"name": "", "pattern": "bot"}], "patterns[0] needs a name and a pattern"),
        ([{"name": "x"}], "patterns[0] needs a name and a pattern"),
        ([{"name": "long", "pattern": "a" * 5000}], "pattern 'long' is too long: nginx refuses a parameter of 5004 bytes"),
        ([{"name": "long", "pattern": "[a-z]" + "a" * 5000, "regex": True}], "pattern 'long' is too long"),
    ],
)
def test_build_refuses(patterns, message):
    with pytest.raises(bf.BotFilterError) as exc:
        bf.build(patterns=patterns)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["env"], "probe path 'env' must start with '/'"),
        (["/caf\u00e9"], "character '\u00e9' at position 4 is not printable ASCII"),
        ([""], "must start with '/'"),
    ],
)
def test_bad_probe_paths(paths, message):
    with pytest.raises(bf.BotFilterError) as exc:
        bf.build(probe_paths=paths)
    assert message in str(exc.value)


# ---------------------------------------------------------------------------
# Built-in list, allow, duplicates, shadowing.


def test_builtin_list_is_clean(default_filter):
    names = [name.lower() for name, _pattern, _regex, _category in data.BUILTIN_PATTERNS]
    assert len(names) == len(set(names))
    assert default_filter.duplicates == []
    assert default_filter.shadowed == []
    assert bf.browser_matches(default_filter.entries) == []
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
    flt = bf.build(allow=allow)
    names = {entry.name for entry in flt.entries}
    assert removed.isdisjoint(names)
    assert len(names) == len(data.BUILTIN_PATTERNS) - len(removed)
    assert flt.unmatched_allow == unmatched


def test_allow_only_touches_builtin_entries():
    flt = bf.build(builtin=False, patterns=[{"name": "curl", "pattern": "curl/"}], allow=["curl"])
    assert [entry.name for entry in flt.entries] == ["curl"]
    assert flt.unmatched_allow == ["curl"]
    assert flt.classify("curl/8.5.0") == bf.BLOCK


@pytest.mark.parametrize(
    ("patterns", "duplicates", "verdicts"),
    [
        # The user's entry replaces the built-in one: bingbot is rate-limited.
        ([{"name": "bing", "pattern": "BINGBOT", "action": "limit"}], [("bing", "bingbot")],
         {BOT_AGENTS[11]: bf.LIMIT}),
        # A regex that is literal text is the same pattern as the literal.
        ([{"name": "g", "pattern": r"Googlebot", "regex": True}], [("g", "Googlebot")], {BOT_AGENTS[9]: bf.BLOCK}),
        ([{"name": "c1", "pattern": "curl/"}, {"name": "c2", "pattern": r"curl\/", "regex": True, "action": "limit"}],
         [("c1", "curl"), ("c2", "c1")], {"curl/8.5.0": bf.LIMIT}),
        ([{"name": "a", "pattern": "[aA]i2[bB]ot", "regex": True}], [("a", "AI2Bot")], {"AI2Bot": bf.BLOCK}),
        ([{"name": "new", "pattern": "newbot"}], [], {"newbot/1.0": bf.BLOCK}),
    ],
)
def test_duplicates(patterns, duplicates, verdicts):
    flt = bf.build(patterns=patterns)
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
        ([("a", "ab", False, "block"), ("b", "abc", False, "block"), ("c", "abcd", False, "block")],
         [("b", "a"), ("c", "a")]),
        # Equal languages without equal keys: only one of the two goes.
        ([("x", "abc", False, "block"), ("y", r"abc\d?", True, "block")], [("x", "y")]),
    ],
)
def test_shadowed(patterns, shadowed):
    flt = bf.build(builtin=False, patterns=[dict(name=n, pattern=p, regex=r, action=a) for n, p, r, a in patterns])
    assert [(entry.name, by.name) for entry, by in flt.shadowed] == shadowed
    for entry, by in flt.shadowed:
        message = bf.shadow_message(entry, by)
        assert f"'{entry.name}'" in message and f"'{by.name}'" in message and repr(by.pattern) in message
    # Leaving the shadowed entries out of the regexes changes no verdict.
    inputs = [dict(name=n, pattern=p, regex=r, action=a) for n, p, r, a in patterns]
    for agent in BOT_AGENTS + BROWSERS + ["abc", "abc1", "xabcd", "Ahrefs", "AhrefsSiteAudit/1"]:
        assert flt.classify(agent, "/") == reference(inputs, [], agent, "/"), agent


def test_shadowed_limit_message():
    flt = bf.build(builtin=False, patterns=[{"name": "bot", "pattern": "bot"},
                                            {"name": "bingbot", "pattern": "bingbot", "action": "limit"}])
    (entry, by), = flt.shadowed
    assert bf.shadow_message(entry, by) == (
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
    flt = bf.build(patterns=[{"name": "wide", "pattern": pattern, "regex": regex}])
    found = {label for entry, label, _agent in bf.browser_matches(flt.entries)}
    assert browsers <= found
    assert all(entry.name == "wide" for entry, _label, _agent in bf.browser_matches(flt.entries))


# ---------------------------------------------------------------------------
# Classification of real requests.


@pytest.mark.parametrize("agent", BROWSERS + OTHER_HUMANS)
@pytest.mark.parametrize("uri", ["/", "/gradio_api/queue/join", "/config", "/info", "/v1/chat/completions",
                                 "/mj/submit/imagine", "/file=/tmp/gradio/abc/image.png", "/assets/index-x.js"])
def test_browsers_pass(default_filter, agent, uri):
    assert default_filter.classify(agent, uri) == bf.ALLOW
    assert default_filter.matching_entries(agent) == []


@pytest.mark.parametrize("agent", BOT_AGENTS)
def test_bots_are_blocked(default_filter, agent):
    assert default_filter.classify(agent, "/") == bf.BLOCK
    assert default_filter.matching_entries(agent)


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        (None, "/", bf.BLOCK),
        ("", "/", bf.BLOCK),
        (BROWSERS[0], "/.env", bf.BLOCK),
        (BROWSERS[0], "/.ENV", bf.BLOCK),
        (BROWSERS[0], "/app/.env.bak", bf.BLOCK),
        (BROWSERS[0], "/.git/config", bf.BLOCK),
        (BROWSERS[0], "/.git", bf.ALLOW),  # the probe is "/.git/"
        (BROWSERS[0], "/wp-login.php", bf.BLOCK),
        (BROWSERS[0], "/blog/wp-admin/setup-config.php", bf.BLOCK),
        (BROWSERS[0], "/phpMyAdmin/index.php", bf.BLOCK),
        (BROWSERS[0], "/.aws/credentials", bf.BLOCK),
        (BROWSERS[0], "/server-status", bf.BLOCK),
        (BROWSERS[0], "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", bf.BLOCK),
        (BROWSERS[0], "/cgi-bin/luci", bf.BLOCK),
        (BROWSERS[0], "/actuator/health", bf.BLOCK),
        (BROWSERS[0], "/.DS_Store", bf.BLOCK),
        (BROWSERS[0], "/config.php", bf.BLOCK),
        (BROWSERS[0], "/environment", bf.ALLOW),
        (BROWSERS[0], "/config", bf.ALLOW),
        (OTHER_HUMANS[0], "/.env", bf.BLOCK),
        ("curl/8.5.0", "/", bf.BLOCK),
    ],
)
def test_classify(default_filter, agent, uri, verdict):
    assert default_filter.classify(agent, uri) == verdict
    assert bf.classify(agent, uri) == verdict


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        (BOT_AGENTS[11], "/", bf.LIMIT),  # bingbot
        (BOT_AGENTS[11], "/.env", bf.BLOCK),  # a probe wins over limit
        (BOT_AGENTS[0], "/", bf.BLOCK),  # GPTBot
        ("bingbot GPTBot", "/", bf.BLOCK),  # block wins over limit
        (BROWSERS[0], "/", bf.ALLOW),
        (BROWSERS[0], "/backup.zip", bf.BLOCK),
        ("", "/", bf.BLOCK),
    ],
)
def test_classify_with_limit(agent, uri, verdict):
    flt = bf.build(patterns=[{"name": "bingbot", "pattern": "bingbot", "action": "limit"}], probe_paths=["/backup.zip"])
    assert flt.classify(agent, uri) == verdict


def test_crawler_instances_of_builtin_bots_are_blocked(default_filter):
    builtin = {pattern.lower() for _name, pattern, regex, _category in data.BUILTIN_PATTERNS if not regex}
    checked = 0
    for item in CRAWLERS:
        literal = bf.Pattern("x", item["pattern"], True).literal
        if literal is not None and (literal in builtin or literal.rstrip("/") in builtin):
            for agent in item["instances"]:
                assert default_filter.classify(agent, "/") == bf.BLOCK, agent
                checked += 1
    assert checked >= 100


def test_crawler_excerpt_as_patterns():
    """Every real instance of the excerpt is blocked by the excerpt's patterns, merged."""
    patterns = [dict(name=f"cua{index}", pattern=item["pattern"], regex=True) for index, item in enumerate(CRAWLERS)]
    flt = bf.build(builtin=False, patterns=patterns, builtin_probe_paths=False)
    assert not bf.browser_matches(flt.entries)
    for item in CRAWLERS:
        for agent in item["instances"]:
            assert flt.classify(agent, "/") == bf.BLOCK, (item["pattern"], agent)
    for agent in BROWSERS:
        assert flt.classify(agent, "/") == bf.ALLOW


@pytest.mark.parametrize("builtin", [True, False])
def test_merged_equals_reference_on_real_agents(builtin):
    patterns = [dict(name=f"cua{index}", pattern=item["pattern"], regex=True) for index, item in enumerate(CRAWLERS)]
    patterns.append(dict(name="bingbot", pattern="bingbot", action="limit"))
    flt = bf.build(builtin=builtin, patterns=patterns)
    entries = [entry.as_dict() for entry in flt.entries]
    agents = [agent for item in CRAWLERS for agent in item["instances"]] + BROWSERS + OTHER_HUMANS + BOT_AGENTS
    for agent in agents:
        for uri in ("/", "/.env"):
            assert flt.classify(agent, uri) == reference(entries, flt.probe_paths, agent, uri), agent


# ---------------------------------------------------------------------------
# The fast path never allows what a pattern would block.


def test_fast_path_is_complete_and_sound_for_builtin(default_filter):
    candidates = {bf.ascii_lower(agent) for agent in data.fast_path_candidates()}
    assert set(default_filter.fast_path) == candidates  # nothing had to be left out
    assert 500 < len(candidates) < 1000
    for entry in default_filter.entries:
        for agent in data.fast_path_candidates():
            assert not entry.parsed.compiled.search(agent), (entry.name, agent)


def test_fast_path_holds_the_current_browsers(default_filter):
    inside = {label for label, agent in data.BROWSER_USER_AGENTS if bf.ascii_lower(agent) in default_filter.fast_path}
    assert {"Chrome 142 on Windows", "Edge 142 on macOS", "Firefox 145 on Linux", "Firefox ESR 140 on Linux",
            "Safari 26 on iPhone", "Safari 18.6 on macOS", "Chrome 142 on Android"} <= inside
    assert "Samsung Internet 29 on Android" not in inside


def test_fast_path_is_sound_for_the_crawler_excerpt():
    patterns = [bf.Pattern(f"cua{index}", item["pattern"], True) for index, item in enumerate(CRAWLERS)]
    for agent in data.fast_path_candidates():
        for pattern in patterns:
            assert not pattern.compiled.search(agent), (pattern.source_text, agent)


def test_fast_path_is_sound_for_the_whole_crawler_list():
    """The benchmark's list: checked when the crawler-user-agents package is installed."""
    crawleruseragents = pytest.importorskip("crawleruseragents", reason="crawler-user-agents is not installed")
    patterns = [dict(name=f"cua{index}", pattern=item["pattern"], regex=True)
                for index, item in enumerate(crawleruseragents.CRAWLER_USER_AGENTS_DATA)]
    assert len(patterns) >= 600
    flt = bf.build(patterns=patterns)
    assert len(flt.fast_path) == len({bf.ascii_lower(a) for a in data.fast_path_candidates()})
    assert not bf.browser_matches(flt.entries)
    merged = re.compile("|".join(f"(?:{entry.parsed.pcre})" for entry in flt.entries), FLAGS)
    for agent in data.fast_path_candidates():
        assert not merged.search(agent), agent
    for item in crawleruseragents.CRAWLER_USER_AGENTS_DATA:
        for agent in item.get("instances", []):
            assert flt.classify(agent, "/") == bf.BLOCK, agent


@pytest.mark.parametrize(
    ("pattern", "regex", "agent"),
    [
        ("Firefox/150.0", False, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:150.0) Gecko/20100101 Firefox/150.0"),
        (r"Chrome/16\d\.", True, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
                                 " Chrome/160.0.0.0 Safari/537.36"),
        ("Version/27.1", False, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like"
                                " Gecko) Version/27.1 Safari/605.1.15"),
    ],
)
def test_fast_path_drops_what_a_pattern_matches(default_filter, pattern, regex, agent):
    assert bf.ascii_lower(agent) in default_filter.fast_path
    flt = bf.build(patterns=[{"name": "narrow", "pattern": pattern, "regex": regex}])
    assert bf.ascii_lower(agent) not in flt.fast_path
    assert 0 < len(default_filter.fast_path) - len(flt.fast_path) < 100
    assert flt.classify(agent) == flt.classify(agent.upper()) == bf.BLOCK


def test_fast_path_off():
    flt = bf.build(fast_path=False)
    assert flt.fast_path == [] and flt.counts["tokens"] == 1
    assert flt.classify(BROWSERS[0]) == bf.ALLOW and flt.classify(BOT_AGENTS[0]) == bf.BLOCK
    assert "map_hash_bucket_size" not in flt.render_http()


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
        ([("/.env", ""), ("/.git/", ""), ("/.aws/", ""), ("/.ssh/", "")], False,
         r"/\.(?=[aegs])(?:aws/|env|git/|ssh/)"),
        ([("x", r"\d+"), ("x", "")], False, "x"),
    ],
)
def test_merge(branches, anchored, expected):
    assert bf.merge(branches, anchored) == expected


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
    assert bf.nginx_string(text) == quoted
    assert nginx_tokens(quoted) == [text]


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_nginx_string_round_trip(text):
    assert nginx_tokens(bf.nginx_string(text) + ";") == [text, ";"]


@settings(max_examples=300, deadline=None)
@given(
    literals=st.lists(st.text(alphabet="abAB/. -", min_size=1, max_size=6), min_size=1, max_size=40),
    subjects=st.lists(st.text(alphabet="abAB/. -x", max_size=24), min_size=1, max_size=20),
    limit=st.sampled_from([60, 120, bf.MAX_PARAMETER]),
)
def test_merged_literals_match_like_the_literals(literals, subjects, limit):
    assume(all(len(bf.regex_parameter(bf.escape_literal(lit.lower()))) <= limit for lit in literals))
    flt = bf.build(builtin=False, patterns=[dict(name=str(i), pattern=lit) for i, lit in enumerate(literals)],
                   builtin_probe_paths=False, fast_path=False, limit=limit)
    assert all(len(bf.regex_parameter(text)) <= limit for text, _action in flt.ua_parts)
    for subject in subjects + literals + ["".join(literals)]:
        expected = any(lit.lower() in subject.lower() for lit in literals)
        assert (flt.classify_user_agent(subject) == bf.BLOCK) == (expected or not subject), subject


ATOMS = st.sampled_from(["a", "b", "c", "A", r"\.", ".", "[ab]", "[^a]", r"\d", "[bB]", " ", "-"])
QUANTS = st.sampled_from(["", "", "", "?", "*", "+", "{1,2}"])


@st.composite
def regexes(draw, depth=1):
    def sequence():
        pieces = []
        for _ in range(draw(st.integers(1, 4))):
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

    return "|".join(sequence() for _ in range(draw(st.integers(1, 3))))


@settings(max_examples=300, deadline=None)
@given(
    patterns=st.lists(st.tuples(st.one_of(regexes(), st.text(alphabet="abc.", min_size=1, max_size=4)),
                                st.booleans(), st.sampled_from(["block", "block", "limit"])),
                      min_size=1, max_size=12),
    subjects=st.lists(st.text(alphabet="abcAB. 1-", max_size=14), min_size=1, max_size=25),
    limit=st.sampled_from([80, bf.MAX_PARAMETER]),
)
def test_merged_regexes_match_like_the_patterns(patterns, subjects, limit):
    inputs = []
    for index, (pattern, regex_flag, action) in enumerate(patterns):
        regex_flag = regex_flag or any(c in pattern for c in "()[]|\\^$?*+{")
        compiled = re.compile(pattern if regex_flag else re.escape(pattern), FLAGS)
        assume(not compiled.search(""))
        assume(len(bf.regex_parameter(pattern)) < limit)
        inputs.append(dict(name=f"p{index}", pattern=pattern, regex=regex_flag, action=action))
    try:
        flt = bf.build(builtin=False, patterns=inputs, builtin_probe_paths=False, fast_path=False, limit=limit)
    except bf.BotFilterError as exc:
        assume("too long" not in str(exc))
        raise
    assert all(len(bf.regex_parameter(text)) <= limit for text, _action in flt.ua_parts)
    # Duplicates: the later one is used (see test_duplicates).
    entries = [entry.as_dict() for entry in flt.entries]
    for subject in subjects + [p for p, _r, _a in patterns]:
        assert flt.classify(subject, "/") == reference(entries, [], subject, "/"), (subject, flt.ua_parts)


def test_long_lists_are_split_under_the_limit():
    words = [f"bot{index:05d}x{'y' * (index % 7)}" for index in range(3000)]
    flt = bf.build(builtin=False, patterns=[dict(name=w, pattern=w) for w in words], builtin_probe_paths=False,
                   fast_path=False)
    assert len(flt.ua_parts) > 5
    assert all(len(bf.regex_parameter(text)) <= bf.MAX_PARAMETER for text, _action in flt.ua_parts)
    for word in words[::97]:
        assert flt.classify("Mozilla/5.0 " + word.upper()) == bf.BLOCK
    assert flt.classify("Mozilla/5.0 bot0000x") == bf.ALLOW
    http = flt.render_http()
    assert max(len(line) for line in http.splitlines()) < 4096
    NginxMaps(http)  # every parameter under nginx's limit


# ---------------------------------------------------------------------------
# The generated nginx text.


def test_http_include_contract(default_filter):
    text = default_filter.render_http(snippet_dest="/etc/nginx/snippets/aiguard-bots.conf")
    assert text.startswith("# Generated by aiguard.hardening.bot_filter")
    assert f"# {default_filter.summary()}." in text
    maps = NginxMaps(text)
    assert set(maps.maps) == {"$aiguard_bot_ua", "$aiguard_bot_ua_regex", "$aiguard_bot_probe", "$aiguard_bot_block",
                              "$aiguard_bot_limit_key"}
    assert maps.maps["$aiguard_bot_block"] == ("$aiguard_bot_ua", {"block": "1"}, [], "$aiguard_bot_probe")
    assert maps.maps["$aiguard_bot_limit_key"] == ("$aiguard_bot_ua", {"limit": "$binary_remote_addr"}, [], "")
    assert ["limit_req_zone", "$aiguard_bot_limit_key", "zone=aiguard_bots:10m", "rate=30r/m"] in maps.directives
    assert ["map_hash_bucket_size", str(bf.MAP_HASH_BUCKET_SIZE)] in maps.directives
    source, exact, regexes, default = maps.maps["$aiguard_bot_ua"]
    assert (source, default, regexes) == ("$http_user_agent", "$aiguard_bot_ua_regex", [])
    assert exact[""] == "block" and len(exact) == default_filter.counts["tokens"]
    assert "limit_req_zone $aiguard_bot_limit_key zone=aiguard_bots:10m rate=30r/m;\n" in text
    # No capturing group: $1..$9 of a regex location must survive the maps.
    for regex in [text for text, _action in default_filter.ua_parts] + default_filter.probe_parts:
        assert re.compile(regex).groups == 0


@pytest.mark.parametrize(
    ("status", "burst", "lines"),
    [
        (444, 5, ["if ($aiguard_bot_block) {", "    return 444;", "}", "limit_req zone=aiguard_bots burst=5 nodelay;"]),
        (403, 0, ["if ($aiguard_bot_block) {", "    return 403;", "}", "limit_req zone=aiguard_bots burst=0 nodelay;"]),
    ],
)
def test_snippet_contract(default_filter, status, burst, lines):
    text = default_filter.render_snippet(status, burst, dest="/etc/nginx/conf.d/aiguard-bots.conf")
    assert text.startswith("# Generated by aiguard.hardening.bot_filter")
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert body == lines


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.render_http("30/m"), "limit_rate must be a request rate such as 30r/m or 5r/s, not '30/m'"),
        (lambda f: f.render_http("0r/s"), "not '0r/s'"),
        (lambda f: f.render_http("fast"), "not 'fast'"),
        (lambda f: f.render_snippet(500), "block_status must be 444 or 403, not 500"),
        (lambda f: f.render_snippet(444, -1), "limit_burst must be a whole number of requests, 0 or more, not -1"),
    ],
)
def test_render_refuses(default_filter, call, message):
    with pytest.raises(bf.BotFilterError) as exc:
        call(default_filter)
    assert message in str(exc.value)


@pytest.mark.parametrize("rate", ["30r/m", "5r/s", "1r/s", "600r/m"])
def test_render_rates(default_filter, rate):
    assert f"rate={rate};" in default_filter.render_http(rate)


@pytest.mark.parametrize("fast_path", [True, False])
def test_nginx_text_classifies_like_classify(fast_path):
    """The generated maps, evaluated with nginx's semantics, agree with classify."""
    patterns = [dict(name=f"cua{index}", pattern=item["pattern"], regex=True) for index, item in enumerate(CRAWLERS)]
    patterns += [dict(name="bingbot", pattern="bingbot", action="limit"),
                 dict(name="quote", pattern='say "hi" \\ back'),
                 dict(name="esc", pattern=r"tab\tnew\nbs\\q\"", regex=True)]
    flt = bf.build(patterns=patterns, probe_paths=["/backup.zip"], fast_path=fast_path)
    maps = NginxMaps(flt.render_http())
    agents = (BROWSERS + OTHER_HUMANS + BOT_AGENTS + [agent for item in CRAWLERS for agent in item["instances"]]
              + [None, "", 'x say "hi" \\ back', "tab\tnew\nbs\\q\"", "CURL/8.5", BROWSERS[0].upper()])
    for agent in agents:
        for uri in ("/", "/.env", "/x/Backup.ZIP", "/gradio_api/queue/join"):
            assert maps.classify(agent, uri) == flt.classify(agent, uri), (agent, uri)


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        (BROWSERS[0], "/", bf.ALLOW),
        (BOT_AGENTS[0], "/", bf.BLOCK),
        (BOT_AGENTS[11], "/", bf.LIMIT),
        (BOT_AGENTS[11], "/.git/HEAD", bf.BLOCK),
        ("", "/", bf.BLOCK),
        (None, "/", bf.BLOCK),
    ],
)
def test_nginx_text_verdicts(agent, uri, verdict):
    flt = bf.build(patterns=[dict(name="bingbot", pattern="bingbot", action="limit")])
    assert NginxMaps(flt.render_http()).classify(agent, uri) == verdict
