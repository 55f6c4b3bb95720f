# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Curated data of the bot_filter module: bots, probe paths and browsers.

Only data lives here; botfilter.py holds the logic. Every user-agent pattern
is matched case-insensitively anywhere in the User-Agent header, so a literal
``Googlebot`` also covers ``Googlebot-Image/1.0``.

Left out on purpose: ``Google-Extended`` and ``Applebot-Extended`` are
robots.txt product tokens only; no request ever carries them in its
User-Agent (Google and Apple fetch with Googlebot and Applebot).
"""

from __future__ import annotations

# (name, pattern, regex, category). Names are what ``allow`` refers to.
BUILTIN_PATTERNS = (
    # Search engines and SEO crawlers that AI-proxy hardening guides block.
    ("360Spider", "360Spider", False, "search"),
    ("Baiduspider", "Baiduspider", False, "search"),
    # The Sogou crawlers ("Sogou web spider", "Sogou Pic Spider",
    # "Sogou-Test-Spider", ...), not the Sogou mobile browser.
    ("Sogou", r"Sogou[ a-z-]{0,16}spider", True, "search"),
    ("YoudaoBot", "YoudaoBot", False, "search"),
    ("bingbot", "bingbot", False, "search"),
    ("msnbot", "msnbot", False, "search"),
    ("Googlebot", "Googlebot", False, "search"),
    ("GoogleOther", "GoogleOther", False, "search"),
    ("YandexBot", "YandexBot", False, "search"),
    ("PetalBot", "PetalBot", False, "search"),
    ("ia_archiver", "ia_archiver", False, "archive"),
    ("archive.org_bot", "archive.org_bot", False, "archive"),
    ("MJ12bot", "MJ12bot", False, "seo"),
    ("AhrefsBot", "AhrefsBot", False, "seo"),
    ("AhrefsSiteAudit", "AhrefsSiteAudit", False, "seo"),
    ("SemrushBot", "SemrushBot", False, "seo"),
    ("DotBot", "DotBot", False, "seo"),
    ("BLEXBot", "BLEXBot", False, "seo"),
    ("DataForSeoBot", "DataForSeoBot", False, "seo"),
    ("serpstatbot", "serpstatbot", False, "seo"),
    # AI crawlers, AI assistants fetching on a user's behalf, training-data
    # scrapers.
    ("GPTBot", "GPTBot", False, "ai"),
    ("ChatGPT-User", "ChatGPT-User", False, "ai"),
    ("OAI-SearchBot", "OAI-SearchBot", False, "ai"),
    ("ClaudeBot", "ClaudeBot", False, "ai"),
    ("Claude-Web", "Claude-Web", False, "ai"),
    ("Claude-User", "Claude-User", False, "ai"),
    ("Claude-SearchBot", "Claude-SearchBot", False, "ai"),
    ("anthropic-ai", "anthropic-ai", False, "ai"),
    ("CCBot", "CCBot", False, "ai"),
    ("Bytespider", "Bytespider", False, "ai"),
    ("PerplexityBot", "PerplexityBot", False, "ai"),
    ("Perplexity-User", "Perplexity-User", False, "ai"),
    ("Amazonbot", "Amazonbot", False, "ai"),
    ("Applebot", "Applebot", False, "ai"),
    ("meta-externalagent", "meta-externalagent", False, "ai"),
    ("meta-externalfetcher", "meta-externalfetcher", False, "ai"),
    ("FacebookBot", "FacebookBot", False, "ai"),
    ("Google-CloudVertexBot", "Google-CloudVertexBot", False, "ai"),
    ("MistralAI-User", "MistralAI-User", False, "ai"),
    ("DuckAssistBot", "DuckAssistBot", False, "ai"),
    ("cohere-ai", "cohere-ai", False, "ai"),
    ("cohere-training-data-crawler", "cohere-training-data-crawler", False, "ai"),
    ("Diffbot", "Diffbot", False, "ai"),
    ("YouBot", "YouBot", False, "ai"),
    ("Timpibot", "Timpibot", False, "ai"),
    ("ImagesiftBot", "ImagesiftBot", False, "ai"),
    ("AI2Bot", "AI2Bot", False, "ai"),
    ("Kangaroo Bot", "Kangaroo Bot", False, "ai"),
    ("omgili", "omgili", False, "ai"),
    ("img2dataset", "img2dataset", False, "ai"),
    ("Scrapy", "Scrapy", False, "ai"),
    # Scripts, HTTP libraries and scanners. An API proxy called by scripts
    # needs some of these allowed (for example allow: [curl, python-requests]).
    ("curl", "curl/", False, "scanner"),
    ("wget", "Wget", False, "scanner"),
    ("python-requests", "python-requests", False, "scanner"),
    ("Python-urllib", "Python-urllib", False, "scanner"),
    ("python-httpx", "python-httpx", False, "scanner"),
    ("aiohttp", "aiohttp", False, "scanner"),
    ("Go-http-client", "Go-http-client", False, "scanner"),
    ("Java", "Java/", False, "scanner"),
    ("libwww-perl", "libwww-perl", False, "scanner"),
    ("zgrab", "zgrab", False, "scanner"),
    ("masscan", "masscan", False, "scanner"),
    ("Nmap", "Nmap Scripting Engine", False, "scanner"),
    ("Nikto", "Nikto", False, "scanner"),
    ("sqlmap", "sqlmap", False, "scanner"),
    ("Nuclei", "Nuclei", False, "scanner"),
    ("WPScan", "WPScan", False, "scanner"),
    ("CensysInspect", "CensysInspect", False, "scanner"),
    ("Expanse", "Expanse, a Palo Alto Networks company", False, "scanner"),
    ("l9explore", "l9explore", False, "scanner"),
    ("ZmEu", "ZmEu", False, "scanner"),
)

# Paths that only vulnerability scanners ask an AI web app for. Matched
# case-insensitively anywhere in the normalized request path ($uri), so
# "/.env" also catches "/app/.env" and "/.env.bak". None of them is a route
# of Gradio, an OpenAI-style API or a Midjourney proxy.
BUILTIN_PROBE_PATHS = (
    "/.env",
    "/.git/",
    "/.svn/",
    "/.hg/",
    "/.aws/",
    "/.ssh/",
    "/.docker/",
    "/.kube/",
    "/.vscode/",
    "/.idea/",
    "/.DS_Store",
    "/.htaccess",
    "/.htpasswd",
    "/.bash_history",
    "/wp-login.php",
    "/wp-admin",
    "/wp-content/",
    "/wp-includes/",
    "/wp-config",
    "/xmlrpc.php",
    "/phpmyadmin",
    "/phpinfo.php",
    "/config.php",
    "/vendor/phpunit",
    "/cgi-bin/",
    "/server-status",
    "/server-info",
    "/actuator",
    "/_ignition/",
    "/telescope/",
    "/manager/html",
    "/boaform/",
    "/HNAP1",
    "/owa/",
    "/autodiscover/",
    "/containers/json",
    "/etc/passwd",
    "/docker-compose.yml",
)

# Real User-Agent strings of current mainstream browsers, desktop and mobile,
# in the forms the browsers send since Chrome's and Firefox's user-agent
# reduction (fixed platform strings, MINOR.BUILD.PATCH zeroed in Chrome).
# No resulting pattern may match any of them unless allow_browser_matches.
BROWSER_USER_AGENTS = (
    (
        "Chrome 142 on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
        " Safari/537.36",
    ),
    (
        "Chrome 142 on macOS",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
        " Safari/537.36",
    ),
    (
        "Chrome 142 on Linux",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    ),
    (
        "Chrome 142 on ChromeOS",
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
        " Safari/537.36",
    ),
    (
        "Chrome 142 on Android",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
        " Mobile Safari/537.36",
    ),
    (
        "Chrome 142 on an Android tablet",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    ),
    (
        "Chrome 142 on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        " CriOS/142.0.7444.77 Mobile/15E148 Safari/604.1",
    ),
    (
        "Chrome 131 on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0"
        " Safari/537.36",
    ),
    (
        "Edge 142 on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
        " Safari/537.36 Edg/142.0.0.0",
    ),
    (
        "Edge 142 on macOS",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
        " Safari/537.36 Edg/142.0.0.0",
    ),
    (
        "Edge 142 on Android",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
        " Mobile Safari/537.36 EdgA/142.0.0.0",
    ),
    (
        "Edge 142 on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0"
        " EdgiOS/142.3595.66 Mobile/15E148 Safari/605.1.15",
    ),
    ("Firefox 145 on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0"),
    ("Firefox 145 on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:145.0) Gecko/20100101 Firefox/145.0"),
    ("Firefox 145 on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0"),
    ("Firefox 145 on Ubuntu", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0"),
    ("Firefox ESR 140 on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"),
    ("Firefox 145 on Android", "Mozilla/5.0 (Android 15; Mobile; rv:145.0) Gecko/145.0 Firefox/145.0"),
    (
        "Firefox 145 on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/145.0"
        " Mobile/15E148 Safari/605.1.15",
    ),
    (
        "Safari 26 on macOS",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0"
        " Safari/605.1.15",
    ),
    (
        "Safari 18.6 on macOS",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6"
        " Safari/605.1.15",
    ),
    (
        "Safari 26 on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0"
        " Mobile/15E148 Safari/604.1",
    ),
    (
        "Safari 18.6 on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6"
        " Mobile/15E148 Safari/604.1",
    ),
    (
        "Safari 17.6 on iPad",
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6"
        " Mobile/15E148 Safari/604.1",
    ),
    (
        "Opera 124 on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0"
        " Safari/537.36 OPR/124.0.0.0",
    ),
    (
        "Opera 124 on macOS",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0"
        " Safari/537.36 OPR/124.0.0.0",
    ),
    (
        "Opera 92 on Android",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0"
        " Mobile Safari/537.36 OPR/92.0.0.0",
    ),
    (
        "Samsung Internet 29 on Android",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0 Chrome/136.0.0.0"
        " Mobile Safari/537.36",
    ),
    (
        "Samsung Internet 27 on a Galaxy S24 Ultra",
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0"
        " Chrome/125.0.0.0 Mobile Safari/537.36",
    ),
    (
        "Samsung Internet 28 in desktop mode",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0"
        " Safari/537.36",
    ),
)

# The fast path: the User-Agent strings of the commonest browsers over a
# window of versions, as one anchored regex that nginx runs (JIT-compiled)
# before anything else. Each family is a sequence of parts: a literal, or a
# Slot, a finite set of strings. The regex of a family matches exactly the
# strings of the product of its parts, so the set it accepts can be listed
# and checked against every pattern (botfilter drops a family any pattern
# matches). A browser outside it (older or newer, or another shape) goes
# through the patterns and is classified the same way, only with more work.
CHROMIUM_MAJORS = range(125, 166)
FIREFOX_MAJORS = range(128, 166)
FIREFOX_ESR_MAJORS = (115,)
SAFARI_VERSIONS = tuple(
    f"{major}.{minor}{patch}" for major in (17, 18, 26, 27) for minor in range(7) for patch in ("", ".1")
)
# iOS 26 and later freeze the OS version in the User-Agent at 18_6.
IOS_VERSIONS = tuple(
    dict.fromkeys(
        ["18_6"] + [version.replace(".", "_") for version in SAFARI_VERSIONS if int(version.split(".")[0]) < 26]
    )
)
_CHROME_PLATFORMS = (
    "Windows NT 10.0; Win64; x64",
    "Macintosh; Intel Mac OS X 10_15_7",
    "X11; Linux x86_64",
)
_FIREFOX_PLATFORMS = (
    "Windows NT 10.0; Win64; x64",
    "Macintosh; Intel Mac OS X 10.15",
    "X11; Linux x86_64",
    "X11; Ubuntu; Linux x86_64",
)


class Slot:
    """A finite set of strings at one place of a fast-path family."""

    def __init__(self, values):
        self.values = tuple(dict.fromkeys(str(value) for value in values))


def _versions(majors, suffix):
    return Slot(f"{major}{suffix}" for major in majors)


def _optional(*parts):
    """A Slot holding nothing or the product of ``parts``."""
    return Slot(("", *expand(parts)))


def expand(parts):
    """Every string of a family, in order."""
    strings = [""]
    for part in parts:
        values = part.values if isinstance(part, Slot) else (part,)
        strings = [head + value for head in strings for value in values]
    return strings


_CHROMIUM = _versions(CHROMIUM_MAJORS, ".0.0.0")
_FIREFOX = _versions((*FIREFOX_ESR_MAJORS, *FIREFOX_MAJORS), ".0")

FAST_PATH_FAMILIES = (
    (
        "Chrome and Edge on Windows, macOS and Linux",
        (
            "Mozilla/5.0 (",
            Slot(_CHROME_PLATFORMS),
            ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/",
            _CHROMIUM,
            " Safari/537.36",
            _optional(" Edg/", _CHROMIUM),
        ),
    ),
    (
        "Chrome and Edge on Android",
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/",
            _CHROMIUM,
            " Mobile Safari/537.36",
            _optional(" EdgA/", _CHROMIUM),
        ),
    ),
    (
        "Firefox on Windows, macOS and Linux",
        (
            "Mozilla/5.0 (",
            Slot(_FIREFOX_PLATFORMS),
            "; rv:",
            _FIREFOX,
            ") Gecko/20100101 Firefox/",
            _FIREFOX,
        ),
    ),
    (
        "Safari on macOS",
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/",
            Slot(SAFARI_VERSIONS),
            " Safari/605.1.15",
        ),
    ),
    (
        "Safari on iPhone",
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS ",
            Slot(IOS_VERSIONS),
            " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/",
            Slot(SAFARI_VERSIONS),
            " Mobile/15E148 Safari/604.1",
        ),
    ),
)
