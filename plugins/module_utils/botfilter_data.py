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
    ("Chrome 142 on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"),
    ("Chrome 142 on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"),
    ("Chrome 142 on Linux",
     "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"),
    ("Chrome 142 on ChromeOS",
     "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"),
    ("Chrome 142 on Android",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36"),
    ("Chrome 142 on an Android tablet",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"),
    ("Chrome 142 on iPhone",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/142.0.7444.77"
     " Mobile/15E148 Safari/604.1"),
    ("Chrome 131 on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    ("Edge 142 on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
     " Edg/142.0.0.0"),
    ("Edge 142 on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0"
     " Safari/537.36 Edg/142.0.0.0"),
    ("Edge 142 on Android",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36"
     " EdgA/142.0.0.0"),
    ("Edge 142 on iPhone",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0"
     " EdgiOS/142.3595.66 Mobile/15E148 Safari/605.1.15"),
    ("Firefox 145 on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0"),
    ("Firefox 145 on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:145.0) Gecko/20100101 Firefox/145.0"),
    ("Firefox 145 on Linux",
     "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0"),
    ("Firefox 145 on Ubuntu",
     "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0"),
    ("Firefox ESR 140 on Linux",
     "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"),
    ("Firefox 145 on Android",
     "Mozilla/5.0 (Android 15; Mobile; rv:145.0) Gecko/145.0 Firefox/145.0"),
    ("Firefox 145 on iPhone",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/145.0"
     " Mobile/15E148 Safari/605.1.15"),
    ("Safari 26 on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0"
     " Safari/605.1.15"),
    ("Safari 18.6 on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6"
     " Safari/605.1.15"),
    ("Safari 26 on iPhone",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0"
     " Mobile/15E148 Safari/604.1"),
    ("Safari 18.6 on iPhone",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6"
     " Mobile/15E148 Safari/604.1"),
    ("Safari 17.6 on iPad",
     "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6"
     " Mobile/15E148 Safari/604.1"),
    ("Opera 124 on Windows",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
     " OPR/124.0.0.0"),
    ("Opera 124 on macOS",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0"
     " Safari/537.36 OPR/124.0.0.0"),
    ("Opera 92 on Android",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36"
     " OPR/92.0.0.0"),
    ("Samsung Internet 29 on Android",
     "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0 Chrome/136.0.0.0"
     " Mobile Safari/537.36"),
    ("Samsung Internet 27 on a Galaxy S24 Ultra",
     "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0"
     " Chrome/125.0.0.0 Mobile Safari/537.36"),
    ("Samsung Internet 28 in desktop mode",
     "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0"
     " Safari/537.36"),
)

# The fast path: exact User-Agent strings of the commonest browsers over a
# window of versions, looked up in nginx's map hash before any regex runs.
# A browser outside it (older or newer, or another shape) takes the regex
# path and is classified the same way, only with more work.
CHROMIUM_MAJORS = range(125, 166)
FIREFOX_MAJORS = range(128, 166)
FIREFOX_ESR_MAJORS = (115,)
SAFARI_VERSIONS = tuple(
    f"{major}.{minor}{patch}"
    for major in (17, 18, 26, 27)
    for minor in range(7)
    for patch in ("", ".1")
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
_CHROME = "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
_CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Mobile Safari/537.36"
_FIREFOX = "Mozilla/5.0 ({platform}; rv:{major}.0) Gecko/20100101 Firefox/{major}.0"
_FIREFOX_ANDROID = "Mozilla/5.0 (Android {android}; Mobile; rv:{major}.0) Gecko/{major}.0 Firefox/{major}.0"
_SAFARI_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{version} Safari/605.1.15"
_SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS {os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
                  " Version/{version} Mobile/15E148 Safari/604.1")


def fast_path_candidates():
    """The fast-path User-Agent strings, before filtering against patterns.

    botfilter drops any of them that a resulting pattern matches, so the
    fast path can never allow what the patterns would block.
    """
    agents = []
    for major in CHROMIUM_MAJORS:
        for platform in _CHROME_PLATFORMS:
            agents.append(_CHROME.format(platform=platform, major=major))
            agents.append(_CHROME.format(platform=platform, major=major) + f" Edg/{major}.0.0.0")
        agents.append(_CHROME_ANDROID.format(major=major))
        agents.append(_CHROME_ANDROID.format(major=major) + f" EdgA/{major}.0.0.0")
    for major in (*FIREFOX_ESR_MAJORS, *FIREFOX_MAJORS):
        for platform in _FIREFOX_PLATFORMS:
            agents.append(_FIREFOX.format(platform=platform, major=major))
        for android in (14, 15, 16):
            agents.append(_FIREFOX_ANDROID.format(android=android, major=major))
    for version in SAFARI_VERSIONS:
        agents.append(_SAFARI_MAC.format(version=version))
        # iOS 26 and later freeze the OS version in the User-Agent at 18_6.
        ios = "18_6" if int(version.split(".")[0]) >= 26 else version.replace(".", "_")
        agents.append(_SAFARI_IPHONE.format(os=ios, version=version))
    return agents
