# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of botfilter: parsing, validation, merging, the fast path and the
generated nginx text, read back by a small evaluator of nginx's semantics
(maps, the server-level rewrite directives and prefix locations).

Real user agents come from botfilter_data.BROWSER_USER_AGENTS and from the
crawler-user-agents excerpt (see fixtures/botfilter/README.md).

Each ``build()`` with the fast path on lists the ~14,600 user agents of the
fast-path families against the merged patterns (cached per set of merged
regexes), so the tests that are not about the fast path build with
``fast_path=False`` and the others share a few pattern sets.
"""

from __future__ import annotations

import functools
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
LABELED = dict(data.BROWSER_USER_AGENTS)
FAMILIES = dict(data.FAST_PATH_FAMILIES)
FLAGS = re.IGNORECASE | re.ASCII
ADDR = "\x7f\x00\x00\x01"  # $binary_remote_addr of 127.0.0.1
ACME = "/.well-known/acme-challenge/"

# Browsers by role: in the fast path, and current browsers outside it.
CHROME = LABELED["Chrome 142 on Windows"]
FIREFOX = LABELED["Firefox 145 on Linux"]
SAFARI_IPHONE = LABELED["Safari 26 on iPhone"]
SAMSUNG = LABELED["Samsung Internet 29 on Android"]
FIREFOX_ANDROID = LABELED["Firefox 145 on Android"]

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
GPTBOT = BOT_AGENTS[0]
BINGBOT = BOT_AGENTS[11]

# Real user agents that are neither bots nor in the fast path.
OTHER_HUMANS = [
    "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 SogouMobileBrowser/5.22.8",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Firefox/102.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
    " Vivaldi/7.6.3797.63",
]

# The one pattern set beyond the built-in list that the fast-path tests share (its listing is cached):
# the crawler-user-agents excerpt, a rate-limited bot and two patterns that need nginx quoting.
SHARED_PATTERNS = [dict(name=f"cua{index}", pattern=item["pattern"], regex=True) for index, item in enumerate(CRAWLERS)]
SHARED_PATTERNS += [
    dict(name="bingbot", pattern="bingbot", action="limit"),
    dict(name="quote", pattern='say "hi" \\ back'),
    dict(name="esc", pattern=r"tab\tnew\nbs\\q\"", regex=True),
]
CRAWLER_AGENTS = [agent for item in CRAWLERS for agent in item["instances"]]


@pytest.fixture(scope="module")
def default_filter():
    return bf.build()


@pytest.fixture(scope="module")
def shared_filter():
    return bf.build(patterns=SHARED_PATTERNS, probe_paths=["/backup.zip"])


@functools.lru_cache(maxsize=None)
def family_set(label):
    """The user agents of a fast-path family, listed from the data."""
    strings = data.expand(FAMILIES[label])
    assert len(set(strings)) == len(strings), f"{label}: the same user agent twice"
    return frozenset(strings)


def fast_path_strings(flt):
    """Every user agent of the families ``flt`` kept, listed from the data, not from its regex."""
    return frozenset().union(*(family_set(label) for label, _regex in flt.fast_path_families))


REGEX_META = set("\\^$.|?*+()[]{}")


def first_match(patterns, agents, step=1):
    """The first user agent one of ``patterns`` matches, or None; each pattern on its own, as written.

    ``patterns`` are (text, regex) pairs, matched case-insensitively with
    search semantics. Literals are looked for in the lower-cased agents joined
    by newlines (no pattern holds one), which is quick; real regexes are
    searched in each agent, or in every ``step``-th one for a very long list.
    """
    agents = sorted(agents)
    joined = "\n".join(agents).lower()
    regexes = []
    for text, regex in patterns:
        if regex and set(text) & REGEX_META:
            regexes.append(re.compile(text, FLAGS))
        elif text.lower() in joined:
            return next(agent for agent in agents if text.lower() in agent.lower())
    for agent in agents[::step]:
        if any(regex.search(agent) for regex in regexes):
            return agent
    return None


def reference(entries, probe_paths, user_agent, uri, fast=(), exempt=(), locations=None):
    """The semantics, spelled out one pattern at a time from the raw inputs.

    ``fast`` is the set of user agents in the fast path, ``exempt`` the exempt
    paths, ``locations`` the probe paths with a prefix location (default: all).
    """
    locations = probe_paths if locations is None else locations
    if user_agent and user_agent in fast:
        return bf.BLOCK if any(uri.startswith(path) for path in locations) else bf.ALLOW
    if any(uri == path or path.endswith("/") and uri.startswith(path) for path in exempt):
        return bf.ALLOW
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
# A small evaluator of the nginx text: map blocks, the server-level rewrite
# directives and prefix locations, with nginx's semantics.


class Word(str):
    """A parameter of a directive (a quoted "{" is a Word, a block's brace a plain str)."""


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
            tokens.append(Word(nginx_decode(text[index + 1 : end])))
            index = end + 1
            # After a quoted string nginx wants a space, ; { or the ) that closes an if.
            assert index == len(text) or text[index].isspace() or text[index] in ";{)", text[index : index + 20]
        else:
            end = index
            while end < len(text) and not text[end].isspace() and text[end] not in ";{}":
                end += 2 if text[end] == "\\" else 1
            tokens.append(Word(nginx_decode(text[index:end])))
            index = end
    return tokens


def nginx_blocks(text):
    """The directives of an nginx file: a list of (parameters, block or None), blocks nested."""
    stack, words = [[]], []
    for token in nginx_tokens(text):
        if type(token) is Word:
            words.append(token)
        elif token == ";":
            stack[-1].append((words, None))
            words = []
        elif token == "{":
            block = []
            stack[-1].append((words, block))
            stack.append(block)
            words = []
        else:
            assert not words and len(stack) > 1, "unbalanced }"
            stack.pop()
    assert len(stack) == 1 and not words, "unterminated block or directive"
    return stack[0]


class NginxMaps:
    """The map blocks and other directives of an http-level include."""

    def __init__(self, text):
        self.maps, self.directives = {}, []
        for words, block in nginx_blocks(text):
            if words[0] != "map":
                assert block is None, words
                self.directives.append(list(words))
                continue
            _map, source, target = words
            exact, regexes, default = {}, [], ""
            for entry, inner in block:
                assert inner is None and len(entry) == 2, entry
                key, value = entry
                if key == "default":
                    default = value
                elif key.startswith("~*"):
                    regexes.append((re.compile(key[2:], FLAGS), value))
                elif key.startswith("~"):
                    regexes.append((re.compile(key[1:], re.ASCII), value))
                else:
                    assert key.lower() not in exact, f"duplicate map key {key!r}"
                    exact[key.lower()] = value  # nginx lowercases keys and the looked-up value
            assert target not in self.maps, f"two maps define {target}"
            self.maps[target] = (source, exact, regexes, default)

    def value(self, name, request):
        if not name.startswith("$"):
            return name  # a constant, as the source of map "" $aiguard_bot_slow
        if name in request:
            return request[name]
        request.setdefault("#evaluated", set()).add(name)
        source, exact, regexes, default = self.maps[name]
        subject = self.value(source, request)
        found = exact.get(subject.lower())
        if found is None:
            found = next((value for regex, value in regexes if regex.search(subject)), default)
        return self.value(found, request)

    def classify(self, user_agent, uri):
        """What the maps say of a request that left the fast path (the server include set $aiguard_bot_slow)."""
        request = {
            "$http_user_agent": user_agent or "",
            "$uri": uri,
            "$binary_remote_addr": ADDR,
            "$aiguard_bot_slow": "1",
        }
        block = self.value("$aiguard_bot_block", request)
        key = self.value("$aiguard_bot_limit_key", request)
        assert block in ("0", "1") and key in ("", ADDR)
        if block == "1":
            return bf.BLOCK
        return bf.LIMIT if key else bf.ALLOW


def if_condition(words):
    """The parts of an if's condition: [variable] or [variable, operator, operand]."""
    words = [str(word) for word in words]
    assert words[0].startswith("("), words
    words[0] = words[0][1:]
    if words[-1] == ")":
        words.pop()
    else:
        assert words[-1].endswith(")"), words
        words[-1] = words[-1][:-1]
    assert len(words) in (1, 3), words
    return words


class NginxServer:
    """A server block that includes the three files as the module's documentation says.

    The http-level include is in http; the server-level include is the last
    thing of the server block, after the server's own locations
    ``server_locations``, a list of ``(modifier, path, filtered)`` with
    modifier "" (prefix), "^~" or "=", where a filtered location includes the
    location-level include. No regex location: a request goes to the exact
    location, else the longest prefix location (nginx's rule), the probe
    locations of the server include among them.
    """

    def __init__(self, http, server, location, server_locations=(("", "/", True),)):
        self.maps = NginxMaps(http)
        self.rewrites, self.locations = [], []
        for words, block in nginx_blocks(server):
            if words[0] == "location":
                assert len(words) == 3 and words[1] == "^~", words
                assert block is not None and len(block) == 1, words
                ((ret, inner),) = block
                assert inner is None and ret[0] == "return" and len(ret) == 2, ret
                self.locations.append(("^~", str(words[2]), None, int(ret[1])))
            else:
                self.rewrites.append((words, block))
        server_paths = [(modifier, path) for modifier, path, _filtered in server_locations]
        probe_paths = [("", path) for _modifier, path, _block, _status in self.locations]
        # nginx refuses two prefix locations with the same path ("duplicate location").
        assert len(set(server_paths + probe_paths)) == len(server_paths) + len(probe_paths)
        self.locations += [(modifier, path, filtered, None) for modifier, path, filtered in server_locations]
        self.limit_req = []
        for words, block in nginx_blocks(location):
            assert block is None and words[0] == "limit_req", words
            self.limit_req.append(list(words))

    def rewrite(self, block, request):
        """Run server-level rewrite directives: None, "break" or ("return", status)."""
        for words, inner in block:
            name = words[0]
            if name == "set":
                assert len(words) == 3 and inner is None, words
                request[words[1]] = str(words[2])
            elif name == "break":
                assert len(words) == 1, words
                return "break"
            elif name == "return":
                assert len(words) == 2, words
                return ("return", int(words[1]))
            elif name == "if":
                condition = if_condition(words[1:])
                value = self.maps.value(condition[0], request)
                if len(condition) == 1:
                    true = value not in ("", "0")
                else:
                    _variable, operator, operand = condition
                    assert operator == "~", condition  # case-sensitive, search semantics (PCRE)
                    true = re.search(operand, value, re.ASCII) is not None
                if true:
                    outcome = self.rewrite(inner, request)
                    if outcome is not None:
                        return outcome
            else:
                raise AssertionError(f"unexpected server-level directive {words}")
        return None

    def location(self, uri):
        exact = [loc for loc in self.locations if loc[0] == "=" and loc[1] == uri]
        if exact:
            return exact[0]
        prefixes = [loc for loc in self.locations if loc[0] != "=" and uri.startswith(loc[1])]
        return max(prefixes, key=lambda loc: len(loc[1]))

    def request(self, user_agent, uri):
        """(verdict, status or None, request variables) of one request."""
        request = {"$http_user_agent": user_agent or "", "$uri": uri, "$binary_remote_addr": ADDR, "#evaluated": set()}
        outcome = self.rewrite(self.rewrites, request)
        if isinstance(outcome, tuple):
            return bf.BLOCK, outcome[1], request
        _modifier, _path, filtered, status = self.location(uri)
        if status is not None:
            return bf.BLOCK, status, request
        key = self.maps.value("$aiguard_bot_limit_key", request)
        assert key in ("", ADDR), key
        if filtered and self.limit_req and key:
            return bf.LIMIT, None, request
        return bf.ALLOW, None, request

    def classify(self, user_agent, uri):
        return self.request(user_agent, uri)[0]


def nginx_server(flt, status=444, burst=5, server_locations=(("", "/", True),)):
    return NginxServer(flt.render_http(), flt.render_server(status), flt.render_snippet(burst), server_locations)


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
    with pytest.raises(bf.BotFilterError) as exc:
        bf.Pattern("test", pattern, regex)
    assert message in str(exc.value)


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
    with pytest.raises(bf.BotFilterError) as exc:
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
    flt = bf.build(allow=allow, fast_path=False)
    names = {entry.name for entry in flt.entries}
    assert removed.isdisjoint(names)
    assert len(names) == len(data.BUILTIN_PATTERNS) - len(removed)
    assert flt.unmatched_allow == unmatched


def test_allow_only_touches_builtin_entries():
    flt = bf.build(builtin=False, patterns=[{"name": "curl", "pattern": "curl/"}], allow=["curl"], fast_path=False)
    assert [entry.name for entry in flt.entries] == ["curl"]
    assert flt.unmatched_allow == ["curl"]
    assert flt.classify("curl/8.5.0") == bf.BLOCK


@pytest.mark.parametrize(
    ("patterns", "duplicates", "verdicts"),
    [
        # The user's entry replaces the built-in one: bingbot is rate-limited.
        (
            [{"name": "bing", "pattern": "BINGBOT", "action": "limit"}],
            [("bing", "bingbot")],
            {BOT_AGENTS[11]: bf.LIMIT},
        ),
        # A regex that is literal text is the same pattern as the literal.
        ([{"name": "g", "pattern": r"Googlebot", "regex": True}], [("g", "Googlebot")], {BOT_AGENTS[9]: bf.BLOCK}),
        (
            [
                {"name": "c1", "pattern": "curl/"},
                {"name": "c2", "pattern": r"curl\/", "regex": True, "action": "limit"},
            ],
            [("c1", "curl"), ("c2", "c1")],
            {"curl/8.5.0": bf.LIMIT},
        ),
        ([{"name": "a", "pattern": "[aA]i2[bB]ot", "regex": True}], [("a", "AI2Bot")], {"AI2Bot": bf.BLOCK}),
        ([{"name": "new", "pattern": "newbot"}], [], {"newbot/1.0": bf.BLOCK}),
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
        message = bf.shadow_message(entry, by)
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
    flt = bf.build(patterns=[{"name": "wide", "pattern": pattern, "regex": regex}], fast_path=False)
    found = {label for entry, label, _agent in bf.browser_matches(flt.entries)}
    assert browsers <= found
    assert all(entry.name == "wide" for entry, _label, _agent in bf.browser_matches(flt.entries))


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
    assert default_filter.classify(agent, uri) == bf.ALLOW
    assert default_filter.matching_entries(agent) == []


@pytest.mark.parametrize("agent", BOT_AGENTS)
def test_bots_are_blocked(default_filter, agent):
    assert not default_filter.in_fast_path(agent)
    assert default_filter.classify(agent, "/") == bf.BLOCK
    assert default_filter.matching_entries(agent)


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        (None, "/", bf.BLOCK),
        ("", "/", bf.BLOCK),
        ("", "/index.html", bf.BLOCK),
        # In the fast path: only the probe locations, a case-sensitive prefix of the path, as nginx's ^~.
        (CHROME, "/", bf.ALLOW),
        (CHROME, "/.env", bf.BLOCK),
        (CHROME, "/.envrc", bf.BLOCK),
        (CHROME, "/.git/config", bf.BLOCK),
        (CHROME, "/.git", bf.ALLOW),  # the probe is "/.git/"
        (CHROME, "/wp-login.php", bf.BLOCK),
        (CHROME, "/wp-admin/setup-config.php", bf.BLOCK),
        (CHROME, "/.aws/credentials", bf.BLOCK),
        (CHROME, "/server-status", bf.BLOCK),
        (CHROME, "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", bf.BLOCK),
        (CHROME, "/cgi-bin/luci", bf.BLOCK),
        (CHROME, "/actuator/health", bf.BLOCK),
        (CHROME, "/.DS_Store", bf.BLOCK),
        (CHROME, "/HNAP1", bf.BLOCK),
        (CHROME, "/config.php", bf.BLOCK),
        (CHROME, "/environment", bf.ALLOW),
        (CHROME, "/config", bf.ALLOW),
        # The documented trade-off: not at the start, or in another case, passes the fast path
        # (such requests still meet basic auth in nginx_auth).
        (CHROME, "/.ENV", bf.ALLOW),
        (CHROME, "/app/.env.bak", bf.ALLOW),
        (CHROME, "/blog/wp-admin/setup-config.php", bf.ALLOW),
        (CHROME, "/phpMyAdmin/index.php", bf.ALLOW),
        (CHROME, "/.ds_store", bf.ALLOW),
        (CHROME, "/hnap1", bf.ALLOW),
        (FIREFOX, "/.env", bf.BLOCK),
        (FIREFOX, "/x/.env", bf.ALLOW),
        (SAFARI_IPHONE, "/wp-login.php", bf.BLOCK),
        (SAFARI_IPHONE, "/WP-LOGIN.PHP", bf.ALLOW),
        # Outside the fast path: a probe anywhere in the path, any case.
        (SAMSUNG, "/", bf.ALLOW),
        (SAMSUNG, "/.ENV", bf.BLOCK),
        (SAMSUNG, "/app/.env.bak", bf.BLOCK),
        (SAMSUNG, "/blog/wp-admin/setup-config.php", bf.BLOCK),
        (SAMSUNG, "/phpMyAdmin/index.php", bf.BLOCK),
        (SAMSUNG, "/.git", bf.ALLOW),
        (FIREFOX_ANDROID, "/", bf.ALLOW),
        (FIREFOX_ANDROID, "/static/.Env", bf.BLOCK),
        (CHROME.upper(), "/", bf.ALLOW),  # the fast path is case-sensitive: this one goes through the patterns
        (CHROME.upper(), "/.ENV", bf.BLOCK),
        (CHROME + " ", "/app/.env.bak", bf.BLOCK),
        (OTHER_HUMANS[0], "/.env", bf.BLOCK),
        (OTHER_HUMANS[1], "/x/.env", bf.BLOCK),
        ("curl/8.5.0", "/", bf.BLOCK),
        (GPTBOT, "/", bf.BLOCK),
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


@pytest.fixture(scope="module")
def site_filter():
    """Exempt paths (exact and prefix) and reserved locations, as nginx_auth passes them."""
    return bf.build(
        patterns=SHARED_PATTERNS,
        probe_paths=["/backup.zip"],
        exempt_paths=["/health", ACME, "/public/"],
        reserved_locations=["/wp-admin", "/backup.zip", "/api/"],
    )


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        # Exempt paths: never blocked outside the fast path; "/health" exact, the others prefixes; case-sensitive.
        (GPTBOT, "/health", bf.ALLOW),
        (GPTBOT, "/health/", bf.BLOCK),
        (GPTBOT, "/healthz", bf.BLOCK),
        (GPTBOT, "/HEALTH", bf.BLOCK),
        (GPTBOT, "/x/health", bf.BLOCK),
        (GPTBOT, ACME + "token", bf.ALLOW),
        (GPTBOT, ACME, bf.ALLOW),
        (GPTBOT, ACME[:-1], bf.BLOCK),
        (GPTBOT, ACME.upper() + "token", bf.BLOCK),
        ("curl/8.5.0", ACME + "token", bf.ALLOW),
        ("", "/health", bf.ALLOW),
        (None, ACME + "token", bf.ALLOW),
        ("", "/", bf.BLOCK),
        (SAMSUNG, "/public/.env", bf.ALLOW),  # exempt: the probe anywhere in the path does not apply
        (GPTBOT, "/public/.git/config", bf.ALLOW),
        (GPTBOT, "/publicity", bf.BLOCK),
        (BINGBOT, "/", bf.LIMIT),
        (BINGBOT, "/health", bf.ALLOW),  # exempt: not rate-limited either
        (BINGBOT, "/.env", bf.BLOCK),
        (CHROME, "/health", bf.ALLOW),
        (CHROME, "/public/x", bf.ALLOW),
        # Reserved locations: no probe location of the server include; the fast path passes them.
        (CHROME, "/wp-admin/setup-config.php", bf.ALLOW),
        (CHROME, "/backup.zip", bf.ALLOW),
        (CHROME, "/wp-login.php", bf.BLOCK),
        (CHROME, "/.env", bf.BLOCK),
        (SAMSUNG, "/wp-admin/setup-config.php", bf.BLOCK),
        (SAMSUNG, "/backup.zip", bf.BLOCK),
        (SAMSUNG, "/x/BACKUP.zip", bf.BLOCK),
        (GPTBOT, "/wp-admin/", bf.BLOCK),
        (SAMSUNG, "/api/v1/chat", bf.ALLOW),  # reserved but not a probe path: nothing changes
    ],
)
def test_classify_with_exempt_paths_and_reserved_locations(site_filter, agent, uri, verdict):
    assert site_filter.classify(agent, uri) == verdict


def test_classify_with_limit(shared_filter):
    for agent, uri, verdict in [
        (BINGBOT, "/", bf.LIMIT),
        (BINGBOT, "/.env", bf.BLOCK),  # a probe wins over limit
        (GPTBOT, "/", bf.BLOCK),
        ("bingbot GPTBot", "/", bf.BLOCK),  # block wins over limit
        (CHROME, "/", bf.ALLOW),
        (CHROME, "/backup.zip", bf.BLOCK),
        (CHROME, "/x/backup.zip", bf.ALLOW),
        (SAMSUNG, "/x/backup.zip", bf.BLOCK),
        ("", "/", bf.BLOCK),
    ]:
        assert shared_filter.classify(agent, uri) == verdict, (agent, uri)


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
    flt = bf.build(builtin=False, patterns=patterns, builtin_probe_paths=False, fast_path=False)
    assert not bf.browser_matches(flt.entries)
    for item in CRAWLERS:
        for agent in item["instances"]:
            assert flt.classify(agent, "/") == bf.BLOCK, (item["pattern"], agent)
    for agent in BROWSERS:
        assert flt.classify(agent, "/") == bf.ALLOW


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
    text = bf.set_regex(wanted)
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
    text = bf.set_regex(strings)
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
    regex = re.compile(bf.set_regex(strings), re.ASCII)
    assert regex.groups == 0
    for string in list(strings) + others:
        assert bool(regex.fullmatch(string)) is (string in strings), string
    # Used inside a larger regex: the text must be one atom, so a suffix binds to every alternative.
    suffixed = re.compile("(?:" + bf.set_regex(strings) + ")!", re.ASCII)
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
    text = bf.family_regex(FAMILIES[label])
    regex = re.compile(text, re.ASCII)
    assert regex.groups == 0
    for agent in strings:
        assert regex.fullmatch(agent), agent
    listed = data.expand(FAMILIES[label])
    for agent in listed[:: max(1, len(listed) // 40)] + [listed[-1]]:
        for other in mutations(agent):
            assert bool(regex.fullmatch(other)) is (other in strings), other


def test_expand():
    parts = ("a", data.Slot(["1", "2"]), "-", data.Slot(["", "x", "y"]))
    assert data.expand(parts) == ["a1-", "a1-x", "a1-y", "a2-", "a2-x", "a2-y"]
    assert bf.family_regex(parts) == "a[12]-(?:[xy])?"
    assert data.Slot([1, "1", 2]).values == ("1", "2")


def test_fast_path_regex_fits_nginx(default_filter):
    text = default_filter.fast_path
    assert text.startswith("^(?:") and text.endswith(")$")
    assert text == "^(?:" + "|".join(regex for _label, regex in default_filter.fast_path_families) + ")$"
    assert re.compile(text).groups == 0  # $1..$9 of a regex location survive
    quoted = bf.nginx_string(text)
    assert len(quoted) <= bf.MAX_PARAMETER
    assert nginx_tokens(quoted) == [text]
    # A limit below it is refused with the way out.
    with pytest.raises(bf.BotFilterError) as exc:
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
        assert default_filter.classify(agent, "/") == bf.ALLOW


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
    assert not bf.browser_matches(flt.entries)
    pairs = [(entry.pattern, entry.regex) for entry in flt.entries]
    # Literals against every string, the ~300 real regexes against every 20th (all would take a minute).
    assert first_match(pairs, fast_path_strings(flt), step=20) is None
    for dropped in flt.fast_path_dropped:
        assert first_match(pairs, [dropped["user_agent"]]) is not None, dropped
    for item in crawleruseragents.CRAWLER_USER_AGENTS_DATA:
        for agent in item.get("instances", []):
            assert flt.classify(agent, "/") == bf.BLOCK, agent


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
            assert flt.classify(other, "/") == (action if search(other) else bf.ALLOW)
            assert flt.classify(other, "/app/.ENV") == bf.BLOCK
    # Sound: the families kept have no string the pattern matches.
    for agent in fast_path_strings(flt):
        assert not search(agent), agent
    assert bf.nginx_string(flt.fast_path) in flt.render_server()


def test_fast_path_off():
    flt = bf.build(fast_path=False)
    assert flt.fast_path == "" and flt.fast_path_families == [] and flt.fast_path_dropped == []
    counts = flt.counts
    assert (counts["fast_path_families"], counts["fast_path_dropped"], counts["fast_path_user_agents"]) == (0, 0, 0)
    assert not flt.in_fast_path(CHROME)
    assert flt.classify(CHROME, "/") == bf.ALLOW and flt.classify(GPTBOT, "/") == bf.BLOCK
    assert flt.classify(CHROME, "/app/.ENV.bak") == bf.BLOCK  # every request goes through the maps
    server = flt.render_server()
    assert "$http_user_agent" not in server and "break;" not in server
    assert "set $aiguard_bot_slow 1;\nif ($aiguard_bot_block) {\n    return 444;\n}\n" in server
    assert "map_hash" not in flt.render_http()


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
        (
            [("/.env", ""), ("/.git/", ""), ("/.aws/", ""), ("/.ssh/", "")],
            False,
            r"/\.(?=[aegs])(?:aws/|env|git/|ssh/)",
        ),
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
    flt = bf.build(
        builtin=False,
        patterns=[dict(name=str(i), pattern=lit) for i, lit in enumerate(literals)],
        builtin_probe_paths=False,
        fast_path=False,
        limit=limit,
    )
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
    patterns=st.lists(
        st.tuples(
            st.one_of(regexes(), st.text(alphabet="abc.", min_size=1, max_size=4)),
            st.booleans(),
            st.sampled_from(["block", "block", "limit"]),
        ),
        min_size=1,
        max_size=12,
    ),
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
    flt = bf.build(
        builtin=False, patterns=[dict(name=w, pattern=w) for w in words], builtin_probe_paths=False, fast_path=False
    )
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


def body_lines(text):
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_http_include_contract(default_filter):
    text = default_filter.render_http(snippet_dest="aiguard-bots.conf", server_snippet_dest="aiguard-bots-server.conf")
    assert text.startswith(f"# {bf.GENERATED_BY}\n")
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
    assert text.startswith(f"# {bf.GENERATED_BY}\n") and text.endswith("\n")
    assert "# server-level include: put it at the end of the server block" in text
    assert "# Needs the http-level include aiguard-bots.conf." in text
    assert "# Needs aiguard-bots-location.conf in every location to filter, for rate limits." in text
    fast = [f"if ($http_user_agent ~ {bf.nginx_string(flt.fast_path)}) {{", "    break;", "}"]
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
    assert nginx_server(flt).classify(SAMSUNG, "/.env") == bf.ALLOW


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
    assert text.startswith(f"# {bf.GENERATED_BY}\n")
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
    with pytest.raises(bf.BotFilterError) as exc:
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
        agents += listed[::700] + [listed[-1]]
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
            assert got_status == (status if verdict == bf.BLOCK else None)
            # A request in the fast path never looks at the maps of the http include but the limit key's.
            if flt.in_fast_path(agent):
                assert request["#evaluated"] <= {"$aiguard_bot_limit_key", "$aiguard_bot_slow"}, request
            else:
                assert request["$aiguard_bot_slow"] == "1"
            seen.add(verdict)
    for agent in CRAWLER_AGENTS:
        for uri in ("/", "/.env", ACME + "t"):
            assert server.classify(agent, uri) == flt.classify(agent, uri), (agent, uri)
    assert seen == {bf.ALLOW, bf.BLOCK, bf.LIMIT}


@pytest.mark.parametrize(
    ("agent", "uri", "verdict"),
    [
        (CHROME, "/", bf.ALLOW),
        (CHROME, "/.env", bf.BLOCK),
        (CHROME, "/.ENV", bf.ALLOW),
        (SAMSUNG, "/.ENV", bf.BLOCK),
        (SAMSUNG, "/", bf.ALLOW),
        (GPTBOT, "/", bf.BLOCK),
        (BINGBOT, "/", bf.LIMIT),
        (BINGBOT, "/.git/HEAD", bf.BLOCK),
        ("", "/", bf.BLOCK),
        (None, "/", bf.BLOCK),
    ],
)
def test_nginx_text_verdicts(shared_filter, agent, uri, verdict):
    assert nginx_server(shared_filter).classify(agent, uri) == verdict
    if not shared_filter.in_fast_path(agent):  # the maps alone decide the others
        assert NginxMaps(shared_filter.render_http()).classify(agent, uri) == verdict


def test_limit_applies_only_where_the_location_include_is(shared_filter):
    locations = (("", "/", True), ("^~", "/open/", False))
    server = nginx_server(shared_filter, server_locations=locations)
    assert server.classify(BINGBOT, "/x") == bf.LIMIT
    assert server.classify(BINGBOT, "/open/x") == bf.ALLOW
    assert server.classify(GPTBOT, "/open/x") == bf.BLOCK  # the server include blocks in every location


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
    assert server.classify(agent, "/actuator/health") == flt.classify(agent, "/actuator/health") == bf.ALLOW
    assert server.classify(agent, "/actuator/env") == flt.classify(agent, "/actuator/env") == bf.BLOCK
