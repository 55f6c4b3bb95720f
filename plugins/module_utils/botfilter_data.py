# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Curated data of the bot_filter module: the collection's own patterns, probe paths and browsers.

Only data lives here; botfilter.py holds the logic. The lists compiled from
public sources are in botfilter_catalog (``make bot-data``); this file holds
what the collection adds to them (PROJECT_PATTERNS, GENERIC_MARKERS), the
probe paths, the browsers no pattern may match and the fast-path families.
Patterns are matched case-insensitively; a literal ``Googlebot`` also covers
``Googlebot-Image/1.0``.
"""

from __future__ import annotations

# The project's own additions to the generated catalog (botfilter_catalog,
# written by scripts/bot-data.py from public lists): scanners, HTTP
# libraries, browser automation and AI agents those lists miss. Same shape
# (name, pattern, regex, category) and categories as the catalog. Only what the catalog lacks belongs here
# (the unit tests refuse a name or pattern the catalog already has): the
# catalog already holds zgrab, masscan, Nmap Scripting Engine, Nikto, sqlmap,
# WPScan, CensysInspect/, Expanse, l9explore, ZmEu, curl, Wget,
# python-requests, Python-urllib, httpx, aiohttp, Go-http-client,
# libwww-perl, okhttp, axios, node-fetch, Apache-HttpClient, HeadlessChrome,
# PhantomJS, Selenium, Puppeteer and Playwright.
PROJECT_PATTERNS = (
    # Scanners.
    ("Nuclei", "Nuclei", False, "scanner"),
    # Mirai-style IoT scanners send exactly this.
    ("Hello, world", "Hello, world", False, "scanner"),
    # HTTP libraries and command-line clients.
    ("Java", "Java/", False, "library"),
    ("undici", "undici", False, "library"),
    ("Dart", "Dart/", False, "library"),
    ("reqwest", "reqwest", False, "library"),
    ("libcurl", "libcurl", False, "library"),
    ("Faraday", "Faraday v", False, "library"),
    ("GuzzleHttp", "GuzzleHttp", False, "library"),
    ("RestSharp", "RestSharp", False, "library"),
    ("Typhoeus", "Typhoeus", False, "library"),
    ("http.rb", "http.rb/", False, "library"),
    ("Deno", "Deno/", False, "library"),
    ("Bun", "Bun/", False, "library"),
    ("WinHttp", "WinHttp", False, "library"),
    ("PostmanRuntime", "PostmanRuntime", False, "library"),
    ("insomnia", "insomnia/", False, "library"),
    ("fasthttp", "fasthttp", False, "library"),
    ("Go-resty", "Go-resty", False, "library"),
    ("node-superagent", "node-superagent", False, "library"),
    ("lua-resty-http", "lua-resty-http", False, "library"),
    ("Mojolicious", "Mojolicious", False, "library"),
    ("aria2", "aria2/", False, "library"),
    ("Commons-HttpClient", "Commons-HttpClient", False, "library"),
    ("Apache-HttpAsyncClient", "Apache-HttpAsyncClient", False, "library"),
    # Browser automation.
    ("Cypress", "Cypress/", False, "automation"),
    ("jsdom", "jsdom/", False, "automation"),
)

# Generic markers for the ``private`` policy: a few short patterns that
# catch the long tail of crawlers no list names (a crawler that leaves its
# contact URL or address, or calls itself a bot, crawler, spider, scraper or
# fetcher). Each matches none of BROWSER_USER_AGENTS, TRAP_USER_AGENTS and
# the browser set of the unit tests. "bot" skips the CUBOT phones.
# (name, pattern, regex).
GENERIC_MARKERS = (
    ("generic-url", "://", False),
    ("generic-bot", r"(?<!cu)bot", True),
    ("generic-crawl", "crawl", False),
    ("generic-spider", "spider", False),
    ("generic-scrap", "scrap", False),
    ("generic-fetch", "fetch", False),
    ("generic-headless", "headless", False),
    ("generic-email", r"@[a-z0-9-]+\.[a-z]", True),
    ("generic-python", "python", False),
    ("generic-java", "java/", False),
    ("generic-perl", "perl", False),
    ("generic-ruby", "ruby", False),
    ("generic-libwww", "libwww", False),
    ("generic-http-client", "http-?client", True),
)

# The category a generic marker gives a drop: the markers of HTTP libraries
# and script languages say "library" (what a site's bot_libraries_with_auth
# lets through with credentials), the others "generic".
MARKER_CATEGORIES = {
    "generic-python": "library",
    "generic-java": "library",
    "generic-perl": "library",
    "generic-ruby": "library",
    "generic-libwww": "library",
    "generic-http-client": "library",
}

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

# Real User-Agent strings that naive bot patterns get wrong: phones whose
# model name contains "bot", in-app browsers with odd product tokens, old
# Internet Explorer with SLCC and .NET CLR tokens, and browsers outside the
# big four. No built-in pattern or generic marker may match any of them.
TRAP_USER_AGENTS = (
    (
        # Its name starts a word, like the Sogou crawlers' does.
        "Sogou Mobile Browser on Android",
        "Mozilla/5.0 (Linux; Android 12; V2172A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 SogouMobileBrowser/5.22.8",
    ),
    (
        "Chrome on a CUBOT X30",
        "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0"
        " Mobile Safari/537.36",
    ),
    (
        "Chrome on a CUBOT P30",
        "Mozilla/5.0 (Linux; Android 9; CUBOT P30 Build/PPR1.180610.011) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/83.0.4103.106 Mobile Safari/537.36",
    ),
    (
        "Android browser on a CUBOT GT99",
        "Mozilla/5.0 (Linux; U; Android 4.4.2; en-us; CUBOT GT99 Build/KOT49H) AppleWebKit/534.30 (KHTML, like Gecko)"
        " Version/4.0 Mobile Safari/534.30",
    ),
    (
        "Instagram on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        " Instagram 337.0.3.23.54 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00; 1170x2532; 612290409)",
    ),
    (
        "Instagram on Android",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 Instagram 330.0.0.40.92 Android (34/14; 480dpi;"
        " 1080x2340; samsung; SM-S918B; dm3q; qcom; en_US; 596227410)",
    ),
    (
        "Facebook on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        " Mobile/15E148 [FBAN/FBIOS;FBAV/460.0.0.38.108;FBBV/577315553;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;"
        "FBSV/17.4.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/579624480]",
    ),
    (
        "Facebook on Android",
        "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Version/4.0 Chrome/116.0.5845.163 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/432.0.0.29.102;]",
    ),
    (
        "LINE on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        " Safari Line/14.9.0",
    ),
    (
        "WeChat on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        " MicroMessenger/8.0.49(0x18003130) NetType/WIFI Language/zh_CN",
    ),
    (
        "WeChat on Android",
        "Mozilla/5.0 (Linux; Android 12; V2134A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230202 MMWEBID/2586"
        " MicroMessenger/8.0.33.2320(0x28002151) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
    ),
    (
        "TikTok on Android",
        "Mozilla/5.0 (Linux; Android 12; SM-A525F Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 trill_320105 JsSdk/1.0 NetType/WIFI"
        " Channel/googleplay AppName/musical_ly app_version/32.1.5 ByteLocale/en ByteFullLocale/en Region/US"
        " AppId/1233 Spark/1.4.6.3-bugfix AppVersion/32.1.5 BytedanceWebview/d8a21c6",
    ),
    (
        "TikTok on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        " musical_ly_34.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US isDarkMode/0"
        " WKWebView/1 RevealType/Dialog BytedanceWebview/d8a21c6 FalconTag/",
    ),
    (
        "Snapchat on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        " Snapchat/13.10.0.38 (like Safari/8617.2.4.10.8, panda)",
    ),
    (
        "Pinterest on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        " [Pinterest/iOS]",
    ),
    (
        "Pinterest on Android",
        "Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 [Pinterest/Android]",
    ),
    (
        "Twitter (X) on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
        " Twitter for iPhone/10.48",
    ),
    (
        "Twitter (X) on Android",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Version/4.0 Chrome/125.0.6422.53 Mobile Safari/537.36 TwitterAndroid",
    ),
    (
        "Internet Explorer 8 on Windows 7",
        "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; WOW64; Trident/4.0; SLCC2; .NET CLR 2.0.50727;"
        " .NET CLR 3.5.30729; .NET CLR 3.0.30729; Media Center PC 6.0; .NET4.0C; .NET4.0E)",
    ),
    (
        "Internet Explorer 9 on Windows 7",
        "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0; SLCC2; .NET CLR 2.0.50727;"
        " .NET CLR 3.5.30729; .NET CLR 3.0.30729; Media Center PC 6.0)",
    ),
    (
        "Internet Explorer 11 on Windows 7",
        "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; SLCC2; .NET CLR 2.0.50727; .NET CLR 3.5.30729;"
        " .NET CLR 3.0.30729; Media Center PC 6.0; .NET4.0C; .NET4.0E; rv:11.0) like Gecko",
    ),
    ("Opera 12 (Presto) on Windows", "Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18"),
    (
        "Opera Mini on Android",
        "Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16",
    ),
    (
        "Opera 110 on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0"
        " Safari/537.36 OPR/110.0.0.0 (Edition std-1)",
    ),
    (
        "Samsung Internet 25 on a Galaxy A54",
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0"
        " Chrome/121.0.0.0 Mobile Safari/537.36",
    ),
    (
        "Yandex Browser on Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0"
        " YaBrowser/24.6.0.0 Safari/537.36",
    ),
    (
        "Yandex Browser on Android",
        "Mozilla/5.0 (Linux; arm_64; Android 13; SM-A525F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0"
        " YaBrowser/24.6.1.74.00 SA/3 Mobile Safari/537.36",
    ),
    (
        "UC Browser on Android",
        "Mozilla/5.0 (Linux; U; Android 10; en-US; RMX2185 Build/QP1A.190711.020) AppleWebKit/537.36"
        " (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/13.4.0.1306 Mobile Safari/537.36",
    ),
    (
        "Huawei Browser on HarmonyOS",
        "Mozilla/5.0 (Linux; Android 10; HarmonyOS; ELS-NX9; HMSCore 6.13.0.302) AppleWebKit/537.36"
        " (KHTML, like Gecko) Chrome/114.0.5735.196 HuaweiBrowser/14.0.5.302 Mobile Safari/537.36",
    ),
    (
        "Silk on a Fire tablet",
        "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.2.1"
        " like Chrome/124.0.6367.179 Safari/537.36",
    ),
    (
        "Silk in desktop mode",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.2.1"
        " like Chrome/124.0.6367.179 Safari/537.36",
    ),
    (
        "Mi Browser on a Xiaomi phone",
        "Mozilla/5.0 (Linux; U; Android 13; en-gb; 2201117TG Build/TKQ1.221114.001) AppleWebKit/537.36"
        " (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 XiaoMi/MiuiBrowser/14.10.1.2-gn",
    ),
    (
        "Google app on iPhone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        " GSA/320.0.642302813 Mobile/15E148 Safari/604.1",
    ),
    (
        "Android WebView",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Version/4.0 Chrome/125.0.6422.53 Mobile Safari/537.36",
    ),
    (
        "DuckDuckGo browser on Android",
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.0.0"
        " Mobile DuckDuckGo/5 Safari/537.36",
    ),
    (
        "Firefox on KaiOS",
        "Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B-001-01-15-130718-i;Android; rv:48.0) Gecko/48.0 Firefox/48.0"
        " KAIOS/2.5",
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


class Digits:
    """A run of MIN to MAX ASCII digits at one place of a fast-path family (a build number).

    The fast-path regex takes any such run, so the family's strings are not
    listed: botfilter_fastpath checks every literal with a digit against the
    family symbolically, and the rest on ``samples``, which is sound for a
    literal without digits (it cannot overlap a digit run).
    """

    def __init__(self, min_len, max_len):
        self.min_len, self.max_len = min_len, max_len
        # One sample: a literal without digits cannot overlap the run, so any
        # sample decides for it; the literals with digits are checked apart.
        self.samples = ("1234567890"[: max(min_len, min(max_len, 4))],)
        self.values = self.samples


class Choice:
    """Alternatives at one place of a family, each a tuple of parts (str, Slot, Digits)."""

    def __init__(self, *alternatives):
        self.alternatives = tuple(tuple(alt) if isinstance(alt, (tuple, list)) else (alt,) for alt in alternatives)


class Free:
    """The device model of the device path with its edges: "; MODEL)" or "; MODEL; wv)".

    MODEL is free text of CHARS, 1 to MAX_LEN of them. Not listed: nginx
    captures this part and runs the merged patterns on it alone
    (botfilter_device says why that is sound). The samples stand for it in
    the skeleton check.
    """

    CHARS = "A-Za-z0-9 _.+/-"
    MAX_LEN = 64
    samples = ("; K)", "; K; wv)")
    values = samples


def _versions(majors, suffix):
    return Slot(f"{major}{suffix}" for major in majors)


def _optional(*parts):
    """A Slot holding nothing or the product of ``parts``."""
    return Slot(("", *expand(parts)))


def has_digits(parts):
    """Whether a family has a Digits run (its strings are then sampled, not listed)."""
    return any(
        isinstance(part, Digits) or (isinstance(part, Choice) and any(has_digits(alt) for alt in part.alternatives))
        for part in parts
    )


def variants(parts):
    """The family with every Slot and Choice expanded and every Digits run and Free kept."""
    found = [[]]
    for part in parts:
        if isinstance(part, (Digits, Free)):
            found = [[*head, part] for head in found]
        elif isinstance(part, Choice):
            found = [[*head, *tail] for head in found for alt in part.alternatives for tail in variants(alt)]
        else:
            values = part.values if isinstance(part, Slot) else (part,)
            found = [[*head, value] for head in found for value in values]
    return found


def expand(parts):
    """Every string of a family, in order (a Digits run or Free: its samples)."""
    strings = [""]
    for part in parts:
        if isinstance(part, Choice):
            values = [text for alt in part.alternatives for text in expand(alt)]
        else:
            values = part.values if isinstance(part, (Slot, Digits, Free)) else (part,)
        strings = [head + value for head in strings for value in values]
    return strings


_CHROMIUM = _versions(CHROMIUM_MAJORS, ".0.0.0")
_FIREFOX = _versions((*FIREFOX_ESR_MAJORS, *FIREFOX_MAJORS), ".0")

# A Chrome version as Chrome writes it, with or without the reduction
# (MAJOR.0.BUILD.PATCH): 125.0.0.0, 39.0.2153.1464, 148.0.7778.166.
_CHROME_ANY = ("/", Digits(2, 3), ".0.", Digits(1, 4), ".", Digits(1, 4))
# iOS and iPadOS versions as Safari writes them: 17_5, 17_5_1, 26_6_0.
_IOS_ANY = (Digits(2, 2), "_", Digits(1, 2), Choice(("",), ("_", Digits(1, 2))))
_IOS_DEVICES = Slot(["iPhone; CPU iPhone OS ", "iPad; CPU OS "])
# A Safari version (17.6, 26.5.2) and a macOS version as browsers write it (14_6, 15_7_2).
_SAFARI_ANY = (Digits(2, 2), ".", Digits(1, 2), Choice(("",), (".", Digits(1, 2))))
_MAC_ANY = (Digits(2, 2), "_", Digits(1, 2), Choice(("",), ("_", Digits(1, 2))))
_IOS_WEBKIT = " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
_IOS_TAIL = " Mobile/15E148 Safari/604.1"
# The Android devices of browsers' device emulation (Chrome DevTools and the
# automation tools built on it) and Chrome's reduced "K".
_ANDROID_DEVICES = Slot(
    ["5.0; SM-G900P Build/LRX21T", "6.0; Nexus 5 Build/MRA58N", "8.0; Pixel 2 Build/OPD3.170816.012", "10; K"]
)

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
    # The families below take any version (digit runs) rather than a window.
    (
        "Chrome, Edge and Opera on desktop, any version",
        (
            "Mozilla/5.0 (",
            Choice(
                (Slot([*_CHROME_PLATFORMS, "X11; CrOS x86_64 14541.0.0"]),),
                ("Macintosh; Intel Mac OS X ", *_MAC_ANY),
            ),
            ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome",
            *_CHROME_ANY,
            " Safari/537.36",
            Choice(
                ("",),
                (" Edg", *_CHROME_ANY),
                (" OPR", *_CHROME_ANY, Slot(["", " (Edition std-1)", " (Edition std-2)"])),
            ),
        ),
    ),
    (
        "Chrome on Android and in device emulation, any version",
        (
            "Mozilla/5.0 (Linux; Android ",
            _ANDROID_DEVICES,
            ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome",
            *_CHROME_ANY,
            Slot([" Mobile Safari/537.36", " Safari/537.36"]),
        ),
    ),
    (
        "Chrome in iPhone emulation, any version",
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS ",
            Digits(1, 2),
            "_",
            Digits(1, 2),
            " like Mac OS X) AppleWebKit/537.36 (KHTML, like Gecko) Chrome",
            *_CHROME_ANY,
            " Mobile Safari/537.36",
        ),
    ),
    (
        "Chrome on iPhone and iPad, any version",
        ("Mozilla/5.0 (", _IOS_DEVICES, *_IOS_ANY, _IOS_WEBKIT, "CriOS", *_CHROME_ANY, _IOS_TAIL),
    ),
    (
        "Google app on iPhone and iPad, any version",
        (
            "Mozilla/5.0 (",
            _IOS_DEVICES,
            *_IOS_ANY,
            _IOS_WEBKIT,
            "GSA/",
            Digits(2, 3),
            ".",
            Digits(1, 2),
            ".",
            Digits(1, 10),
            _IOS_TAIL,
        ),
    ),
    (
        "Safari on iPhone and iPad, any version",
        (
            "Mozilla/5.0 (",
            _IOS_DEVICES,
            *_IOS_ANY,
            _IOS_WEBKIT,
            "Version/",
            *_SAFARI_ANY,
            _IOS_TAIL,
            Choice(("",), (" Brave",), (" Ddg/", *_SAFARI_ANY)),
        ),
    ),
    (
        "Firefox and Edge on iPhone and iPad, any version",
        (
            "Mozilla/5.0 (",
            _IOS_DEVICES,
            *_IOS_ANY,
            _IOS_WEBKIT,
            Choice(
                ("FxiOS/", Digits(2, 3), ".", Digits(1, 1)),
                ("EdgiOS", *_CHROME_ANY, " Version/", Digits(2, 2), ".", Digits(1, 2)),
            ),
            _IOS_TAIL,
        ),
    ),
    (
        "Safari on macOS, any version",
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/",
            *_SAFARI_ANY,
            " Safari/605.1.15",
            Choice(("",), (" Ddg/", *_SAFARI_ANY)),
        ),
    ),
    (
        "Firefox on Android, any version",
        (
            "Mozilla/5.0 (Android ",
            Digits(1, 2),
            "; Mobile; rv:",
            Digits(2, 3),
            ".0) Gecko/",
            Digits(2, 3),
            ".0 Firefox/",
            Digits(2, 3),
            ".0",
        ),
    ),
)

# The device path (botfilter_device): Android browsers, which name the
# device model, in one family with the model as its only free part.
_ANDROID_VERSION = (Digits(1, 2), Slot(["", ".0", ".1", ".0.1", ".1.1", ".1.2", ".0.0"]))
DEVICE_FAMILY = (
    "Device path: Chrome, Samsung Internet, Edge and WebView on Android",
    (
        "Mozilla/5.0 (Linux; Android ",
        *_ANDROID_VERSION,
        Free(),
        " AppleWebKit/537.36 (KHTML, like Gecko) ",
        Choice(
            ("Chrome", *_CHROME_ANY),
            ("SamsungBrowser/", Digits(1, 2), ".", Digits(1, 2), " Chrome", *_CHROME_ANY),
            ("Version/4.0 Chrome", *_CHROME_ANY),
        ),
        Choice(
            (" Mobile Safari/537.36",),
            (" Safari/537.36",),
            (" Mobile Safari/537.36 EdgA/", Digits(2, 3), ".0.", Digits(1, 4), ".", Digits(1, 4)),
        ),
    ),
)
