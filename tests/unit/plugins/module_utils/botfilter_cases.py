# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real inputs of the bot filter tests, and the semantics spelled out one pattern at a time.

Real user agents come from botfilter_data.BROWSER_USER_AGENTS and from the
crawler-user-agents excerpt (see fixtures/botfilter/README.md).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter_data as data
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW, BLOCK, LIMIT

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
OPERA_ANDROID = LABELED["Opera 92 on Android"]

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

# A real browser the catalog blocks: its name 'Sogou' (search) starts a word of it.
SOGOU_BROWSER = (
    "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 SogouMobileBrowser/5.22.8"
)
# A real browser in the "any version" Chrome family (it was outside the old window).
CHROME_109 = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36"
)

# Real user agents that are neither bots nor in the fast path.
OTHER_HUMANS = [
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


BROWSER_FILE = json.loads((Path(__file__).resolve().parents[2] / "data" / "botfilter" / "browsers.json").read_text())
NPM_BROWSERS = BROWSER_FILE["user_agents"]

# Where a built-in name may start, spelled out apart from botfilter.TOKEN_START.
TOKEN_START_CHARS = " ()[];,+/_.:='\"-~"


def part_regex(part):
    """A family part as a regex, built here from the data (not by botfilter_fastpath)."""
    if isinstance(part, data.Digits):
        return f"[0-9]{{{part.min_len},{part.max_len}}}"
    if isinstance(part, data.Slot):
        return "(?:" + "|".join(re.escape(value) for value in part.values) + ")"
    if isinstance(part, data.Choice):
        return "(?:" + "|".join("".join(map(part_regex, alt)) for alt in part.alternatives) + ")"
    if isinstance(part, data.Free):
        return "(?:; [" + part.CHARS + "]{1," + str(part.MAX_LEN) + "}(?:; wv)?\\))"
    return re.escape(part)


@functools.cache
def family_matcher(label):
    """fullmatch of the strings of a fast-path family, digit runs of any allowed length included."""
    return re.compile("".join(part_regex(part) for part in FAMILIES[label]), re.ASCII).fullmatch


def in_family(label, agent):
    return agent is not None and family_matcher(label)(agent) is not None


class FastSet:
    """The user agents of the families a filter kept, as a set for ``reference``: listed and digit runs."""

    def __init__(self, flt):
        self.labels = [label for label, _regex in flt.fast_path_families]

    def __bool__(self):
        return bool(self.labels)

    def __contains__(self, agent):
        return any(in_family(label, agent) for label in self.labels)


# The generic markers match anywhere; every other built-in name at the start of a word.
MARKER_NAMES = frozenset(name for name, _pattern, _regex in data.GENERIC_MARKERS)


def token_started(text, start):
    return start == 0 or text[start - 1] in TOKEN_START_CHARS


@functools.cache
def family_set(label):
    """The user agents of a fast-path family, listed from the data."""
    strings = data.expand(FAMILIES[label])
    assert len(set(strings)) == len(strings), f"{label}: the same user agent twice"
    return frozenset(strings)


def fast_path_strings(flt):
    """Every user agent of the families ``flt`` kept, listed from the data, not from its regex.

    A family with Digits runs gives its samples (the runs are checked by can_contain)."""
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


class _Reference:
    """The user-agent actions of ``entries``, one pattern at a time; built-in names at the start of a word."""

    def __init__(self, entries):
        self.literals, self.regexes = [], []
        for entry in entries:
            at_token = entry.get("source") == "builtin" and entry["name"] not in MARKER_NAMES
            action = entry.get("action", BLOCK)
            if entry.get("regex") and set(entry["pattern"]) & REGEX_META:
                text = entry["pattern"]
                if at_token:
                    text = "(?:^|(?<=[" + re.escape(TOKEN_START_CHARS) + "]))(?:" + text + ")"
                self.regexes.append((re.compile(text, FLAGS), action))
            else:
                self.literals.append((entry["pattern"].lower(), at_token, action))
        self.cache = {}

    def actions(self, user_agent):
        if user_agent not in self.cache:
            lowered, found = user_agent.lower(), set()
            for literal, at_token, action in self.literals:
                start = lowered.find(literal)
                while start >= 0 and at_token and not token_started(lowered, start):
                    start = lowered.find(literal, start + 1)
                if start >= 0:
                    found.add(action)
            for regex, action in self.regexes:
                if action not in found and regex.search(user_agent):
                    found.add(action)
            self.cache[user_agent] = found
        return self.cache[user_agent]


_REFERENCES = {}


def reference(entries, probe_paths, user_agent, uri, fast=(), exempt=(), locations=None):
    """The semantics, spelled out one pattern at a time from the raw inputs.

    ``fast`` is the set of user agents in the fast path, ``exempt`` the exempt
    paths, ``locations`` the probe paths with a prefix location (default: all).
    Built-in names (source builtin, category not generic) match at the start
    of the user agent or after one of TOKEN_START_CHARS only.
    """
    locations = probe_paths if locations is None else locations
    if user_agent and user_agent in fast:
        return BLOCK if any(uri.startswith(path) for path in locations) else ALLOW
    if any(uri == path or (path.endswith("/") and uri.startswith(path)) for path in exempt):
        return ALLOW
    if not user_agent:
        return BLOCK
    key = repr(entries)
    if key not in _REFERENCES:
        _REFERENCES.clear()
        _REFERENCES[key] = _Reference(entries)
    actions = _REFERENCES[key].actions(user_agent)
    if BLOCK in actions or any(path.lower() in uri.lower() for path in probe_paths):
        return BLOCK
    return LIMIT if LIMIT in actions else ALLOW
